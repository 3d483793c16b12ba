/**
 * `npm run analyze`: writes `custom-elements.json` (the package's "customElements") from the
 * element's JSDoc header and members. Only the public modules are analysed; private members
 * (Lit's internal state included) and Lit's static plumbing are left out, and module paths point
 * at the shipped JavaScript in dist/widget/ rather than at the TypeScript sources.
 */
const plumbing = new Set(["styles", "properties"]);

/** @type {import("@custom-elements-manifest/analyzer").Config} */
export default {
  globs: ["widget/openrouter-auth.ts", "widget/events.ts", "widget/define.ts", "widget/index.ts"],
  outdir: ".",
  litelement: true,
  // The "customElements" key is already in package.json; the analyzer would rewrite the file.
  packagejson: false,
  plugins: [
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
