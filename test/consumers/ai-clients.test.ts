/**
 * The AI client libraries frontend teams use, each with its defaults, streaming through the
 * proxy of the package as its users get it: `npm pack` of the current build, installed into a
 * fresh project beside `openai`, `ai` with `@ai-sdk/openai`, `@ai-sdk/openai-compatible` and
 * `@openrouter/ai-sdk-provider`, and `@langchain/openai`. The gateway runs from the installed
 * package, in a process of its own, on a real Redis and the OpenRouter stand-in. Each client is
 * the README's example (examples/ai-clients/), run in Node with the session cookie, and the
 * `openai` and AI SDK ones also in Chromium, bundled into a page on another allowed origin.
 *
 * It needs the npm registry (or npm's cache) for those packages, and `npm run build` first
 * (`npm test` does both in order). Every child process has a time limit and is stopped by its
 * pid; the temp folder is removed whatever happens.
 */
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import type { Browser } from "playwright-core";
import { startOpenRouterStub, type OpenRouterStub } from "../../dev/openrouter-stub.js";
import { launchChromium, newContext } from "../support/browser.js";
import { TEST_SECRETS } from "../support/gateway.js";
import { startRedisServer, type RedisServerHandle } from "../support/redis-server.js";
import { signedIn } from "../support/proxy.js";
import { waitFor } from "../support/wait-for.js";

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const EXAMPLES = path.join(root, "examples", "ai-clients");
const INSTALL_TIMEOUT_MS = 300_000;
const CLIENT_TIMEOUT_MS = 60_000;
const START_TIMEOUT_MS = 30_000;
const COOKIE = "openrouter-auth.sid";

/** The client libraries, at the versions a fresh project gets today. */
const CLIENT_PACKAGES = ["openai", "ai", "@ai-sdk/openai", "@ai-sdk/openai-compatible", "@openrouter/ai-sdk-provider", "@langchain/openai", "@langchain/core", "express@5"];

