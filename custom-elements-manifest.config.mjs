/**
 * `npm run analyze`: writes `custom-elements.json` (the package's "customElements") from the
 * element's JSDoc header and members. Only the public modules are analysed; private members
 * (Lit's internal state included) and Lit's static plumbing are left out, and module paths point
 * at the shipped JavaScript in dist/widget/ rather than at the TypeScript sources.
 */
const plumbing = new Set(["styles", "properties"]);

/** Per module path, the names it exports only as types (`export type {…}`, `export { type X }`). */
const typeOnlyExports = new Map();

/** @type {import("@custom-elements-manifest/analyzer").Config} */
export default {
  globs: ["widget/openrouter-auth.ts", "widget/events.ts", "widget/define.ts", "widget/index.ts"],
  outdir: ".",
  litelement: true,
  // The "customElements" key is already in package.json; the analyzer would rewrite the file.
  packagejson: false,
  plugins: [
    {
      // `static properties = {…} as const` keeps the literal types Lit users and analyzers read,
      // but the analyzer's Lit support looks for a bare object literal: it is shown the literal
      // inside `as const` (before the analysis, which reads the declarations' attributes from it).
      name: "static-properties-as-const",
      collectPhase({ ts, node }) {
        if (ts.isPropertyDeclaration(node) && node.name.getText() === "properties" && node.initializer && ts.isAsExpression(node.initializer)) {
          node.initializer = node.initializer.expression;
        }
      },
    },
    {
      // The analyzer lists `export { type X }` as a JavaScript export, which no module has at run
      // time: a tool that imports it by that name would fail. Type-only exports are left out.
      name: "no-type-only-exports",
      analyzePhase({ ts, node, moduleDoc }) {
        if (!ts.isExportDeclaration(node) || !node.exportClause || !ts.isNamedExports(node.exportClause)) return;
        const names = typeOnlyExports.get(moduleDoc.path) ?? new Set();
        for (const specifier of node.exportClause.elements) {
          if (node.isTypeOnly || specifier.isTypeOnly) names.add(specifier.name.text);
        }
        typeOnlyExports.set(moduleDoc.path, names);
      },
      moduleLinkPhase({ moduleDoc }) {
        const names = typeOnlyExports.get(moduleDoc.path);
        if (names) moduleDoc.exports = moduleDoc.exports?.filter((e) => !(e.kind === "js" && names.has(e.name)));
      },
    },
    {
      name: "public-api-only",
      packageLinkPhase({ customElementsManifest }) {
        for (const mod of customElementsManifest.modules) {
          for (const declaration of mod.declarations ?? []) {
            const isPrivate = (m) => /private|protected/.test(m.privacy ?? "") || (m.static && plumbing.has(m.name));
            const hiddenFields = new Set(declaration.members?.filter(isPrivate).map((m) => m.name));
            declaration.members = declaration.members?.filter((m) => !isPrivate(m));
            declaration.attributes = declaration.attributes?.filter((a) => !hiddenFields.has(a.fieldName));
          }
        }
        const shipped = JSON.parse(
          JSON.stringify(customElementsManifest.modules)
            .replace(/"(?:\/?widget|\.)\/([\w.-]+)\.[jt]s"/g, '"dist/widget/$1.js"'),
        );
        customElementsManifest.modules.splice(0, Infinity, ...shipped);
      },
    },
  ],
};
