import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { loadConfig } from "../../gateway/config.js";
import { startOpenRouterStub, type OpenRouterStub } from "../../dev/openrouter-stub.js";
import { KEY_PREFIX, SESSION_KEY_PREFIX } from "../../gateway/session/session-store.js";
import { startGateway, startTestStack, TEST_SECRETS, type TestGateway, type TestStack } from "../support/gateway.js";
import { HttpClient } from "../support/http-client.js";
import { redisClusterToolsMissing, startRedisCluster, startRedisSentinel, type RedisClusterHandle, type RedisSentinelHandle } from "../support/redis-cluster.js";
import { configRefusal } from "../support/config-refusal.js";
import { FERNET_TOKEN } from "../support/session-keys.js";

const STATUS = "{ status { authenticated method user { label } } }";
const VALIDATE = "mutation($k: String!) { validateKey(apiKey: $k) { valid } }";
const INITIATE = "mutation { initiateOAuth { authUrl state expiresAt } }";
const COMPLETE = "mutation($c: String!, $s: String!) { completeOAuth(code: $c, state: $s) { authenticated method } }";
const LOGOUT = "mutation { logout { authenticated } }";
const REST_STATUS = "/api/v1/openrouter/auth/status";
const COOKIE = "openrouter-auth.sid";
const TTL_SECONDS = 3600;

const missingTools = redisClusterToolsMissing();
const skipWithoutTools = missingTools === undefined ? false : `skipped: ${missingTools}, and the Redis Cluster and Sentinel tests start real ones with it`;

/** The Redis key of the session a browser's cookie names (`s:<id>.<signature>`). */
function sessionKeyOf(browser: HttpClient): string {
  const cookie = browser.cookies.get(COOKIE);
  assert.ok(cookie, "the browser holds a session cookie");
  return SESSION_KEY_PREFIX + decodeURIComponent(cookie).replace(/^s:/, "").replace(/\.[^.]*$/, "");
}

async function signIn(browser: HttpClient, apiKey: string): Promise<void> {
  const response = await browser.graphql(VALIDATE, { k: apiKey });
  assert.equal(response.body.errors, undefined, JSON.stringify(response.body.errors));
  assert.equal(response.body.data.validateKey.valid, true);
}

async function isSignedIn(browser: HttpClient): Promise<boolean> {
  const response = await browser.graphql(STATUS);
  assert.equal(response.body.errors, undefined, JSON.stringify(response.body.errors));
  return response.body.data.status.authenticated as boolean;
}

function assertTtlNear(ttl: number, seconds: number): void {
  assert.ok(ttl > seconds - 15 && ttl <= seconds, `TTL ${ttl} should be about ${seconds}`);
}

