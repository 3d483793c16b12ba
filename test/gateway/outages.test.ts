import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { HttpClient } from "../support/http-client.js";
import { startTestStack, type TestStack } from "../support/gateway.js";
import { waitFor } from "../support/wait-for.js";

const STATUS = "{ status { authenticated method user { label usage } } }";
const VALIDATE = "mutation($k: String!) { validateKey(apiKey: $k) { valid } }";
const REST_STATUS = "/api/v1/openrouter/auth/status";
/** Far above the ~1 s a store failure takes to surface, far below ioredis's default minute-long hang. */
const ANSWER_BOUND_MS = 5_000;

let stack: TestStack;
before(async () => {
  // A private Redis: these tests stop, hang and restart it.
  stack = await startTestStack({ privateRedis: true, env: { UPSTREAM_TIMEOUT_MS: "1000" } });
});
after(async () => {
  stack.redis.resume();
  await stack.close();
});
beforeEach(() => {
  stack.stub.setFault("none");
});

async function signedIn(): Promise<HttpClient> {
  const browser = new HttpClient(stack.gatewayUrl, { timeoutMs: ANSWER_BOUND_MS });
  const response = await browser.graphql(VALIDATE, { k: stack.stub.testKeys.valid });
  assert.equal(response.body.data?.validateKey.valid, true);
  return browser;
}

/** Sends `count` requests at once and returns the answers that arrived within the bound. */
async function burst(browser: HttpClient, count: number) {
  const settled = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => (i % 2 === 0 ? browser.graphql(STATUS) : browser.get<{ code?: string }>(REST_STATUS))),
  );
  return settled.filter((result) => result.status === "fulfilled").map((result) => (result as PromiseFulfilledResult<Awaited<ReturnType<HttpClient["get"]>>>).value);
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`gave up waiting for ${what}`);
}

const codeOf = (response: { body: unknown }) => {
  const body = response.body as { code?: string; errors?: Array<{ extensions?: { code?: string } }> };
  return body.code ?? body.errors?.[0]?.extensions?.code;
};

describe("a Redis outage", () => {
  it("answers SESSION_STORE_UNAVAILABLE (503) fast while Redis is stopped, and recovers when it is back, with no gateway restart", async () => {
    const browser = await signedIn();
    await stack.redis.stop();
    const logsBefore = stack.gateway.logs.length;
    const startedAt = Date.now();
    const answers = await burst(browser, 20);
    const seconds = Math.ceil((Date.now() - startedAt) / 1000);
    assert.equal(answers.length, 20, "every request was answered within the bound");
    for (const answer of answers) {
      assert.equal(answer.status, 503);
      assert.equal(codeOf(answer), "SESSION_STORE_UNAVAILABLE");
      assert.doesNotMatch(answer.text, /127\.0\.0\.1|ECONNREFUSED|at /, "no internal detail");
    }
    // Each failed request is in the access log, but the error itself is logged a line a second.
    const lines = stack.gateway.logs.slice(logsBefore).map((line) => JSON.parse(line) as { msg: string; status?: number; code?: string });
    assert.equal(lines.filter((line) => line.msg === "request" && line.status === 503).length, 20);
    const errorLines = lines.filter((line) => line.code === "SESSION_STORE_UNAVAILABLE").length;
    assert.ok(errorLines >= 1 && errorLines <= 1 + seconds, `${errorLines} error lines for 20 failed requests in ${seconds} s`);
    const ready = await new HttpClient(stack.gatewayUrl).get<{ status: string }>("/readyz");
    assert.equal(ready.status, 503);
    assert.equal((await new HttpClient(stack.gatewayUrl).get("/healthz")).status, 200, "the process itself is fine");

    await stack.redis.start(); // a new, empty Redis (the harness keeps no data)
    await until(async () => (await new HttpClient(stack.gatewayUrl).get("/readyz")).status === 200, "readiness");
    const after = await browser.graphql(STATUS);
    assert.equal(after.status, 200);
    assert.equal(after.body.data.status.authenticated, false, "the record was lost with that Redis: signed out, not an error");
    assert.equal((await signedIn()) instanceof HttpClient, true, "signing in works again");
  });

  it("answers fast while Redis hangs (SIGSTOP), and the same cookie is signed in again after SIGCONT", async () => {
    const browser = await signedIn();
    stack.redis.pause();
    try {
      const answers = await burst(browser, 10);
      assert.equal(answers.length, 10, "every request was answered within the bound, none hung");
      for (const answer of answers) assert.equal(codeOf(answer), "SESSION_STORE_UNAVAILABLE");
      const signIn = await new HttpClient(stack.gatewayUrl, { timeoutMs: ANSWER_BOUND_MS }).graphql(VALIDATE, { k: stack.stub.testKeys.valid });
      assert.equal(codeOf(signIn), "SESSION_STORE_UNAVAILABLE");
    } finally {
      stack.redis.resume();
    }
    await until(async () => (await browser.graphql(STATUS)).body.data?.status.authenticated === true, "the session to read again");
  });
});

