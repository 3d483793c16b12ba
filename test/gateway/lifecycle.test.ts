import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { createOpenRouterAuth, expressServerOptions, getOpenRouterKey, GatewayError } from "../../gateway/index.js";
import { HttpClient } from "../support/http-client.js";
import { startGateway, startTestStack, TEST_SECRETS, type TestStack } from "../support/gateway.js";
import { freePort } from "../support/redis-server.js";
import { waitFor } from "../support/wait-for.js";

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(async () => {
  await stack.close();
});

/** `npm start`'s entry, run from source on a free port against the test stack, once it says it is listening. */
async function startGatewayProcess(extraEnv: Record<string, string> = {}) {
  const port = await freePort();
  const server = fileURLToPath(new URL("../../gateway/server/main.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", server], {
    env: { ...process.env, ...TEST_SECRETS, ...stack.env, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "info", ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  for (let attempt = 0; attempt < 200 && !output.includes('"event":"listening"'); attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
  return { child, url: `http://127.0.0.1:${port}`, exited, output: () => output };
}

describe("the standalone gateway process", () => {
  it("finishes a request in flight on SIGTERM, refuses new connections, closes Redis and exits 0", { timeout: 40_000 }, async () => {
    const { child, url, exited, output } = await startGatewayProcess({ UPSTREAM_TIMEOUT_MS: "10000" });
    try {
      assert.match(output(), /"event":"listening"/);

      // A sign-in that OpenRouter answers slowly is in flight when SIGTERM arrives.
      stack.stub.setFault("slow", { delayMs: 1_500 });
      const inFlight = new HttpClient(url).graphql("mutation($k: String!) { validateKey(apiKey: $k) { valid } }", { k: stack.stub.testKeys.valid });
      for (let attempt = 0; attempt < 100 && stack.stub.requests.at(-1)?.path !== "/api/v1/credits"; attempt++) await new Promise((resolve) => setTimeout(resolve, 20));
      child.kill("SIGTERM");
      const answer = await inFlight;
      assert.equal(answer.body.data?.validateKey.valid, true, "the request in flight was answered");
      assert.equal(await exited, 0);
      await assert.rejects(fetch(`${url}/healthz`), "no longer accepting");
      assert.match(output(), /"event":"shutdown"/);
    } finally {
      stack.stub.setFault("none");
      child.kill("SIGKILL");
    }
  });

  it("writes every request's access-log line before it exits on SIGTERM, though the lines are batched", { timeout: 40_000 }, async () => {
    const { child, url, exited, output } = await startGatewayProcess();
    try {
      const ids = ["first-request", "second-request", "third-request"];
      for (const id of ids) assert.equal((await fetch(`${url}/healthz`, { headers: { "x-request-id": id } })).status, 200);
      // At once: well inside the batch's flush interval, so only the exit can have written them.
      child.kill("SIGTERM");
      assert.equal(await exited, 0, output());
      const logged = output()
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as { msg?: string; reqId?: string; path?: string })
        .filter((line) => line.msg === "request");
      assert.deepEqual(
        logged.map((line) => [line.reqId, line.path]),
        ids.map((id) => [id, "/healthz"]),
      );
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("exits 0 on SIGTERM right after it started listening, before it served any GraphQL request", { timeout: 40_000 }, async () => {
    const { child, exited, output } = await startGatewayProcess();
    try {
      assert.match(output(), /"event":"listening"/);
      child.kill("SIGTERM");
      assert.equal(await exited, 0, output());
      assert.doesNotMatch(output(), /stop\(\) should only be called|\n\s+at /, "no stack trace");
    } finally {
      child.kill("SIGKILL");
    }
  });
});

/**
 * A host's app: the router, then a route of the host's own that reads the user's key. Closing
 * here closes the router only: the host's HTTP server keeps serving until `stop()`.
 */
async function startHostApp() {
  const router = createOpenRouterAuth({ env: { ...TEST_SECRETS, ...stack.env, LOG_LEVEL: "silent" } });
  const app = express();
  app.use(router);
  app.get("/host/key", async (req, res) => {
    try {
      res.json({ signedIn: (await getOpenRouterKey(req)) !== null });
    } catch (error) {
      res.status(503).json({ code: error instanceof GatewayError ? error.code : "other" });
    }
  });
  const server = createServer(expressServerOptions(app), app).listen(0, "127.0.0.1");
  await new Promise<void>((resolve) => server.once("listening", resolve));
  await router.whenConnected();
  return {
    router,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await router.close();
    },
  };
}

describe("the router in a host's process", () => {
  it("answers from close() on with 503 SHUTTING_DOWN in each surface's shape (never GraphQL's 500), says so to readiness and getOpenRouterKey, and still serves the element and liveness", { timeout: 20_000 }, async () => {
    const host = await startHostApp();
    try {
      const browser = new HttpClient(host.url);
      const signIn = await browser.graphql("mutation($k: String!) { validateKey(apiKey: $k) { valid } }", { k: stack.stub.testKeys.valid });
      assert.equal(signIn.body.data?.validateKey.valid, true);
      await host.router.close();

      const graphql = await browser.graphql("{ status { authenticated } }");
      assert.equal(graphql.status, 503);
      assert.equal(graphql.body.errors?.[0]?.extensions?.code, "SHUTTING_DOWN");
      const rest = await fetch(`${host.url}/api/v1/openrouter/auth/status`, { headers: { cookie: browser.cookieHeader() } });
      assert.equal(rest.status, 503);
      assert.equal(((await rest.json()) as { code: string }).code, "SHUTTING_DOWN");
      const ready = await fetch(`${host.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.deepEqual(await ready.json(), { status: "shutting-down" });
      const key = await fetch(`${host.url}/host/key`, { headers: { cookie: browser.cookieHeader() } });
      assert.deepEqual(await key.json(), { code: "SHUTTING_DOWN" });
      assert.equal((await fetch(`${host.url}/healthz`)).status, 200);
    } finally {
      await host.stop();
    }
  });

  it("lets a sign-in in flight when close() is called end as usual, and stops GraphQL and Redis only after it", { timeout: 20_000 }, async () => {
    const host = await startHostApp();
    try {
      stack.stub.clearRequests();
      stack.stub.setFault("slow", { delayMs: 500, paths: ["/api/v1/key"] });
      const signingIn = new HttpClient(host.url).graphql("mutation($k: String!) { validateKey(apiKey: $k) { valid } }", { k: stack.stub.testKeys.valid });
      await waitFor(() => stack.stub.requests.some((request) => request.path === "/api/v1/key"));
      const closing = host.router.close();
      const answer = await signingIn;
      assert.equal(answer.status, 200);
      assert.equal(answer.body.data?.validateKey.valid, true);
      await closing;
    } finally {
      stack.stub.setFault("none");
      await host.stop();
    }
  });

  it("leaves SIGTERM and SIGINT to the host, and close() called twice at once resolves both", { timeout: 20_000 }, async () => {
    const signalListeners = () => ({ SIGTERM: process.listenerCount("SIGTERM"), SIGINT: process.listenerCount("SIGINT") });
    const before = signalListeners();
    const gateway = await startGateway(stack.env);
    let closing: Promise<string> | undefined;
    let closedInTime = false;
    try {
      // GraphQL has started once it has answered.
      const answer = await new HttpClient(gateway.url).graphql("{ status { authenticated } }");
      assert.equal(answer.body.data?.status.authenticated, false);
      // A handler of the router's own would stop GraphQL, and re-send the signal, while the host is still draining.
      assert.deepEqual(signalListeners(), before, "the host's shutdown, not the router, decides what a signal does");
      // A host may close from two places at once (its shutdown and a test's teardown, say).
      closing = Promise.all([gateway.gateway.close(), gateway.gateway.close()]).then(() => "closed");
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise((resolve) => (timer = setTimeout(resolve, 5_000, "still closing after 5 s")));
      try {
        assert.equal(await Promise.race([closing, bound]), "closed");
        closedInTime = true;
      } finally {
        clearTimeout(timer);
      }
    } finally {
      // The HTTP server and the router, unless closing hung (the failure above says so).
      if (closing === undefined || closedInTime) await gateway.close();
    }
  });
});