describe("Redis settings for scaling out", () => {
  it("read REDIS_CLUSTER_NODES as host:port entries or redis:// URLs, with default ports, IPv6 and credentials", () => {
    assert.deepEqual(loadConfig({ REDIS_CLUSTER_NODES: "10.0.0.1:7000, 10.0.0.2 ,[::1]:7002" }).redis, {
      mode: "cluster",
      nodes: [
        { host: "10.0.0.1", port: 7000 },
        { host: "10.0.0.2", port: 6379 },
        { host: "::1", port: 7002 },
      ],
      tls: false,
    });
    assert.deepEqual(loadConfig({ REDIS_CLUSTER_NODES: "redis://app:p%40ss@a.internal:7000,redis://app:p%40ss@b.internal:7001" }).redis, {
      mode: "cluster",
      nodes: [
        { host: "a.internal", port: 7000 },
        { host: "b.internal", port: 7001 },
      ],
      tls: false,
      username: "app",
      password: "p@ss",
    });
  });

  it("turn TLS on for a cluster or for sentinels given as rediss:// URLs", () => {
    const cluster = loadConfig({ REDIS_CLUSTER_NODES: "rediss://:secret@a.internal:7000,rediss://:secret@b.internal:7000" }).redis;
    assert.equal(cluster?.mode === "cluster" && cluster.tls, true);
    const sentinel = loadConfig({ REDIS_SENTINELS: "rediss://s1.internal,rediss://s2.internal:26380", REDIS_SENTINEL_NAME: "sessions" }).redis;
    assert.deepEqual(sentinel, {
      mode: "sentinel",
      sentinels: [
        { host: "s1.internal", port: 26379 },
        { host: "s2.internal", port: 26380 },
      ],
      name: "sessions",
      tls: true,
    });
  });

  it("keep REDIS_URL working as before, as a single Redis", () => {
    const config = loadConfig({ REDIS_URL: "rediss://:pw@redis.internal:6380/2" });
    assert.deepEqual(config.redis, { mode: "standalone", url: "rediss://:pw@redis.internal:6380/2" });
    assert.equal(config.redisUrl, "rediss://:pw@redis.internal:6380/2");
    assert.equal(loadConfig({}).redis, undefined);
  });

  it("accept a cluster or sentinels instead of REDIS_URL in production", () => {
    const production = { NODE_ENV: "production", OPENROUTER_REDIRECT_URI: "https://auth.example.com/api/v1/openrouter/auth/oauth/callback", OPENROUTER_ENCRYPTION_KEY: TEST_SECRETS.OPENROUTER_ENCRYPTION_KEY, SESSION_SECRET: TEST_SECRETS.SESSION_SECRET };
    assert.equal(loadConfig({ ...production, REDIS_CLUSTER_NODES: "10.0.0.1:7000" }).redis?.mode, "cluster");
    assert.equal(loadConfig({ ...production, REDIS_SENTINELS: "10.0.0.1:26379", REDIS_SENTINEL_NAME: "sessions" }).redis?.mode, "sentinel");
    const missing = configRefusal(production);
    assert.equal(missing.variable, "REDIS_URL");
    assert.match(missing.message, /required when NODE_ENV=production, or REDIS_CLUSTER_NODES, or REDIS_SENTINELS/);
  });

  for (const [env, variable, words] of [
    [{ REDIS_URL: "redis://a:6379", REDIS_CLUSTER_NODES: "b:7000" }, "REDIS_CLUSTER_NODES", /cannot be combined with REDIS_URL/],
    [{ REDIS_CLUSTER_NODES: "b:7000", REDIS_SENTINELS: "c:26379", REDIS_SENTINEL_NAME: "m" }, "REDIS_SENTINELS", /cannot be combined with REDIS_CLUSTER_NODES/],
    [{ REDIS_SENTINELS: "c:26379" }, "REDIS_SENTINEL_NAME", /is required with REDIS_SENTINELS/],
    [{ REDIS_URL: "redis://a:6379", REDIS_SENTINEL_NAME: "m" }, "REDIS_SENTINEL_NAME", /only applies together with REDIS_SENTINELS/],
    [{ REDIS_SENTINELS: "c:26379", REDIS_SENTINEL_NAME: "two words" }, "REDIS_SENTINEL_NAME", /without spaces/],
    [{ REDIS_CLUSTER_NODES: "http://a:7000" }, "REDIS_CLUSTER_NODES", /host:port, redis:\/\/host:port or rediss:\/\/host:port/],
    [{ REDIS_CLUSTER_NODES: "redis://a:7000/3" }, "REDIS_CLUSTER_NODES", /host:port/],
    [{ REDIS_CLUSTER_NODES: "a:99999" }, "REDIS_CLUSTER_NODES", /host:port/],
    [{ REDIS_CLUSTER_NODES: " , " }, "REDIS_CLUSTER_NODES", /at least one/],
    [{ REDIS_CLUSTER_NODES: "redis://a:7000,rediss://b:7000" }, "REDIS_CLUSTER_NODES", /same scheme/],
    [{ REDIS_SENTINELS: "redis://:one@a,redis://:two@b", REDIS_SENTINEL_NAME: "m" }, "REDIS_SENTINELS", /same credentials/],
  ] as const) {
    it(`refuse ${JSON.stringify(env)} with one line naming ${variable}`, () => {
      const error = configRefusal(env);
      assert.equal(error.variable, variable);
      assert.match(error.message, words);
    });
  }

  it("never echo a password back in a configuration error", () => {
    const error = configRefusal({ REDIS_CLUSTER_NODES: "redis://user:hunter2-secret@a:7000/9" });
    assert.doesNotMatch(error.message, /hunter2/);
    assert.match(error.message, /\*\*\*@a:7000/);
  });
});