describe("an OpenRouter outage", () => {
  for (const [fault, options] of [
    ["down", {}],
    ["server-error", { status: 503 }],
    ["slow", { delayMs: 4_000 }], // past UPSTREAM_TIMEOUT_MS
    // Answering, then silent mid-body for longer than the client waits: only UPSTREAM_TIMEOUT_MS ends it.
    ["stalled", { delayMs: 30_000 }],
  ] as const) {
    it(`answers UPSTREAM_UNAVAILABLE when OpenRouter is ${fault}, makes no session, and keeps a signed-in user's status`, async () => {
      const browser = await signedIn();
      const before = browser.cookies.get("openrouter-auth.sid");
      stack.stub.setFault(fault, options);
      const fresh = new HttpClient(stack.gatewayUrl, { timeoutMs: 20_000 });
      const attempt = await fresh.graphql(VALIDATE, { k: stack.stub.testKeys.valid });
      assert.equal(codeOf(attempt), "UPSTREAM_UNAVAILABLE");
      assert.equal(attempt.setCookies.length, 0, "no session is made");
      const again = await browser.graphql(VALIDATE, { k: stack.stub.testKeys.unlimited });
      assert.equal(codeOf(again), "UPSTREAM_UNAVAILABLE");
      assert.equal(browser.cookies.get("openrouter-auth.sid"), before, "the signed-in session is unchanged");
      const status = await browser.graphql(STATUS);
      assert.equal(status.body.data.status.authenticated, true);
      assert.equal(status.body.data.status.user.usage, 25.5, "served from the cached user info");
    });
  }

  it("logs a sign-in whose client gave up waiting on a slow OpenRouter as 499, not as the 200 it never got", async () => {
    stack.stub.setFault("slow", { delayMs: 800 });
    stack.stub.clearRequests();
    const reqId = "gave-up-waiting";
    const leaving = new AbortController();
    const attempt = fetch(`${stack.gatewayUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": reqId },
      body: JSON.stringify({ query: VALIDATE, variables: { k: stack.stub.testKeys.valid } }),
      signal: leaving.signal,
    });
    await waitFor(() => stack.stub.requests.length > 0);
    leaving.abort();
    await assert.rejects(attempt);
    const lineOf = () => stack.gateway.logs.map((line) => JSON.parse(line) as { msg: string; reqId?: string; status?: number }).find((line) => line.msg === "request" && line.reqId === reqId);
    await waitFor(() => lineOf() !== undefined);
    assert.equal(lineOf()!.status, 499);
  });

  it("passes OpenRouter's Retry-After on in the message and in extensions when it rate limits", async () => {
    stack.stub.setFault("rate-limited", { retryAfterSeconds: 42 });
    const response = await new HttpClient(stack.gatewayUrl).graphql(VALIDATE, { k: stack.stub.testKeys.valid });
    assert.equal(codeOf(response), "UPSTREAM_UNAVAILABLE");
    assert.equal(response.body.errors?.[0]?.extensions?.retryAfter, 42);
    assert.match(response.body.errors![0]!.message, /42 s/);
    const rest = await new HttpClient(stack.gatewayUrl).post<{ code: string }>("/api/v1/openrouter/auth/validate-key", { api_key: stack.stub.testKeys.valid });
    assert.equal(rest.status, 502);
    assert.equal(rest.headers.get("retry-after"), "42");
  });
});
