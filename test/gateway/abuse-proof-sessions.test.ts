import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { FernetKeyring } from "../../gateway/crypto/fernet.js";
import { KEY_PREFIX, SESSION_KEY_PREFIX } from "../../gateway/session/session-store.js";
import { HttpClient, type HttpResponse } from "../support/http-client.js";
import { sessionRecordKeys } from "../support/session-keys.js";
import { startGateway, startTestStack, TEST_SECRETS, type TestStack } from "../support/gateway.js";

const REST = "/api/v1/openrouter/auth";
const INITIATE = "mutation { initiateOAuth { authUrl state } }";
const COMPLETE = "mutation($code: String!, $state: String!) { completeOAuth(code: $code, state: $state) { authenticated } }";
const VALIDATE = "mutation($apiKey: String!) { validateKey(apiKey: $apiKey) { valid } }";
const STATUS = "{ status { authenticated } }";
const LOGOUT = "mutation { logout { authenticated } }";
const COOKIE = "openrouter-auth.sid";
const FLOW_LIFETIME_SECONDS = 600;
const START_LIMIT = 5;

let stack: TestStack;
before(async () => {
  // A renewal window of 360 s (a tenth of the idle timeout), longer than USER_INFO_MAX_AGE_SECONDS (300).
  stack = await startTestStack({ privateRedis: true, env: { SESSION_TTL_SECONDS: "3600", OAUTH_START_LIMIT_MAX: String(START_LIMIT) } });
});
after(async () => {
  await stack.close();
});
beforeEach(async () => {
  stack.stub.setFault("none");
  await stack.redis.flushAll();
});

