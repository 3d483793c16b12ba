/**
 * The element where users build, from the packed tarball, with each framework's own toolchain:
 * the examples in examples/ (the files the README points at) copied into one fresh project that
 * installs the package beside Next.js, React 19, @lit-labs/ssr, Vue and Svelte from the npm
 * registry.
 *
 * - Next.js App Router (examples/next-app): `next build`, `next start`, and Chromium signs in with
 *   a stand-in key on the server-rendered, hydrated page; the `onAuthChange` handler of
 *   `openrouter-auth/react`'s component shows the gated content.
 * - React hydrating late (a fixture): the status the element learnt before React attached its
 *   listeners still reaches `onAuthChange`.
 * - Lit SSR (examples/lit-ssr): @lit-labs/ssr renders the element to HTML in Node; Chromium loads
 *   it, hydrates the server's shadow root (the same nodes, not new ones) and signs in.
 * - Types: `tsc` on the Next.js app, `vue-tsc` on examples/vue (a create-vite `vue-ts` layout) and
 *   `svelte-check` on examples/svelte (Svelte 5) pass on the example, and fail on a wrong
 *   attribute type and on a wrong event detail field.
 *
 * The gateway is this repository's, with Redis and the OpenRouter stand-in (as in the end-to-end
 * tests), on localhost like the example servers, so the pages and the gateway share a site. It
 * needs `npm run build` first. Every child process has a time limit or is stopped by its pid; the
 * temp folder is removed whatever happens.
 */
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { ACTION_TIMEOUT_MS, launchChromium, newContext } from "../support/browser.js";
import { startTestStack, type TestStack } from "../support/gateway.js";
import { freePort } from "../support/redis-server.js";
import { waitFor } from "../support/wait-for.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const INSTALL_TIMEOUT_MS = 600_000;
const BUILD_TIMEOUT_MS = 300_000;
const CHECK_TIMEOUT_MS = 180_000;
const SERVER_READY_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

const ownPackage = JSON.parse(await readFile(path.join(root, "package.json"), "utf8")) as {
  devDependencies: Record<string, string>;
};

/** What the examples need, one install for all of them; versions are each framework's current major. */
const FRAMEWORK_PACKAGES = [
  "next@16", "react@19", "react-dom@19", "@types/react@19", "@types/react-dom@19", "@types/node@22",
  `typescript@${ownPackage.devDependencies["typescript"]}`,
  "lit@3", "@lit-labs/ssr@4", "@lit-labs/ssr-client@1", `esbuild@${ownPackage.devDependencies["esbuild"]}`,
  "vue@3", "vue-tsc@3", "@vue/tsconfig", "vite@8", "@vitejs/plugin-vue@6",
  "svelte@5", "svelte-check@4", "@tsconfig/svelte@5", "@sveltejs/vite-plugin-svelte@7",
];

let work: string;

/** Runs a command in `cwd` with a time limit; resolves to its output, or rejects with it. */
function sh(cwd: string, command: string, args: string[], timeout: number, env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd, timeout, killSignal: "SIGKILL", maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } },
      (error, stdout, stderr) => (error ? reject(new Error(`${command} ${args.join(" ")} failed:\n${stdout}\n${stderr}`, { cause: error })) : resolve(`${stdout}${stderr}`)),
    );
  });
}

/** A package's command-line script in the shared install, run with this Node. */
const bin = (script: string) => path.join(work, "node_modules", script);
const node = (cwd: string, script: string, args: string[], timeout: number, env?: NodeJS.ProcessEnv) =>
  sh(cwd, process.execPath, [bin(script), ...args], timeout, env);

/** A server an example starts, stopped by its pid. */
interface ExampleServer {
  readonly origin: string;
  stop(): Promise<void>;
}

/** Starts `node <args>` in `cwd` and waits (bounded) until `origin` answers; its output is kept for the failure message. */
async function startServer(cwd: string, args: string[], origin: string, env: NodeJS.ProcessEnv): Promise<ExampleServer> {
  let output = "";
  const child: ChildProcess = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  for (const stream of [child.stdout, child.stderr]) stream?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const stopped = await Promise.race([exited.then(() => true), new Promise<false>((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS, false))]);
    if (!stopped) child.kill("SIGKILL");
  };
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
      return fetch(origin).then((response) => response.ok, () => false);
    }, SERVER_READY_MS);
  } catch (error) {
    await stop();
    throw new Error(`node ${args.join(" ")} did not serve ${origin}: ${String(error)}\n${output}`);
  }
  return { origin, stop };
}

