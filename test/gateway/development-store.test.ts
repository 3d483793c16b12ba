import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { MemoryStore } from "../../gateway/store/memory-store.js";
import { TestClock } from "../support/clock.js";
import { HttpClient } from "../support/http-client.js";
import { startGateway, TEST_SECRETS } from "../support/gateway.js";
import { startOpenRouterStub } from "../../dev/openrouter-stub.js";
import { freePort } from "../support/redis-server.js";

const VALIDATE = "mutation($apiKey: String!) { validateKey(apiKey: $apiKey) { valid } }";
const STATUS = "{ status { authenticated } }";

/** Waits, bounded, for a condition that a timer makes true. */
async function eventually(condition: () => boolean, what: string, attempts = 250): Promise<void> {
  for (let attempt = 0; attempt < attempts && !condition(); attempt++) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok(condition(), what);
}

describe("the in-process store, for development without Redis", () => {
  it("holds at most its bound, dropping the key written longest ago", async () => {
    const store = new MemoryStore({ maxEntries: 3 });
    try {
      for (const key of ["a", "b", "c"]) await store.set(key, key, 60_000);
      await store.set("a", "a again", 60_000); // written again: now the newest
      await store.set("d", "d", 60_000);
      assert.equal(store.size, 3);
      assert.equal(await store.get("b"), null, "the oldest write was dropped");
      assert.equal(await store.get("a"), "a again");
      assert.equal(await store.get("d"), "d");
    } finally {
      await store.close();
    }
  });

  it("drops expired keys on its timer, with no read or write to prompt it", async () => {
    const clock = new TestClock();
    const store = new MemoryStore({ sweepEveryMs: 10, now: clock.now });
    try {
      await store.set("short", "x", 1_000);
      await store.set("long", "y", 120_000);
      assert.equal((await store.increment("counter", 1_000)).count, 1);
      clock.advance(2_000);
      await eventually(() => store.size === 1, `the expired keys are gone (size ${store.size})`);
      assert.equal(await store.get("long"), "y");
    } finally {
      await store.close();
    }
  });

  it("replaces a value only while it is the one read, and takes a value once", async () => {
    const store = new MemoryStore();
    try {
      await store.set("k", "v1", 60_000);
      assert.equal(await store.replaceIf("k", "v1", "v2", "keep"), true);
      assert.equal(await store.replaceIf("k", "v1", "v3", 60_000), false, "v1 is no longer there");
      assert.equal(await store.take("k"), "v2");
      assert.equal(await store.take("k"), null);
      assert.equal(await store.replaceIf("k", "v2", "v4", 60_000), false, "a deleted key is not brought back");
      assert.equal(await store.get("k"), null);
    } finally {
      await store.close();
    }
  });

  it("grants at most the given number of leases on a key, frees one on release, and lets an unrenewed lease lapse", async () => {
    const clock = new TestClock();
    const store = new MemoryStore({ now: clock.now });
    try {
      assert.equal(await store.acquireLease("streams", "a", 2, 1_000), true);
      assert.equal(await store.acquireLease("streams", "b", 2, 1_000), true);
      assert.equal(await store.acquireLease("streams", "c", 2, 1_000), false, "both places are held");
      await store.releaseLease("streams", "a");
      assert.equal(await store.acquireLease("streams", "c", 2, 1_000), true, "a released place is free again");

      clock.advance(600);
      assert.equal(await store.renewLease("streams", "b", 1_000), true, "b still held its place");
      clock.advance(600);
      assert.equal(await store.renewLease("streams", "c", 1_000), false, "c was not renewed and has lapsed");
      assert.equal(await store.acquireLease("streams", "d", 2, 1_000), true, "the lapsed place is free again");
      assert.equal(await store.acquireLease("streams", "e", 2, 1_000), false, "the renewed lease still holds its place");

      clock.advance(1_000);
      assert.equal(await store.acquireLease("streams", "f", 1, 1_000), true, "every lease has lapsed");
      await store.releaseLease("streams", "f");
      assert.equal(await store.get("streams"), null, "a key with no lease left is gone");
    } finally {
      await store.close();
    }
  });

  it("serves a whole session without Redis: sign-in, status, renewal, the absolute lifetime and sign-out", async () => {
    const stub = await startOpenRouterStub();
    const gateway = await startGateway({ OPENROUTER_API_BASE: stub.apiBase, OPENROUTER_AUTH_URL: stub.authUrl, SESSION_TTL_SECONDS: "3600", SESSION_MAX_AGE_SECONDS: "7200" });
    try {
      const browser = new HttpClient(gateway.url);
      assert.equal((await browser.graphql(VALIDATE, { apiKey: stub.testKeys.valid })).body.data?.validateKey.valid, true);
      assert.equal((await browser.graphql(STATUS)).body.data.status.authenticated, true);
      gateway.clock.advance(361_000);
      const renewed = await browser.graphql(STATUS);
      assert.equal(renewed.body.data.status.authenticated, true);
      assert.equal(renewed.setCookies.length, 1, "renewed once the window passed");
      const copy = browser.clone();
      await browser.graphql("mutation { logout { authenticated } }");
      assert.equal((await copy.graphql(STATUS)).body.data.status.authenticated, false, "signed out for every copy of the cookie");

      await browser.graphql(VALIDATE, { apiKey: stub.testKeys.valid });
      gateway.clock.advance(7201 * 1000);
      assert.equal((await browser.graphql(STATUS)).body.data.status.authenticated, false, "ended after SESSION_MAX_AGE_SECONDS");
    } finally {
      await gateway.close();
      await stub.close();
    }
  });

  it("is what npm start uses without REDIS_URL and HOST, listening on loopback only and saying so", { timeout: 40_000 }, async () => {
    const port = await freePort();
    const env: Record<string, string | undefined> = { ...process.env, ...TEST_SECRETS, PORT: String(port), LOG_LEVEL: "info" };
    for (const name of ["REDIS_URL", "REDIS_CLUSTER_NODES", "REDIS_SENTINELS", "REDIS_SENTINEL_NAME", "HOST", "NODE_ENV"]) delete env[name];
    const server = fileURLToPath(new URL("../../gateway/server/main.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", server], { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      await eventually(() => output.includes('"event":"listening"'), `the gateway started (output: ${output})`, 1_500);
      const listening = JSON.parse(output.split("\n").find((line) => line.includes('"event":"listening"'))!) as { host: string; msg: string };
      assert.equal(listening.host, "127.0.0.1");
      assert.match(listening.msg, /http:\/\/127\.0\.0\.1:\d+ \(loopback only/);
      assert.equal((await new HttpClient(`http://127.0.0.1:${port}`).graphql(STATUS)).body.data.status.authenticated, false, "it serves on 127.0.0.1");
      child.kill("SIGTERM");
      assert.equal(await exited, 0);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