describe("a gateway on a three-master Redis Cluster", { skip: skipWithoutTools }, () => {
  let cluster: RedisClusterHandle;
  let stub: OpenRouterStub;
  let gateway: TestGateway;
  let env: Record<string, string>;

  before(async () => {
    cluster = await startRedisCluster({ masters: 3 });
    stub = await startOpenRouterStub();
    env = {
      REDIS_CLUSTER_NODES: cluster.nodesEnv,
      OPENROUTER_API_BASE: stub.apiBase,
      OPENROUTER_AUTH_URL: stub.authUrl,
      SESSION_TTL_SECONDS: String(TTL_SECONDS),
      RATE_LIMIT_MAX: "3",
      RATE_LIMIT_WINDOW_SECONDS: "60",
    };
    gateway = await startGateway(env);
  });
  after(async () => {
    await gateway?.close();
    await stub?.close();
    await cluster?.close();
  });
  beforeEach(async () => {
    await cluster.flushAll();
  });

  it("connects to the cluster as a cluster and says so", () => {
    assert.ok(
      gateway.logs.some((line) => line.includes('"event":"redis.ready"') && line.includes('"mode":"cluster"')),
      "a redis.ready line in cluster mode",
    );
  });

  it("signs in with an API key and keeps the encrypted session on the master owning its slot, with the idle timeout as TTL", async () => {
    const browser = new HttpClient(gateway.url);
    await signIn(browser, stub.testKeys.valid);
    const key = sessionKeyOf(browser);
    const owner = await cluster.ownerOf(key);
    assertTtlNear(Number(await cluster.command(owner, "TTL", key)), TTL_SECONDS);
    const record = await cluster.command(owner, "GET", key);
    assert.match(record, FERNET_TOKEN, "a Fernet token");
    assert.ok(!record.includes(stub.testKeys.valid));
    assert.deepEqual(await cluster.keys(`${SESSION_KEY_PREFIX}*`), [key], "one session record in the whole cluster");
  });

  it("answers status for the signed-in caller over GraphQL and REST", async () => {
    const browser = new HttpClient(gateway.url);
    await signIn(browser, stub.testKeys.valid);
    const graphql = await browser.graphql(STATUS);
    assert.deepEqual(graphql.body.data.status, { authenticated: true, method: "API_KEY", user: { label: stub.account(stub.testKeys.valid)!.label } });
    const rest = await browser.get<{ authenticated: boolean; auth_method: string }>(REST_STATUS);
    assert.equal(rest.status, 200);
    assert.equal(rest.body.authenticated, true);
    assert.equal(rest.body.auth_method, "api_key");
  });

  it("keeps an OAuth state on the cluster for ten minutes, and uses it exactly once to complete the sign-in", async () => {
    const browser = new HttpClient(gateway.url);
    const initiated = await browser.graphql(INITIATE);
    assert.equal(initiated.body.errors, undefined, JSON.stringify(initiated.body.errors));
    const { authUrl, state } = initiated.body.data.initiateOAuth as { authUrl: string; state: string };

    const [stateKey, ...others] = await cluster.keys(`${KEY_PREFIX}oauth-state:*`);
    assert.ok(stateKey !== undefined && others.length === 0, "one state record");
    assert.ok(!stateKey.includes(state), "the key holds a digest of the state, not the state");
    assertTtlNear(Number(await cluster.command(await cluster.ownerOf(stateKey), "TTL", stateKey)), 600);

    const code = new URL(stub.approve(authUrl)).searchParams.get("code")!;
    const completed = await browser.graphql(COMPLETE, { c: code, s: state });
    assert.equal(completed.body.errors, undefined, JSON.stringify(completed.body.errors));
    assert.deepEqual(completed.body.data.completeOAuth, { authenticated: true, method: "OAUTH" });
    assert.deepEqual(await cluster.keys(`${KEY_PREFIX}oauth-state:*`), [], "the state record is gone once used");

    const replayed = await new HttpClient(gateway.url).graphql(COMPLETE, { c: code, s: state });
    assert.equal(replayed.body.errors?.[0]?.extensions?.code, "OAUTH_STATE_INVALID");
  });

  it("limits sign-in attempts with counters kept on the cluster, each with the window as TTL", async () => {
    const browser = new HttpClient(gateway.url);
    for (let attempt = 0; attempt < 3; attempt++) {
      const refused = await browser.graphql(VALIDATE, { k: stub.testKeys.disabled });
      assert.equal(refused.body.errors?.[0]?.extensions?.code, "INVALID_API_KEY");
    }
    const limited = await browser.graphql(VALIDATE, { k: stub.testKeys.valid });
    assert.equal(limited.body.errors?.[0]?.extensions?.code, "RATE_LIMITED");

    const counters = await cluster.keys(`${KEY_PREFIX}attempts:*`);
    assert.ok(counters.length > 0, "the attempt counters live in the cluster");
    for (const counter of counters) {
      const ttl = Number(await cluster.command(await cluster.ownerOf(counter), "TTL", counter));
      assert.ok(ttl > 0 && ttl <= 60, `counter ${counter} has TTL ${ttl}`);
    }
  });

  it("signs out: the record is gone from its master, the cookie is cleared, and the old cookie is worth nothing", async () => {
    const browser = new HttpClient(gateway.url);
    await signIn(browser, stub.testKeys.valid);
    const key = sessionKeyOf(browser);
    const owner = await cluster.ownerOf(key);
    const stolen = browser.clone();

    const response = await browser.graphql(LOGOUT);
    assert.deepEqual(response.body.data.logout, { authenticated: false });
    assert.ok(response.setCookies.some((line) => line.startsWith(`${COOKIE}=;`)), "the cookie is cleared");
    assert.doesNotMatch(await cluster.command(owner, "GET", key), FERNET_TOKEN, "no record: at most the sign-out's marker, which holds nothing about the user");
    assert.equal(await isSignedIn(browser), false);
    assert.equal(await isSignedIn(stolen), false);
  });

  it("serves a caller signed in on one instance from another instance on the same cluster", async () => {
    const other = await startGateway(env);
    try {
      const browser = new HttpClient(gateway.url);
      await signIn(browser, stub.testKeys.valid);
      const elsewhere = new HttpClient(other.url);
      elsewhere.cookies.set(COOKIE, browser.cookies.get(COOKIE)!);
      assert.equal(await isSignedIn(elsewhere), true);
    } finally {
      await other.close();
    }
  });

  // Last in this suite: it takes a master down for good.
  it("answers SESSION_STORE_UNAVAILABLE, rather than hanging, when the master holding the session is down", async () => {
    const browser = new HttpClient(gateway.url);
    await signIn(browser, stub.testKeys.valid);
    await cluster.stopNode(await cluster.ownerOf(sessionKeyOf(browser)));

    const graphql = await browser.graphql(STATUS);
    assert.equal(graphql.body.errors?.[0]?.extensions?.code, "SESSION_STORE_UNAVAILABLE");
    const rest = await browser.get<{ code: string }>(REST_STATUS);
    assert.equal(rest.status, 503);
    assert.equal(rest.body.code, "SESSION_STORE_UNAVAILABLE");
    assert.equal(await isSignedIn(new HttpClient(gateway.url)), false, "a caller without a cookie is still served");
  });
});