/** A framework's type checker, run on an example as the example's own scripts run it. */
interface TypeCheck {
  readonly name: string;
  readonly example: string;
  /** Runs the checker in the example's folder; resolves to its complaints, "" when it passes. */
  check(dir: string): Promise<string>;
  /** Where a wrong use is written, beside the example's files (and removed after). */
  readonly file: string;
  /** A wrong use, and what the checker must say about it. */
  readonly wrong: {
    readonly attributeType: { readonly source: string; readonly complaint: RegExp };
    readonly detailField: { readonly source: string; readonly complaint: RegExp };
  };
}

/** What every checker says of `event.detail.signedIn`. */
const NO_SUCH_DETAIL = /Property 'signedIn' does not exist on type 'OpenRouterAuthChangeDetail'/;
/** What vue-tsc and svelte-check say of `refresh-interval` given an array. */
const NOT_AN_INTERVAL = /Type 'number\[\]' is not assignable to type 'OpenRouterAuthRefreshInterval \| undefined'/;

/** Resolves to a checker's output when it fails, "" when it passes. */
const complaints = (running: Promise<string>) => running.then(() => "", (error: Error) => error.message);

const TYPE_CHECKS: TypeCheck[] = [
  {
    name: "tsc on the Next.js app's component (examples/next-app, after next build)",
    example: "next-app",
    check: (dir) => complaints(node(dir, "typescript/bin/tsc", ["--noEmit", "-p", "tsconfig.json"], CHECK_TIMEOUT_MS)),
    file: "app/wrong.tsx",
    wrong: {
      attributeType: {
        source: `"use client";\nimport { OpenRouterAuth } from "openrouter-auth/react";\nexport const Wrong = () => <OpenRouterAuth refreshInterval={[30]} />;\n`,
        complaint: /Type 'number\[\]' is not assignable to type 'number'/,
      },
      detailField: {
        source: `"use client";\nimport { OpenRouterAuth } from "openrouter-auth/react";\nexport const Wrong = () => <OpenRouterAuth onAuthChange={(event) => console.log(event.detail.signedIn)} />;\n`,
        complaint: NO_SUCH_DETAIL,
      },
    },
  },
  {
    name: "vue-tsc in a create-vite vue-ts layout (examples/vue)",
    example: "vue",
    // The first half of the template's `npm run build`; --force, since files come and go between runs.
    check: (dir) => complaints(node(dir, "vue-tsc/bin/vue-tsc.js", ["-b", "--force"], CHECK_TIMEOUT_MS)),
    file: "src/Wrong.vue",
    wrong: {
      attributeType: { source: `<template>\n  <openrouter-auth :refresh-interval="[30]" />\n</template>\n`, complaint: NOT_AN_INTERVAL },
      detailField: {
        source: `<script setup lang="ts">\nimport { ref } from "vue";\nconst connected = ref(false);\n</script>\n<template>\n  <openrouter-auth @openrouter-auth-change="connected = $event.detail.signedIn" />\n</template>\n`,
        complaint: NO_SUCH_DETAIL,
      },
    },
  },
  {
    name: "svelte-check in a Svelte 5 layout (examples/svelte)",
    example: "svelte",
    check: (dir) => complaints(node(dir, "svelte-check/bin/svelte-check", ["--tsconfig", "./tsconfig.app.json", "--output", "machine"], CHECK_TIMEOUT_MS)),
    file: "src/Wrong.svelte",
    wrong: {
      attributeType: { source: `<openrouter-auth refresh-interval={[30]}></openrouter-auth>\n`, complaint: NOT_AN_INTERVAL },
      detailField: {
        source: `<script lang="ts">\n  let connected = $state(false);\n</script>\n<openrouter-auth onopenrouter-auth-change={(event) => (connected = event.detail.signedIn)}></openrouter-auth>\n<p>{connected}</p>\n`,
        complaint: NO_SUCH_DETAIL,
      },
    },
  },
];

/**
 * A page rendered by react-dom/server and hydrated only once the element has told its first
 * status: the order a slow hydration gives, made certain. A fixture, not an example: it stages the
 * timing that Next.js leaves to chance.
 */
const LATE_HYDRATION = {
  "app.js": `import { createElement as h, useState } from "react";
import { OpenRouterAuth } from "openrouter-auth/react";

export function App({ endpoint }) {
  const [connected, setConnected] = useState(false);
  return h(OpenRouterAuth, { endpoint, onAuthChange: (event) => setConnected(event.detail.authenticated) },
    connected ? h("label", null, "Model ", h("select")) : null,
    h("p", { slot: "signed-out" }, "Connect OpenRouter to choose a model."));
}
`,
  "client.js": `import { createElement } from "react";
import { hydrateRoot } from "react-dom/client";
import { App } from "./app.js";

addEventListener("openrouter-auth-change", () => {
  const endpoint = document.querySelector("openrouter-auth").getAttribute("endpoint");
  hydrateRoot(document.getElementById("root"), createElement(App, { endpoint }));
}, { once: true });
`,
  "server.js": `import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { App } from "./app.js";

const endpoint = process.env.OPENROUTER_AUTH_ENDPOINT;
const client = await readFile(new URL("./public/client.js", import.meta.url));
createServer((req, res) => {
  if (req.url === "/client.js") return res.writeHead(200, { "content-type": "text/javascript" }).end(client);
  if (req.url !== "/") return res.writeHead(404).end();
  const root = renderToString(createElement(App, { endpoint }));
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" })
    .end(\`<!doctype html><html lang="en"><head><script type="module" src="/client.js"></script></head><body><div id="root">\${root}</div></body></html>\`);
}).listen(Number(process.env.PORT), "127.0.0.1");
`,
};

