/**
 * Builds the element (`npm run build:widget`):
 *
 * - `dist/openrouter-auth.js`: one self-contained, minified ES module (Lit's production build
 *   included) that registers the tag and speaks English; the gateway serves it at
 *   `/openrouter-auth.js`.
 * - `dist/openrouter-auth-locales/<lang>.js`: the other languages, one module each, which the
 *   bundle imports on demand from beside itself (`./openrouter-auth-locales/de.js`); the gateway
 *   serves them at `/openrouter-auth-locales/<lang>.js`. The few parts of the element that only
 *   some users need (LAZY_PARTS) are loaded the same way, from the same folder.
 * - `dist/widget/*.js` and `*.d.ts`: the package's modules for bundlers (`openrouter-auth` and
 *   `openrouter-auth/define`), Lit left as a dependency.
 *
 * The bundle is minified twice: by esbuild as it bundles, then once more by terser, which finds
 * what esbuild's single pass leaves (about 150 bytes gzip). Prints the bundle's raw and gzip sizes
 * (and the largest language's), and fails above the 12 KB gzip ceiling.
 */
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { minify } from "terser";
import ts from "typescript";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const widget = path.join(root, "widget");
const dist = path.join(root, "dist");
const bundleFile = path.join(dist, "openrouter-auth.js");
const localeDir = path.join(dist, "openrouter-auth-locales");
const moduleDir = path.join(root, "dist/widget");

/**
 * Members of the element and its controller that no page, test or other module touches by name:
 * the bundle renames them to short ones (esbuild's `mangleProps`), which keeps it within its ceiling.
 * Only names that are ours alone belong here; a name the platform, Lit or the GraphQL data also
 * uses (`status`, `host`, `key`, `apply`, …) or the element's public API must never be added.
 */
const PRIVATE_MEMBERS = new RegExp(
  `^(?:${[
    "statusTask", "actionKind", "actionError", "statusError", "redirectUrl", "checkedEndpoint", "refreshDue",
    "focusConnectAfterLogout", "internals", "renderAccount", "renderTabs", "focusPanel",
    "onInput", "onSubmit", "onOAuth", "onTabKey", "onClose", "onDisconnect", "methodList", "currentTab",
    "describe", "signInWithKey", "signInWithOAuth", "schedule", "endpointUrl", "clearError", "onVisible",
    "onSignIn", "langObserver", "auth", "openedBy", "locale", "view", "dialog", "input", "channel",
    "connected", "action", "fail", "busy", "timer", "controller", "work", "tab", "reveal", "budgetTask",
    // The options the element hands to the OAuth popup's module (oauth-popup-watch.ts), built with it.
    "popup", "flow", "kept", "relay", "onLate", "words",
  ].join("|")})$`,
);
/** The comment at the head of the bundle: Lit's license notice, which every minification keeps. */
const BANNER = "/* <openrouter-auth> | includes Lit, Copyright Google LLC, BSD-3-Clause */";
/** The default bundle's budget, gzip -9: what the element costs a page (test/widget/bundle.test.ts checks it too). */
const GZIP_CEILING = 12 * 1024;

/**
 * The parts of the element that its bundle imports on demand from beside itself, next to the
 * languages: what only some users need, so the default bundle stays within its ceiling.
 * - `oauth-popup-watch.js`: waiting for the OAuth popup's outcome, loaded when a sign-in with
 *   OpenRouter starts;
 * - `error-words.js`: the English words for error codes, loaded on the first error.
 */
const LAZY_PARTS = ["error-words.js", "oauth-popup-watch.js"];

/** Collapses whitespace in a template's CSS or GraphQL; neither gives meaning to what is removed. */
const collapseCode = (text: string) =>
  text
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\s+/g, " ")
    .replace(/\s*([{};,])\s*/g, "$1")
    .replace(/:\s+/g, ":")
    .trim();

/**
 * Collapses each run of whitespace that holds a line break to one space: the indentation of
 * templates, which HTML renders as one space at most anyway (the element has no <pre>).
 */
const collapseMarkup = (text: string) => text.replace(/\s*\n\s*/g, " ");

/**
 * Shrinks the literal parts of tagged templates before esbuild minifies the code around them:
 * `css` and the generated GraphQL documents lose insignificant whitespace, `html` its indentation.
 * The TypeScript parser finds the templates, so nested templates and `${}` are handled exactly.
 * The generated documents (`new TypedDocumentString(\`…\`, meta)`) become their plain text: the
 * element only sends them as text (`String(document)` in gateway-client.ts), and the class and
 * its metadata are types' business, so the bundle needs neither.
 */