/** Runs a command in `cwd` with a time limit; a failure shows its output, not just its status. */
async function sh(cwd: string, command: string, args: string[], timeout: number, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  try {
    const { stdout } = await run(command, args, { cwd, timeout, env, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(" ")} failed:\n${stdout}\n${stderr}`, { cause: error });
  }
}

// The host: the package's gateway in an Express app, as the README shows it.
const serverMjs = `
import { createServer } from "node:http";
import express from "express";
import { createOpenRouterAuth, expressServerOptions } from "openrouter-auth/gateway";

const app = express();
app.use(createOpenRouterAuth());
const server = createServer(expressServerOptions(app), app);
server.listen(0, "127.0.0.1", () => console.log("listening on " + server.address().port));
`;

// Runs one example in Node with the session cookie; prints what it returned.
const runClientMjs = `
const { run } = await import("./clients/" + process.argv[2] + ".mjs");
const cookie = process.env.SESSION_COOKIE;
const withCookie = (url, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set("cookie", cookie);
  return fetch(url, { ...init, headers });
};
console.log(JSON.stringify(await run({ baseURL: process.env.PROXY_URL, fetch: withCookie })));
`;

/** What each example returns when every answer came through: the stand-in echoes the prompt. */
const EXPECTED: Readonly<Record<string, (result: any) => void>> = {
  "openai-sdk": (result) => {
    assert.equal(result.chat, "Echo: Hello from chat");
    assert.equal(result.responses, "Echo: Hello from responses");
    assert.equal(result.embedding, 8);
    assert.ok(result.models.includes("openai/gpt-4o") && result.models.length > 1);
  },
  "ai-sdk-openai": (result) => assert.equal(result.text, "Echo: Hello from the AI SDK"),
  "ai-sdk-openai-compatible": (result) => assert.equal(result.text, "Echo: Hello from openai-compatible"),
  "openrouter-ai-sdk-provider": (result) => assert.equal(result.text, "Echo: Hello from the OpenRouter provider"),
  langchain: (result) => assert.equal(result.text, "Echo: Hello from LangChain"),
};

/** The examples also run in a page: the `openai` package and the AI SDK. */
const IN_CHROMIUM = ["openai-sdk", "ai-sdk-openai"];

describe("the AI client libraries through the packed gateway's proxy", { timeout: INSTALL_TIMEOUT_MS + 10 * CLIENT_TIMEOUT_MS }, () => {
  let work: string;
  let consumer: string;
  let redis: RedisServerHandle;
  let stub: OpenRouterStub;
  let gatewayProcess: ChildProcess | undefined;
  let gatewayUrl: string;
  let page: Server;
  let pageOrigin: string;
  let cookie: string;
  let browser: Browser | undefined;

  before(async () => {
    assert.ok(existsSync(path.join(root, "dist", "gateway", "index.js")), "run `npm run build` before this test");
    work = await mkdtemp(path.join(tmpdir(), "openrouter-auth-ai-clients-"));
    const packed = JSON.parse(await sh(root, "npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], INSTALL_TIMEOUT_MS)) as { filename: string }[];
    consumer = path.join(work, "consumer");
    await mkdir(path.join(consumer, "clients"), { recursive: true });
    await writeFile(path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    await writeFile(path.join(consumer, "server.mjs"), serverMjs);
    await writeFile(path.join(consumer, "run-client.mjs"), runClientMjs);
    for (const file of await readdir(EXAMPLES)) await copyFile(path.join(EXAMPLES, file), path.join(consumer, "clients", file));
    await sh(consumer, "npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts", path.join(work, packed[0]!.filename), ...CLIENT_PACKAGES], INSTALL_TIMEOUT_MS);

    redis = await startRedisServer();
    stub = await startOpenRouterStub();
    // The page's own origin: the same site as the gateway (127.0.0.1), another port.
    page = createServer();
    await new Promise<void>((resolve) => page.listen(0, "127.0.0.1", resolve));
    pageOrigin = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
    gatewayUrl = await startPackedGateway({
      ...TEST_SECRETS,
      REDIS_URL: redis.url,
      OPENROUTER_API_BASE: stub.apiBase,
      OPENROUTER_AUTH_URL: stub.authUrl,
      ALLOWED_ORIGINS: pageOrigin,
      LOG_LEVEL: "warn",
    });
    // It listens before its Redis connection is up, and answers SESSION_STORE_UNAVAILABLE until
    // then: as a load balancer would, send nothing before /readyz says ready.
    await waitFor(async () => (await fetch(`${gatewayUrl}/readyz`)).status === 200, START_TIMEOUT_MS);
    cookie = (await signedIn(gatewayUrl, stub.testKeys.valid)).cookieHeader();
  });

  after(async () => {
    await browser?.close();
    if (gatewayProcess?.pid !== undefined && gatewayProcess.exitCode === null) {
      const exited = new Promise((resolve) => gatewayProcess!.once("exit", resolve));
      process.kill(gatewayProcess.pid, "SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
    }
    page?.closeAllConnections();
    await new Promise((resolve) => (page ? page.close(resolve) : resolve(undefined)));
    await stub?.close();
    await redis?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** Starts `node server.mjs` in the consumer project; resolves with its URL once it listens. */
  function startPackedGateway(env: Record<string, string>): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ["server.mjs"], { cwd: consumer, env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "pipe", "pipe"] });
      gatewayProcess = child;
      let output = "";
      const timer = setTimeout(() => reject(new Error(`the packed gateway did not listen within ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
      const read = (chunk: Buffer) => {
        output += chunk.toString("utf8");
        const port = /listening on (\d+)/.exec(output)?.[1];
        if (port !== undefined) {
          clearTimeout(timer);
          resolve(`http://127.0.0.1:${port}`);
        }
      };
      child.stdout!.on("data", read);
      child.stderr!.on("data", read);
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`the packed gateway exited (${code}):\n${output}`));
      });
    });
  }

  /** Requests the stand-in got with the session's key since `from`, on inference paths and the model list. */
  const keyedCalls = (from: number) => stub.requests.slice(from).filter((request) => request.bearer === stub.testKeys.valid);

  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`${name} streams through the proxy in Node with the session cookie, with its defaults`, async () => {
      const from = stub.requests.length;
      const output = await sh(consumer, process.execPath, ["run-client.mjs", name], CLIENT_TIMEOUT_MS, {
        PATH: process.env.PATH,
        PROXY_URL: `${gatewayUrl}/api/v1/openrouter/proxy`,
        SESSION_COOKIE: cookie,
      });
      expected(JSON.parse(output.trim().split("\n").at(-1)!));
      const calls = keyedCalls(from);
      assert.ok(calls.length > 0, "OpenRouter got the session's key");
      assert.ok(calls.some((call) => (call.body as { stream?: boolean } | undefined)?.stream === true), "a streamed request");
    });
  }

  for (const name of IN_CHROMIUM) {
    it(`${name} streams through the proxy in Chromium, from a page on another allowed origin`, async () => {
      const bundled = await build({ entryPoints: [path.join(consumer, "clients", `${name}.mjs`)], bundle: true, format: "esm", platform: "browser", write: false, absWorkingDir: consumer, logLevel: "silent" });
      const script = bundled.outputFiles[0]!.text;
      page.removeAllListeners("request");
      page.on("request", (req, res) => {
        if (req.url === "/client.js") {
          res.writeHead(200, { "content-type": "text/javascript" });
          res.end(script);
          return;
        }
        res.writeHead(200, { "content-type": "text/html" });
        res.end(`<!doctype html><title>AI client</title><script type="module">
import { run } from "/client.js";
window.result = run({
  baseURL: ${JSON.stringify(`${gatewayUrl}/api/v1/openrouter/proxy`)},
  fetch: (url, init) => fetch(url, { ...init, credentials: "include" }),
}).then((result) => JSON.stringify(result), (error) => "failed: " + error);
</script>`);
      });
      browser ??= await launchChromium();
      const context = await newContext(browser);
      try {
        const value = cookie.slice(`${COOKIE}=`.length);
        await context.addCookies([{ name: COOKIE, value, domain: "127.0.0.1", path: "/", httpOnly: true, sameSite: "Lax" }]);
        const tab = await context.newPage();
        const from = stub.requests.length;
        await tab.goto(`${pageOrigin}/`);
        const result = (await tab.evaluate(() => (window as unknown as { result: Promise<string> }).result)) as string;
        assert.doesNotMatch(result, /^failed/, result);
        EXPECTED[name]!(JSON.parse(result));
        assert.ok(keyedCalls(from).length > 0, "OpenRouter got the session's key");
      } finally {
        await context.close();
      }
    });
  }
});