/** Signs in on the page with the stand-in's valid key, as a user does with the API key tab. */
async function signInWithKey(page: Page, key: string): Promise<void> {
  await page.getByRole("button", { name: "Connect to OpenRouter" }).click();
  const dialog = page.getByRole("dialog", { name: "Connect to OpenRouter" });
  await dialog.getByLabel("OpenRouter API key", { exact: true }).fill(key);
  await dialog.getByRole("button", { name: "Connect", exact: true }).click();
  await page.getByRole("button", { name: "Disconnect" }).waitFor();
}

describe("the frameworks, with the packed tarball", { timeout: INSTALL_TIMEOUT_MS + 4 * BUILD_TIMEOUT_MS }, () => {
  let stack: TestStack;
  let browser: Browser;
  const ports = { next: 0, litSsr: 0, lateHydration: 0 };
  const origins = { next: "", litSsr: "", lateHydration: "" };

  before(async () => {
    assert.ok(existsSync(path.join(root, "dist", "widget", "react", "index.js")), "run `npm run build` before this test");
    work = await mkdtemp(path.join(tmpdir(), "openrouter-auth-frameworks-"));
    // The build is the one `npm test` just made; packing must not rebuild it.
    const packed = JSON.parse(await sh(root, "npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], INSTALL_TIMEOUT_MS)) as { filename: string }[];
    await writeFile(path.join(work, "package.json"), JSON.stringify({ name: "frameworks", private: true, type: "module" }));
    await sh(work, "npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts", path.join(work, packed[0]!.filename), ...FRAMEWORK_PACKAGES], INSTALL_TIMEOUT_MS);
    for (const example of ["next-app", "lit-ssr", "vue", "svelte"]) {
      await cp(path.join(root, "examples", example), path.join(work, example), { recursive: true, filter: (file) => !/[\\/](node_modules|\.next|public)$/.test(file) });
    }

    for (const name of ["next", "litSsr", "lateHydration"] as const) {
      ports[name] = await freePort();
      origins[name] = `http://localhost:${ports[name]}`;
    }
    stack = await startTestStack({ hostname: "localhost", env: { ALLOWED_ORIGINS: Object.values(origins).join(",") } });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  describe("Next.js App Router (examples/next-app)", () => {
    let server: ExampleServer;

    before(async () => {
      const app = path.join(work, "next-app");
      const env = { NEXT_TELEMETRY_DISABLED: "1", OPENROUTER_AUTH_ENDPOINT: `${stack.gatewayUrl}/graphql` };
      await node(app, "next/dist/bin/next", ["build"], BUILD_TIMEOUT_MS, env);
      server = await startServer(app, [bin("next/dist/bin/next"), "start", "-H", "127.0.0.1", "-p", String(ports.next)], origins.next, env);
    });

    after(async () => {
      await server?.stop();
    });

    it("renders the component on the server, the tag with its attributes in the HTML", async () => {
      const page = await (await fetch(origins.next)).text();
      assert.match(page, new RegExp(`<openrouter-auth endpoint="${stack.gatewayUrl}/graphql" methods="api-key oauth"[^>]*>`));
      assert.match(page, /<p slot="signed-out">Connect OpenRouter to choose a model\.<\/p><\/openrouter-auth>/);
      assert.doesNotMatch(page, /<select/, "the gated content waits for the sign-in");
    });

    it("signs in on the hydrated page, and the onAuthChange handler shows the gated content", async () => {
      const context = await newContext(browser);
      try {
        const page = await context.newPage();
        await page.goto(origins.next);
        // Next.js marks the end of hydration by nothing a page can read; the element answering
        // with its signed-out state comes after its module (and so React's) has run.
        await signInWithKey(page, stack.stub.testKeys.valid);
        await page.getByLabel("Model").waitFor({ state: "visible" });
        assert.equal(await page.getByRole("button", { name: "Disconnect" }).isVisible(), true);

        // Signed in already, the next server-rendered page learns it from the first status.
        await page.reload();
        await page.getByRole("button", { name: "Disconnect" }).waitFor();
        await page.getByLabel("Model").waitFor({ state: "visible" });
      } finally {
        await context.close();
      }
    });
  });

  describe("React hydrating after the element told its first status (react-dom/server, hydrateRoot)", () => {
    let server: ExampleServer;

    before(async () => {
      const app = path.join(work, "late-hydration");
      await mkdir(path.join(app, "public"), { recursive: true });
      await writeFile(path.join(app, "package.json"), JSON.stringify({ private: true, type: "module" }));
      for (const [file, source] of Object.entries(LATE_HYDRATION)) await writeFile(path.join(app, file), source);
      await node(app, "esbuild/bin/esbuild", ["client.js", "--bundle", "--format=esm", "--minify", "--outfile=public/client.js"], BUILD_TIMEOUT_MS);
      server = await startServer(app, ["server.js"], origins.lateHydration, { PORT: String(ports.lateHydration), OPENROUTER_AUTH_ENDPOINT: `${stack.gatewayUrl}/graphql` });
    });

    after(async () => {
      await server?.stop();
    });

    it("hands onAuthChange the status the element learnt before hydration", async () => {
      const context = await newContext(browser);
      try {
        const page = await context.newPage();
        await page.goto(origins.lateHydration);
        await signInWithKey(page, stack.stub.testKeys.valid);
        await page.getByLabel("Model").waitFor({ state: "visible" });
        // Signed in already: the first status comes before hydration, and before any listener of React's.
        await page.reload();
        await page.getByRole("button", { name: "Disconnect" }).waitFor();
        await page.getByLabel("Model").waitFor({ state: "visible" });
      } finally {
        await context.close();
      }
    });
  });

  describe("Lit SSR (examples/lit-ssr)", () => {
    let server: ExampleServer;

    before(async () => {
      const app = path.join(work, "lit-ssr");
      await mkdir(path.join(app, "public"));
      await node(app, "esbuild/bin/esbuild", ["client.js", "--bundle", "--format=esm", "--minify", "--outfile=public/client.js"], BUILD_TIMEOUT_MS);
      server = await startServer(app, ["server.js"], origins.litSsr, { PORT: String(ports.litSsr), OPENROUTER_AUTH_ENDPOINT: `${stack.gatewayUrl}/graphql` });
    });

    after(async () => {
      await server?.stop();
    });

    it("renders the element's shadow root into the HTML, showing the status check", async () => {
      const page = await (await fetch(origins.litSsr)).text();
      assert.match(page, /<openrouter-auth[^>]*endpoint="[^"]+"[^>]*><template shadowroot="open" shadowrootmode="open">/);
      assert.match(page, /Checking connection…/);
    });

    it("hydrates the server's shadow root in Chromium, keeping its nodes, and signs in", async () => {
      const context = await newContext(browser);
      try {
        const page = await context.newPage();
        // The page's script waits until the server-rendered shadow root has been marked.
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        await page.route("**/client.js", async (route) => {
          await released;
          await route.continue();
        });
        await page.goto(origins.litSsr, { waitUntil: "commit" });
        const element = page.locator("openrouter-auth");
        await element.locator("[part=base]").waitFor({ state: "attached" });
        await element.evaluate((host) => ((host.shadowRoot!.querySelector("[part=base]") as HTMLElement & { fromServer?: boolean }).fromServer = true));
        release();
        // Signed out: the element's script has run and the status is known.
        await page.getByRole("button", { name: "Connect to OpenRouter" }).first().waitFor();
        const bases = await element.evaluate((host) =>
          [...host.shadowRoot!.querySelectorAll("[part=base]")].map((base) => (base as HTMLElement & { fromServer?: boolean }).fromServer === true),
        );
        assert.deepEqual(bases, [true], "the shadow root holds the server's nodes, hydrated, and nothing rendered anew beside them");
        await signInWithKey(page, stack.stub.testKeys.valid);
        await page.getByLabel("Model").waitFor({ state: "visible" });
        await waitFor(async () => (await page.title()) === "Drafts (connected)", ACTION_TIMEOUT_MS);
      } finally {
        await context.close();
      }
    });
  });

  for (const { name, example, check, file, wrong } of TYPE_CHECKS) {
    describe(name, () => {
      const dir = () => path.join(work, example);

      after(async () => {
        await rm(path.join(dir(), file), { force: true });
      });

      it("passes on the example, as the README shows it", async () => {
        assert.equal(await check(dir()), "");
      });

      it("fails on a wrong attribute type", async () => {
        await writeFile(path.join(dir(), file), wrong.attributeType.source);
        assert.match(await check(dir()), wrong.attributeType.complaint);
      });

      it("fails on a wrong event detail field", async () => {
        await writeFile(path.join(dir(), file), wrong.detailField.source);
        assert.match(await check(dir()), wrong.detailField.complaint);
      });
    });
  }
});
