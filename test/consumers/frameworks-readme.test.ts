/**
 * The README's framework examples are the files of examples/ that test/consumers/frameworks.test.ts
 * builds: every code block the README introduces with an example's path holds that file exactly,
 * and every example is shown. Editing one without the other fails here.
 */
import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const readme = await readFile(path.join(root, "README.md"), "utf8");

/** "[`examples/x/file`](examples/x/file):", a blank line, then the fenced file. */
const SHOWN = /^\[`(examples\/[^`]+)`\]\(\1\):\n\n```\w*\n([\s\S]*?)\n```$/gm;
const shown = [...readme.matchAll(SHOWN)].map(([, file, body]) => ({ file: file!, body: body! }));

describe("the README's framework examples", () => {
  it("are the example files as they are", async () => {
    assert.ok(shown.length > 0, "the README shows no example file");
    for (const { file, body } of shown) {
      assert.equal(body, (await readFile(path.join(root, file), "utf8")).trimEnd(), `the README's copy of ${file} differs from the file`);
    }
  });

  it("show a file of every framework example", async () => {
    const examples = (await readdir(path.join(root, "examples"), { withFileTypes: true }))
      .filter((entry) => entry.isDirectory() && entry.name !== "ai-clients")
      .map((entry) => entry.name);
    for (const example of ["next-app", "lit-ssr", "vue", "svelte"]) assert.ok(examples.includes(example), `examples/${example} is missing`);
    for (const example of examples) {
      assert.ok(shown.some(({ file }) => file.startsWith(`examples/${example}/`)), `the README shows no file of examples/${example}`);
    }
  });
});