function shrinkTemplates(file: string, source: string): string {
  const sourceFile = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edits: { start: number; end: number; text: string }[] = [];
  const literalParts = (template: ts.TemplateLiteral) =>
    ts.isNoSubstitutionTemplateLiteral(template)
      ? [template]
      : [template.head, ...template.templateSpans.map((span) => span.literal)];
  const visit = (node: ts.Node): void => {
    let template: ts.TemplateLiteral | undefined;
    let shrink: ((text: string) => string) | undefined;
    if (ts.isTaggedTemplateExpression(node) && ts.isIdentifier(node.tag)) {
      template = node.template;
      shrink = node.tag.text === "css" ? collapseCode : node.tag.text === "html" ? collapseMarkup : undefined;
    } else if (ts.isCallExpression(node) && node.expression.getText() === "unsafeCSS") {
      // The element's style sheet, a constant (openrouter-auth.styles.ts).
      const first = node.arguments[0];
      if (first && ts.isNoSubstitutionTemplateLiteral(first)) [template, shrink] = [first, collapseCode];
    } else if (ts.isNewExpression(node) && node.expression.getText() === "TypedDocumentString") {
      const first = node.arguments?.[0];
      if (first && ts.isNoSubstitutionTemplateLiteral(first)) {
        const text = source.slice(first.getStart(sourceFile) + 1, first.getEnd() - 1);
        edits.push({ start: node.getStart(sourceFile), end: node.getEnd(), text: `\`${collapseCode(text)}\`` });
        return;
      }
    }
    if (template && shrink) {
      for (const part of literalParts(template)) {
        // The part's raw text sits between its delimiters: ` or } before, ` or ${ after.
        const start = part.getStart(sourceFile) + 1;
        const end = part.getEnd() - (ts.isTemplateHead(part) || ts.isTemplateMiddle(part) ? 2 : 1);
        edits.push({ start, end, text: shrink(source.slice(start, end)) });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  let result = source;
  for (const { start, end, text } of edits.sort((a, b) => b.start - a.start)) {
    result = result.slice(0, start) + text + result.slice(end);
  }
  return result;
}

const shrinkTemplatesPlugin: esbuild.Plugin = {
  name: "shrink-templates",
  setup(build) {
    build.onLoad({ filter: /[\\/]widget[\\/].*\.ts$/ }, async ({ path: file }) => ({
      contents: shrinkTemplates(file, await readFile(file, "utf8")),
      loader: "ts",
    }));
  },
};

async function buildBundle(): Promise<void> {
  await rm(localeDir, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: { "openrouter-auth": path.join(widget, "define.ts") },
    outdir: dist,
    bundle: true,
    // Each language the element imports on demand, and each part it loads only when needed
    // (LAZY_PARTS), becomes a file of its own, named after it and without a hash, so the gateway
    // can serve the folder as it is. None imports anything at run time, so no shared chunk
    // appears (one would have to be served too).
    splitting: true,
    chunkNames: "openrouter-auth-locales/[name]",
    format: "esm",
    platform: "browser",
    target: "es2021",
    minify: true,
    // Lit's license, once, instead of every module's copy.
    legalComments: "none",
    // Non-ASCII words as they are (UTF-8), not as \u escapes: the language files are mostly such words.
    charset: "utf8",
    banner: { js: BANNER },
    tsconfig: path.join(root, "tsconfig.json"),
    define: { "process.env.NODE_ENV": '"production"' },
    mangleProps: PRIVATE_MEMBERS,
    plugins: [shrinkTemplatesPlugin],
    logLevel: "warning",
  });
  // The second pass, over the finished bundle only (the language files and LAZY_PARTS are small
  // already). The on-demand imports' paths are strings, which it keeps as they are.
  const { code } = await minify(await readFile(bundleFile, "utf8"), {
    module: true,
    // The syntax esbuild's target allows (es2021), no newer.
    ecma: 2021,
    compress: { passes: 2 },
    format: { comments: (_node, comment) => `/*${comment.value}*/` === BANNER },
  });
  await writeFile(bundleFile, code!);
}

async function buildModules(): Promise<void> {
  await rm(moduleDir, { recursive: true, force: true });
  const sources = await readdir(widget, { recursive: true });
  await esbuild.build({
    entryPoints: sources.filter((f) => f.endsWith(".ts")).map((f) => path.join(widget, f)),
    outdir: moduleDir,
    outbase: widget,
    bundle: false,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    tsconfig: path.join(root, "tsconfig.json"),
    logLevel: "warning",
  });
  // Declarations from the real compiler; esbuild does not emit types.
  const configFile = ts.readConfigFile(path.join(root, "tsconfig.json"), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
  // Each framework's entry is one of its own (`openrouter-auth/react`, `/vue`, `/svelte`): only that
  // framework's users load its types.
  const entries = ["index.ts", "define.ts", "react/index.ts", "vue/index.ts", "svelte/index.ts"].map((entry) => path.join(widget, entry));
  const program = ts.createProgram(entries, {
    ...options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    rootDir: widget,
    outDir: moduleDir,
  });
  const result = program.emit();
  const errors = ts.getPreEmitDiagnostics(program).concat(result.diagnostics);
  if (errors.length) {
    const host = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => root, getNewLine: () => "\n" };
    throw new Error(ts.formatDiagnostics(errors, host));
  }
}

await Promise.all([buildBundle(), buildModules()]);

const bundle = await readFile(bundleFile);
const gzip = gzipSync(bundle, { level: 9 }).length;
const kb = (n: number) => `${(n / 1024).toFixed(2)} KB`;
console.log(`dist/openrouter-auth.js  ${kb(bundle.length)} raw, ${kb(gzip)} gzip (ceiling ${kb(GZIP_CEILING)})`);
const locales = (await readdir(localeDir)).sort();
const expected = [...(await readdir(path.join(widget, "locales"))).map((f) => f.replace(/\.ts$/, ".js")), ...LAZY_PARTS].sort();
if (JSON.stringify(locales) !== JSON.stringify(expected)) {
  console.error(`dist/openrouter-auth-locales/ holds ${locales.join(", ")}; expected one file per language and ${LAZY_PARTS.join(", ")}: ${expected.join(", ")}.`);
  process.exit(1);
}
const localeSizes = await Promise.all(locales.map(async (f) => gzipSync(await readFile(path.join(localeDir, f)), { level: 9 }).length));
console.log(`dist/openrouter-auth-locales/  ${locales.join(" ")}: ${kb(Math.max(...localeSizes))} gzip at most`);
console.log(`dist/widget/  modules and declarations for openrouter-auth, openrouter-auth/define and the framework entries (react, vue, svelte)`);
if (gzip > GZIP_CEILING) {
  console.error(`The bundle is over the ${kb(GZIP_CEILING)} gzip ceiling.`);
  // Not left behind: the tests and the gateway would take it for a good build (it is newer than the sources).
  await rm(bundleFile);
  process.exit(1);
}