describe("a gateway behind Redis Sentinel", { skip: skipWithoutTools }, () => {
  let sentinel: RedisSentinelHandle;
  let stack: { stub: OpenRouterStub; gateway: TestGateway } | undefined;

  before(async () => {
    sentinel = await startRedisSentinel({ name: "sessions" });
    const stub = await startOpenRouterStub();
    const gateway = await startGateway({
      REDIS_SENTINELS: sentinel.sentinelsEnv,
      REDIS_SENTINEL_NAME: sentinel.name,
      OPENROUTER_API_BASE: stub.apiBase,
      OPENROUTER_AUTH_URL: stub.authUrl,
      SESSION_TTL_SECONDS: String(TTL_SECONDS),
    });
    stack = { stub, gateway };
  });
  after(async () => {
    await stack?.gateway.close();
    await stack?.stub.close();
    await sentinel?.close();
  });

  it("finds the master through the sentinel, keeps the session there with its TTL, and signs out", async () => {
    const { stub, gateway } = stack!;
    const browser = new HttpClient(gateway.url);
    await signIn(browser, stub.testKeys.valid);
    const key = sessionKeyOf(browser);
    assertTtlNear(Number(await sentinel.command("TTL", key)), TTL_SECONDS);
    assert.equal(await isSignedIn(browser), true);
    await browser.graphql(LOGOUT);
    assert.doesNotMatch(await sentinel.command("GET", key), FERNET_TOKEN, "no record: at most the sign-out's marker");
    assert.equal(await isSignedIn(browser), false);
  });
});

describe("several gateway instances on one Redis", () => {
  let stack: TestStack;
  let second: TestGateway;

  before(async () => {
    stack = await startTestStack();
    second = await startGateway(stack.env);
  });
  after(async () => {
    await second?.close();
    await stack?.close();
  });

  it("sign in on one, read status and sign out on another, and the first then sees the caller signed out", async () => {
    const onFirst = new HttpClient(stack.gatewayUrl);
    await signIn(onFirst, stack.stub.testKeys.valid);
    const onSecond = new HttpClient(second.url);
    onSecond.cookies.set(COOKIE, onFirst.cookies.get(COOKIE)!);

    const status = await onSecond.get<{ authenticated: boolean; user: { label: string } }>(REST_STATUS);
    assert.equal(status.body.authenticated, true);
    assert.equal(status.body.user.label, stack.stub.account(stack.stub.testKeys.valid)!.label);
    assert.equal(await isSignedIn(onSecond), true);

    const logout = await onSecond.graphql(LOGOUT);
    assert.deepEqual(logout.body.data.logout, { authenticated: false });
    assert.equal(await isSignedIn(onFirst), false, "the first instance sees the sign-out made on the second");
  });
});