const keyring = FernetKeyring.fromString(TEST_SECRETS.OPENROUTER_ENCRYPTION_KEY);
const allKeys = async () => (await stack.redis.command("--scan", "--pattern", `${KEY_PREFIX}*`)).split("\n").filter((key) => key !== "");
const sessionKeys = () => sessionRecordKeys(stack.redis);
const errorCode = (response: HttpResponse) => (response.body as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code;
/** The session id inside a signed cookie value `s:<id>.<signature>`. */
const sessionIdOf = (cookie: string) => decodeURIComponent(cookie).replace(/^s:/, "").replace(/\.[^.]*$/, "");

/** Calls per Redis command so far (INFO commandstats), by lower-case name. */
async function commandCalls(): Promise<Map<string, number>> {
  const info = await stack.redis.command("INFO", "commandstats");
  return new Map([...info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map((match) => [match[1]!, Number(match[2])]));
}

/** Waits, bounded, until the stand-in has received a request for `path`. */
async function untilUpstreamRequest(path: string): Promise<void> {
  for (let attempt = 0; attempt < 250; attempt++) {
    if (stack.stub.requests.some((request) => request.path === path)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`OpenRouter never received ${path}`);
}

describe("starting OAuth sign-ins without an account", () => {
  it("is refused with RATE_LIMITED and Retry-After past OAUTH_START_LIMIT_MAX starts from one address, on GraphQL and REST", async () => {
    for (let i = 0; i < START_LIMIT; i++) {
      const started = await new HttpClient(stack.gatewayUrl).graphql(INITIATE);
      assert.ok(started.body.data?.initiateOAuth.state, `start ${i + 1} is allowed`);
    }
    const refused = await new HttpClient(stack.gatewayUrl).graphql(INITIATE);
    assert.equal(errorCode(refused), "RATE_LIMITED");
    const retryAfter = refused.body.errors?.[0]?.extensions?.retryAfter as number;
    assert.ok(retryAfter > 0 && retryAfter <= 60, `retryAfter ${retryAfter}`);

    const rest = await new HttpClient(stack.gatewayUrl).post<{ code: string }>(`${REST}/oauth/initiate`, {});
    assert.equal(rest.status, 429);
    assert.equal(rest.body.code, "RATE_LIMITED");
    assert.ok(Number(rest.headers.get("retry-after")) > 0);
    assert.equal(rest.setCookies.length, 0, "a refused start stores no session");
  });

  it("is limited per session too, whatever address the starts come from", async () => {
    const proxied = await startGateway({ ...stack.env, TRUST_PROXY: "loopback" });
    try {
      const browser = new HttpClient(proxied.url);
      const from = (n: number) => ({ "x-forwarded-for": `198.51.100.${n}` });
      // The first start makes the session; then it may start the limit's worth of flows.
      const codes: (string | undefined)[] = [];
      for (let i = 0; i <= START_LIMIT + 1; i++) {
        const response = await browser.post<{ code?: string }>(`${REST}/oauth/initiate`, {}, { headers: from(i) });
        codes.push(response.body.code);
      }
      assert.deepEqual(codes.slice(0, START_LIMIT + 1), Array(START_LIMIT + 1).fill(undefined));
      assert.equal(codes[START_LIMIT + 1], "RATE_LIMITED");
    } finally {
      await proxied.close();
    }
  });

  it("leaves nothing in Redis, and no cookie, that outlives the ten-minute flow", async () => {
    const cookieLifetimes: number[] = [];
    for (let i = 0; i < START_LIMIT + 3; i++) {
      const response = await new HttpClient(stack.gatewayUrl).graphql(INITIATE);
      const cookie = response.setCookies.find((line) => line.startsWith(`${COOKIE}=`));
      if (cookie !== undefined) cookieLifetimes.push((Date.parse(/Expires=([^;]+)/.exec(cookie)![1]!) - Date.now()) / 1000);
    }
    assert.equal(cookieLifetimes.length, START_LIMIT, "each allowed start set a cookie");
    for (const seconds of cookieLifetimes) assert.ok(seconds <= FLOW_LIFETIME_SECONDS, `a cookie lives ${seconds} s`);

    const keys = await allKeys();
    assert.equal((await sessionKeys()).length, START_LIMIT, "one session per allowed start, none for the refused ones");
    for (const key of keys) {
      const ttl = Number(await stack.redis.command("TTL", key));
      assert.ok(ttl > 0 && ttl <= FLOW_LIFETIME_SECONDS, `${key} lives ${ttl} s`);
    }
  });

  it("ends a session that holds only expired flows", async () => {
    const browser = new HttpClient(stack.gatewayUrl);
    await browser.graphql(INITIATE);
    assert.equal((await sessionKeys()).length, 1);
    stack.gateway.clock.advance(FLOW_LIFETIME_SECONDS * 1000 + 1_000);
    assert.equal((await browser.graphql(STATUS)).body.data.status.authenticated, false);
    assert.deepEqual(await sessionKeys(), [], "the record is gone, not kept for its TTL");
  });

  it("drops expired flows from the session record", async () => {
    const browser = new HttpClient(stack.gatewayUrl);
    await browser.graphql(INITIATE);
    stack.gateway.clock.advance(FLOW_LIFETIME_SECONDS * 1000 - 1_000);
    await browser.graphql(INITIATE);
    // The first flow has expired, the second has not.
    stack.gateway.clock.advance(2_000);
    await browser.graphql(INITIATE);
    const [key] = await sessionKeys();
    const flows = JSON.parse(keyring.decrypt(await stack.redis.command("GET", key!))).oauth as { expiresAt: number }[];
    assert.equal(flows.length, 2, "the expired first flow was dropped when the third was added");
    for (const flow of flows) assert.ok(flow.expiresAt > stack.gateway.clock.now());
  });
});

describe("/readyz", () => {
  it("answers 503 when Redis answers but refuses writes (out of memory with noeviction)", async () => {
    const readyz = () => new HttpClient(stack.gatewayUrl).get<{ status: string }>("/readyz");
    assert.equal((await readyz()).status, 200);
    await stack.redis.command("CONFIG", "SET", "maxmemory-policy", "noeviction");
    await stack.redis.command("CONFIG", "SET", "maxmemory", "1");
    try {
      assert.equal(await stack.redis.command("PING"), "PONG", "Redis still answers");
      const refused = await readyz();
      assert.equal(refused.status, 503);
      assert.equal(refused.body.status, "unavailable");
    } finally {
      await stack.redis.command("CONFIG", "SET", "maxmemory", "0");
    }
    assert.equal((await readyz()).status, 200, "ready again once Redis takes writes");
  });
});

describe("signing out while a request is in flight", () => {
  for (const slow of [
    { name: "userInfo, while OpenRouter is slow", query: "{ userInfo { label } }", path: "/api/v1/key" },
    { name: "models, while OpenRouter is slow", query: "{ models(first: 1) { id } }", path: "/api/v1/models" },
  ]) {
    it(`is final: a renewal-due ${slow.name}, ending after the sign-out, brings back neither the record nor the session`, async () => {
      const browser = new HttpClient(stack.gatewayUrl);
      assert.equal((await browser.graphql(VALIDATE, { apiKey: stack.stub.testKeys.valid })).body.data?.validateKey.valid, true);
      // Past the renewal window (360 s) and the user info's age limit (300 s).
      stack.gateway.clock.advance(361_000);
      stack.stub.clearRequests();
      stack.stub.setFault("slow", { delayMs: 3_000, paths: [slow.path] });

      const inFlight = browser.graphql(slow.query);
      await untilUpstreamRequest(slow.path);
      await browser.graphql(LOGOUT);
      assert.deepEqual(await sessionKeys(), [], "signed out");
      const ended = await inFlight;
      assert.equal(ended.status, 200);

      assert.deepEqual(await sessionKeys(), [], "no record is back in Redis");
      assert.equal((await browser.graphql(STATUS)).body.data.status.authenticated, false, "status says signed out");
    });
  }
});

describe("an OAuth sign-in", () => {
  it("writes its record once, and leaves no earlier session behind", async () => {
    const browser = new HttpClient(stack.gatewayUrl);
    const flow = (await browser.graphql(INITIATE)).body.data.initiateOAuth as { authUrl: string; state: string };
    const pending = sessionIdOf(browser.cookies.get(COOKIE)!);
    const code = new URL(stack.stub.approve(flow.authUrl)).searchParams.get("code")!;

    const before = await commandCalls();
    const completed = await browser.graphql(COMPLETE, { code, state: flow.state });
    assert.equal(completed.body.data?.completeOAuth.authenticated, true);
    const after = await commandCalls();
    const calls = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
    // Two SETs: the new record's, and the marker that moves the pending session to it (a
    // script's SET). A rewrite of the record would count here too. The two attempt counters
    // (per address and per session) only count.
    assert.equal(calls("set"), 2);
    assert.equal(calls("incr"), 2);

    const signedIn = sessionIdOf(browser.cookies.get(COOKIE)!);
    assert.notEqual(signedIn, pending);
    assert.deepEqual(await sessionKeys(), [`${SESSION_KEY_PREFIX}${signedIn}`], "only the signed-in session is stored");
  });
});

describe("a production gateway reached over plain HTTP", () => {
  const PRODUCTION = { NODE_ENV: "production" };

  it("refuses sign-ins with INSECURE_TRANSPORT, naming the fix, and stores nothing", async () => {
    const gateway = await startGateway({ ...stack.env, ...PRODUCTION });
    try {
      const browser = new HttpClient(gateway.url);
      const graphql = await browser.graphql(VALIDATE, { apiKey: stack.stub.testKeys.valid });
      assert.equal(errorCode(graphql), "INSECURE_TRANSPORT");
      assert.match(graphql.body.errors![0]!.message, /HTTPS/);
      assert.match(graphql.body.errors![0]!.message, /TRUST_PROXY/);

      const rest = await browser.post<{ code: string; error: string }>(`${REST}/validate-key`, { api_key: stack.stub.testKeys.valid });
      assert.equal(rest.status, 403);
      assert.equal(rest.body.code, "INSECURE_TRANSPORT");
      assert.equal(errorCode(await browser.graphql(COMPLETE, { code: "c", state: "s" })), "INSECURE_TRANSPORT");
      assert.equal((await browser.post(`${REST}/oauth/callback`, { code: "c", state: "s" })).status, 403);

      for (const response of [graphql, rest]) assert.equal(response.setCookies.length, 0);
      assert.equal(await stack.redis.command("DBSIZE"), "0", "nothing is written to Redis");
    } finally {
      await gateway.close();
    }
  });

  it("refuses to start an OAuth sign-in with INSECURE_TRANSPORT, on GraphQL and REST, and stores nothing", async () => {
    const gateway = await startGateway({ ...stack.env, ...PRODUCTION });
    try {
      const browser = new HttpClient(gateway.url);
      const graphql = await browser.graphql(INITIATE);
      assert.equal(errorCode(graphql), "INSECURE_TRANSPORT");
      assert.equal(graphql.body.data, null, "no authUrl that could never complete");

      const rest = await browser.post<{ code: string; auth_url?: string }>(`${REST}/oauth/initiate`, {});
      assert.equal(rest.status, 403);
      assert.equal(rest.body.code, "INSECURE_TRANSPORT");
      assert.equal(rest.body.auth_url, undefined);

      for (const response of [graphql, rest]) assert.equal(response.setCookies.length, 0);
      assert.equal(await stack.redis.command("DBSIZE"), "0", "no pending flow, state record or start counter is written");
    } finally {
      await gateway.close();
    }
  });

  it("warns once at start-up when cookies are Secure and no proxy is trusted to say https", async () => {
    const warned = (logs: string[]) => logs.filter((line) => line.includes('"event":"config.insecure_transport"'));
    const plain = await startGateway({ ...stack.env, ...PRODUCTION });
    const proxied = await startGateway({ ...stack.env, ...PRODUCTION, TRUST_PROXY: "loopback" });
    try {
      assert.equal(warned(plain.logs).length, 1);
      assert.match(warned(plain.logs)[0]!, /"level":40/);
      assert.equal(warned(proxied.logs).length, 0, "no warning behind a trusted proxy");

      const signedIn = await new HttpClient(proxied.url, { headers: { "x-forwarded-proto": "https" } }).graphql(VALIDATE, { apiKey: stack.stub.testKeys.valid });
      assert.equal(signedIn.body.data?.validateKey.valid, true, "a sign-in the proxy says came over https is accepted");
    } finally {
      await plain.close();
      await proxied.close();
    }
  });
});
