/**
 * The package as its users get it: `npm pack` of the current build, installed into a fresh
 * project beside React 19, Express 5 and TypeScript, then type-checked with `skipLibCheck: false`
 * under NodeNext and Bundler resolution. The TSX and the Express host are written as the README
 * shows them, so a README example that stops compiling fails here.
 *
 * It needs the npm registry (or npm's cache) for those few packages, and `npm run build` first
 * (`npm test` does both in order). Every child process has a time limit; the temp folder is
 * removed whatever happens.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const INSTALL_TIMEOUT_MS = 300_000;
const TSC_TIMEOUT_MS = 120_000;

const ownPackage = JSON.parse(await readFile(path.join(root, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

let work: string;
let files: string[];
let installed: string;

/** Runs a command in `cwd` with a time limit; a failure shows its output, not just its status. */
async function sh(cwd: string, command: string, args: string[], timeout: number): Promise<string> {
  try {
    const { stdout } = await run(command, args, { cwd, timeout, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(" ")} failed:\n${stdout}\n${stderr}`, { cause: error });
  }
}

/** Type-checks the consumer project with one module resolution; resolves to tsc's complaints. */
async function typeCheck(resolution: "NodeNext" | "Bundler"): Promise<string> {
  const config = `tsconfig.${resolution.toLowerCase()}.json`;
  await writeFile(
    path.join(work, "consumer", config),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        lib: ["ES2022", "DOM", "DOM.Iterable"],
        module: resolution === "NodeNext" ? "NodeNext" : "ESNext",
        moduleResolution: resolution,
        jsx: "react-jsx",
        strict: true,
        skipLibCheck: false,
        noEmit: true,
      },
      files: ["models.tsx", "server.ts"],
    }),
  );
  const tsc = path.join(work, "consumer", "node_modules", "typescript", "bin", "tsc");
  try {
    await run(process.execPath, [tsc, "-p", config], { cwd: path.join(work, "consumer"), timeout: TSC_TIMEOUT_MS });
    return "";
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    return `${stdout}${stderr}` || String(error);
  }
}

// The React 19 example of the README, with the typings entry it names.
const modelsTsx = `
import { useState } from "react";
import "openrouter-auth/define";
import type {} from "openrouter-auth/react";

function ModelPicker() {
  return <select aria-label="Model" />;
}

export function Models() {
  const [connected, setConnected] = useState(false);
  return (
    <openrouter-auth endpoint="/graphql" methods="api-key oauth" refresh-interval={60}
      onopenrouter-auth-change={(event) => setConnected(event.detail.authenticated)}
      onopenrouter-auth-error={(event) => console.warn(event.detail.code, event.detail.message)}>
      {connected && <ModelPicker />}
      <p slot="signed-out">Connect OpenRouter to choose a model.</p>
    </openrouter-auth>
  );
}

// The attributes are typed, not merely allowed.
// @ts-expect-error "password" is not a sign-in method
export const wrongMethod = <openrouter-auth methods="password" />;
`;

// The README's Express host.
const serverTs = `
import { createServer } from "node:http";
import express from "express";
import { createOpenRouterAuth, expressServerOptions, getOpenRouterKey } from "openrouter-auth/gateway";

const app = express();
app.use(createOpenRouterAuth());

app.post("/api/chat", express.json(), async (req, res) => {
  const key: string | null = await getOpenRouterKey(req);
  if (key === null) return res.status(401).json({ error: "Connect OpenRouter first" });
  const answer = await fetch("https://openrouter.ai/api/v1/chat/completions", {
    method: "POST",
    headers: { authorization: \`Bearer \${key}\`, "content-type": "application/json" },
    body: JSON.stringify({ model: req.body.model, messages: req.body.messages }),
  });
  res.status(answer.status).json(await answer.json());
});
createServer(expressServerOptions(app), app).listen(3000);
`;

describe("the published package", { timeout: INSTALL_TIMEOUT_MS + 4 * TSC_TIMEOUT_MS }, () => {
  before(async () => {
    assert.ok(existsSync(path.join(root, "dist", "openrouter-auth.js")), "run `npm run build` before this test");
    work = await mkdtemp(path.join(tmpdir(), "openrouter-auth-consumer-"));
    // The build is the one `npm test` just made; packing must not rebuild it.
    const packed = JSON.parse(
      await sh(root, "npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], INSTALL_TIMEOUT_MS),
    ) as { filename: string; files: { path: string }[] }[];
    files = packed[0]!.files.map((file) => file.path);
    const tarball = path.join(work, packed[0]!.filename);

    const consumer = path.join(work, "consumer");
    await sh(work, "mkdir", ["consumer"], 10_000);
    await writeFile(path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    await writeFile(path.join(consumer, "models.tsx"), modelsTsx);
    await writeFile(path.join(consumer, "server.ts"), serverTs);
    await sh(
      consumer,
      "npm",
      [
        "install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts",
        tarball,
        "react@19",
        "@types/react@19",
        "express@5",
        `@types/express@${ownPackage.dependencies["@types/express"]}`,
        `typescript@${ownPackage.devDependencies["typescript"]}`,
      ],
      INSTALL_TIMEOUT_MS,
    );
    installed = path.join(consumer, "node_modules", "openrouter-auth");
  });

  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  describe("its tarball", () => {
    it("holds the licence, the README, the manifest, the element file, the widget and the gateway", () => {
      for (const file of [
        "LICENSE",
        "README.md",
        "package.json",
        "custom-elements.json",
        "dist/openrouter-auth.js",
        "dist/openrouter-auth-locales/de.js",
        // What the element loads on demand from beside itself, besides the languages.
        "dist/openrouter-auth-locales/error-words.js",
        "dist/openrouter-auth-locales/oauth-popup-watch.js",
        "dist/widget/index.js",
        "dist/widget/define.js",
        "dist/widget/jsx/react.d.ts",
        "dist/gateway/index.js",
        "dist/gateway/index.d.ts",
        "schema.graphql",
      ]) {
        assert.ok(files.includes(file), `${file} is missing from the tarball`);
      }
    });

    it("leaves out the development stand-in, the tests and the TypeScript sources", () => {
      const unwanted = files.filter(
        (file) =>
          /^dist\/(gateway\/)?dev\//.test(file) ||
          /openrouter-stub/.test(file) ||
          /^(test|bench|scripts)\//.test(file) ||
          /\.test\.[jt]s$/.test(file) ||
          (/\.ts$/.test(file) && !/\.d\.ts$/.test(file)),
      );
      assert.deepEqual(unwanted, []);
    });

    it("ships no source map whose sources it leaves out", async () => {
      for (const map of files.filter((file) => file.endsWith(".map"))) {
        const { sources } = JSON.parse(await readFile(path.join(installed, map), "utf8")) as { sources: string[] };
        for (const source of sources) {
          const shipped = path.relative(installed, path.resolve(installed, path.dirname(map), source));
          assert.ok(files.includes(shipped), `${map} points at ${source}, which is not in the tarball`);
        }
      }
    });

    it("exports the self-contained element file", async () => {
      const exported = path.join(installed, "dist", "openrouter-auth.js");
      const manifest = JSON.parse(await readFile(path.join(installed, "package.json"), "utf8")) as {
        exports: Record<string, { default: string } | string>;
      };
      const entry = manifest.exports["./openrouter-auth.js"];
      assert.ok(entry && typeof entry === "object", "no ./openrouter-auth.js export");
      assert.equal(path.resolve(installed, entry.default), exported);
      assert.match(await readFile(exported, "utf8"), /customElements\.define/);
    });
  });

  describe("installed beside React 19, Express 5 and TypeScript", () => {
    for (const resolution of ["NodeNext", "Bundler"] as const) {
      it(`type-checks the README's React 19 TSX and Express host under ${resolution} with skipLibCheck false`, async () => {
        assert.equal(await typeCheck(resolution), "");
      });
    }

    it("keeps React out of the declarations of openrouter-auth and openrouter-auth/define", async () => {
      const widgetTypes = await readdir(path.join(installed, "dist", "widget"));
      for (const file of widgetTypes.filter((name) => name.endsWith(".d.ts"))) {
        assert.doesNotMatch(await readFile(path.join(installed, "dist", "widget", file), "utf8"), /from "react"/, file);
      }
    });
  });
});
