import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import { after, before, beforeEach, describe, it } from "node:test";
import { buildSchema } from "graphql";
import type { Router } from "express";
import { Cluster, Redis } from "ioredis";
import { startOpenRouterStub, type OpenRouterStub } from "../../dev/openrouter-stub.js";
import { SESSION_KEY_PREFIX } from "../../gateway/session/session-store.js";
import { HttpClient, type HttpResponse } from "../support/http-client.js";
import { FernetKeyring } from "../../gateway/crypto/fernet.js";
import { startGateway, TEST_SECRETS, type TestGateway } from "../support/gateway.js";
import { startRedisServer, type RedisServerHandle } from "../support/redis-server.js";
import { startRedisCluster, type RedisClusterHandle } from "../support/redis-cluster.js";
import { FERNET_TOKEN } from "../support/session-keys.js";

/**
 * docs/contract.md §6: a sign-out is final. Every operation in schema.graphql and every path of
 * the gateway's router is sent by a signed-in browser at offsets around a sign-out from the same
 * browser, many times; afterwards the user is signed out whichever cookie the browser kept, and
 * no session record is left in the store. The operations and paths are read from the schema and
 * the router themselves: one added later has no row below, and the first test fails until it has.
 */

const COOKIE = "openrouter-auth.sid";
const REST = "/api/v1/openrouter/auth";
const LOGOUT = "mutation { logout { authenticated } }";
const STATUS = "{ status { authenticated } }";
const VALIDATE = "mutation($apiKey: String!) { validateKey(apiKey: $apiKey) { valid } }";
const INITIATE = "mutation { initiateOAuth { authUrl state } }";

/** Where the op is sent, in ms, relative to the sign-out (negative: before it). */
const OFFSETS_MS = [-3, -2, -1, 0, 1];

interface Race {
  readonly stub: OpenRouterStub;
  readonly browser: HttpClient;
}

/** A request to race against the sign-out; `prepare` runs first, in the signed-in session, unraced. */
interface Row {
  prepare?(race: Race): Promise<Record<string, string>>;
  send(race: Race, prepared: Record<string, string>): Promise<HttpResponse>;
}

/** Starts a flow in the browser's session and has the stand-in approve it: the code and state to complete it with. */
async function approvedFlow({ stub, browser }: Race): Promise<Record<string, string>> {
  const flow = (await browser.graphql(INITIATE)).body.data.initiateOAuth as { authUrl: string; state: string };
  const code = new URL(stub.approve(flow.authUrl)).searchParams.get("code")!;
  return { code, state: flow.state };
}

const graphql = (query: string, variables?: (race: Race, prepared: Record<string, string>) => Record<string, unknown>): Row => ({
  send: (race, prepared) => race.browser.graphql(query, variables?.(race, prepared)),
});

/** One row per operation of schema.graphql. */
const OPERATIONS: Record<string, Row> = {
  status: graphql(STATUS),
  userInfo: graphql("{ userInfo { label } }"),
  models: graphql("{ models(first: 1) { id } }"),
  proxyBudget: graphql("{ proxyBudget { spent } }"),
  validateKey: graphql(VALIDATE, ({ stub }) => ({ apiKey: stub.testKeys.valid })),
  initiateOAuth: graphql(INITIATE),
  completeOAuth: { prepare: approvedFlow, send: ({ browser }, flow) => browser.graphql("mutation($code: String!, $state: String!) { completeOAuth(code: $code, state: $state) { authenticated } }", flow) },
  logout: graphql(LOGOUT),
};

const get = (path: string): Row => ({ send: ({ browser }) => browser.get(path) });

/** One row per route of the gateway's router ("METHOD path"); GraphQL's is the operations above. */
const ROUTES: Record<string, Row | "every operation"> = {
  "POST /graphql": "every operation",
  [`GET ${REST}/status`]: get(`${REST}/status`),
  [`POST ${REST}/validate-key`]: { send: ({ browser, stub }) => browser.post(`${REST}/validate-key`, { api_key: stub.testKeys.valid }) },
  [`POST ${REST}/oauth/initiate`]: { send: ({ browser }) => browser.post(`${REST}/oauth/initiate`, {}) },
  [`POST ${REST}/oauth/callback`]: { prepare: approvedFlow, send: ({ browser }, flow) => browser.post(`${REST}/oauth/callback`, flow) },
  [`GET ${REST}/oauth/callback`]: { prepare: approvedFlow, send: ({ browser }, flow) => browser.get(`${REST}/oauth/callback?${new URLSearchParams(flow)}`) },
  [`GET ${REST}/oauth/relay`]: get(`${REST}/oauth/relay`),
  [`GET ${REST}/user-info`]: get(`${REST}/user-info`),
  [`POST ${REST}/logout`]: { send: ({ browser }) => browser.post(`${REST}/logout`, {}) },
  [`GET ${REST}/origin`]: get(`${REST}/origin`),
  "GET /api/v1/openrouter/proxy-budget": get("/api/v1/openrouter/proxy-budget"),
  "GET /openrouter-auth.js": get("/openrouter-auth.js"),
  "GET /openrouter-auth-locales/:file": get("/openrouter-auth-locales/de.js"),
  "GET /healthz": get("/healthz"),
  "GET /readyz": get("/readyz"),
};

/** Every operation the schema declares, as "query name" / "mutation name". */
function schemaOperations(): string[] {
  const schema = buildSchema(readFileSync(new URL("../../schema.graphql", import.meta.url), "utf8"));
  return [schema.getQueryType(), schema.getMutationType()].flatMap((type) => (type === null || type === undefined ? [] : Object.keys(type.getFields())));
}

/** Every route the gateway's router serves itself, as "METHOD path" (GraphQL's `all` as POST). */
function routerRoutes(router: Router): string[] {
  return router.stack.flatMap((layer) => {
    const route = layer.route as { path: string; methods: Record<string, boolean> } | undefined;
    if (route === undefined) return [];
    return Object.keys(route.methods).map((method) => `${method === "_all" ? "POST" : method.toUpperCase()} ${route.path}`);
  });
}

/** Every request to race: one per operation and one per other route. */
function rows(): [string, Row][] {
  const routes = Object.entries(ROUTES).filter((entry): entry is [string, Row] => entry[1] !== "every operation");
  return [...Object.entries(OPERATIONS), ...routes];
}

/** The session ids a Set-Cookie of the session cookie named, in the order sent. */
function sessionCookies(response: HttpResponse): string[] {
  return response.setCookies.filter((line) => line.startsWith(`${COOKIE}=`)).map((line) => line.slice(COOKIE.length + 1).split(";")[0]!).filter((value) => value !== "");
}

const idOf = (cookie: string) => decodeURIComponent(cookie).replace(/^s:/, "").replace(/\.[^.]*$/, "");

/**
 * The store under test, as the race needs it: whether it still holds a session record, none of
 * which a race may leave behind. A client of the test's own, so that a look costs a round trip.
 */
interface StoreView {
  recordKeys(): Promise<string[]>;
  valueOf(key: string): Promise<string | null>;
}

/** A view of the session records on one Redis node (every master of a cluster in turn). */
async function recordKeysOn(nodes: readonly Redis[]): Promise<string[]> {
  const records: string[] = [];
  for (const node of nodes) {
    const keys = await node.keys(`${SESSION_KEY_PREFIX}*`);
    for (const key of keys) if (FERNET_TOKEN.test((await node.get(key)) ?? "")) records.push(key);
  }
  return records;
}

/**
 * Races `row` against a sign-out `rounds` times at each offset, and checks after each race: no
 * cookie either answer sent, nor the one the browser had, is signed in; no record is stored.
 */
async function raceAgainstSignOut(gatewayUrl: string, stub: OpenRouterStub, store: StoreView | undefined, row: Row, rounds: number): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    for (const offset of OFFSETS_MS) {
      const browser = new HttpClient(gatewayUrl);
      const signIn = await browser.graphql(VALIDATE, { apiKey: stub.testKeys.valid });
      assert.equal(signIn.body.data?.validateKey.valid, true, "signed in");
      const race = { stub, browser };
      const prepared = (await row.prepare?.(race)) ?? {};
      const held = browser.cookies.get(COOKIE)!;
      const signOut = browser.clone();

      const [first, second] = offset < 0 ? [() => row.send(race, prepared), () => signOut.graphql(LOGOUT)] : [() => signOut.graphql(LOGOUT), () => row.send(race, prepared)];
      const firstDone = first();
      await delay(Math.abs(offset));
      const [a, b] = await Promise.all([firstDone, second()]);
      const [op, out] = offset < 0 ? [a, b] : [b, a];

      const where = `at ${offset} ms, round ${round}`;
      assert.equal(out.status, 200, `the sign-out answers (${where})`);
      assert.ok(op.status < 500, `no server error: ${op.status} ${op.text.slice(0, 200)} (${where})`);
      for (const cookie of [held, ...sessionCookies(op), ...sessionCookies(out)]) {
        const reader = new HttpClient(gatewayUrl);
        reader.cookies.set(COOKIE, cookie);
        const status = await reader.graphql(STATUS);
        assert.equal(status.body.data?.status.authenticated, false, `a cookie the browser was sent is signed out (${where}; the op answered ${op.status} ${op.text.slice(0, 200)})`);
        if (store !== undefined) {
          const value = await store.valueOf(SESSION_KEY_PREFIX + idOf(cookie));
          assert.ok(value === null || !FERNET_TOKEN.test(value), `no record under a session the browser was sent (${where})`);
        }
      }
      if (store !== undefined) assert.deepEqual(await store.recordKeys(), [], `no session record left in the store (${where})`);
    }
  }
}

describe("a sign-out is final", () => {
  let stub: OpenRouterStub;
  before(async () => {
    stub = await startOpenRouterStub();
  });
  after(async () => {
    await stub?.close();
  });

  describe("the race table", () => {
    it("has a row for every operation in schema.graphql", () => {
      assert.deepEqual(schemaOperations().filter((name) => !(name in OPERATIONS)), []);
    });

    it("has a row for every route of the gateway's router", async () => {
      const gateway = await startGateway({ OPENROUTER_API_BASE: stub.apiBase, OPENROUTER_AUTH_URL: stub.authUrl });
      try {
        assert.deepEqual(routerRoutes(gateway.gateway).filter((route) => !(route in ROUTES)), []);
      } finally {
        await gateway.close();
      }
    });
  });

  describe("on Redis", () => {
    let redis: RedisServerHandle;
    let client: Redis;
    let gateway: TestGateway;
    before(async () => {
      redis = await startRedisServer();
      client = new Redis(redis.url);
      gateway = await startGateway({ REDIS_URL: redis.url, OPENROUTER_API_BASE: stub.apiBase, OPENROUTER_AUTH_URL: stub.authUrl });
    });
    after(async () => {
      await gateway?.close();
      client?.disconnect();
      await redis?.close();
    });
    beforeEach(async () => {
      await client.flushall();
    });
    const store: StoreView = {
      recordKeys: () => recordKeysOn([client]),
      valueOf: (key) => client.get(key),
    };

    for (const [name, row] of rows()) {
      it(`${name}, sent around a sign-out, never leaves the browser signed in nor a record stored`, async () => {
        await raceAgainstSignOut(gateway.url, stub, store, row, 6);
      });
    }

    it("is not what a write that races another live write sees: five OAuth starts at once from one session all keep their flow", async () => {
      const browser = new HttpClient(gateway.url);
      assert.equal((await browser.graphql(VALIDATE, { apiKey: stub.testKeys.valid })).body.data?.validateKey.valid, true);
      const starts = await Promise.all(Array.from({ length: 5 }, () => browser.clone().graphql(INITIATE)));
      for (const start of starts) assert.equal(start.body.errors, undefined, JSON.stringify(start.body.errors));
      const token = await client.get(SESSION_KEY_PREFIX + idOf(browser.cookies.get(COOKIE)!));
      const record = JSON.parse(FernetKeyring.fromString(TEST_SECRETS.OPENROUTER_ENCRYPTION_KEY).decrypt(token!)) as { auth?: unknown; oauth?: { state: string }[] };
      assert.ok(record.auth !== undefined, "still signed in");
      assert.deepEqual(record.oauth?.map((flow) => flow.state).sort(), starts.map((start) => start.body.data.initiateOAuth.state).sort(), "every flow kept");
    });
  });

  describe("on Redis Cluster", () => {
    let cluster: RedisClusterHandle;
    let client: Cluster;
    let gateway: TestGateway;
    before(async () => {
      cluster = await startRedisCluster({ masters: 3 });
      client = new Cluster(cluster.ports.map((port) => ({ host: "127.0.0.1", port })));
      gateway = await startGateway({ REDIS_CLUSTER_NODES: cluster.nodesEnv, OPENROUTER_API_BASE: stub.apiBase, OPENROUTER_AUTH_URL: stub.authUrl });
    });
    after(async () => {
      await gateway?.close();
      client?.disconnect();
      await cluster?.close();
    });
    beforeEach(async () => {
      await cluster.flushAll();
    });
    const store: StoreView = {
      recordKeys: () => recordKeysOn(client.nodes("master")),
      valueOf: (key) => client.get(key),
    };

    for (const [name, row] of rows()) {
      it(`${name}, sent around a sign-out, never leaves the browser signed in nor a record stored`, async () => {
        await raceAgainstSignOut(gateway.url, stub, store, row, 2);
      });
    }
  });

  describe("on the development store", () => {
    let gateway: TestGateway;
    before(async () => {
      gateway = await startGateway({ OPENROUTER_API_BASE: stub.apiBase, OPENROUTER_AUTH_URL: stub.authUrl });
    });
    after(async () => {
      await gateway?.close();
    });

    for (const [name, row] of rows()) {
      it(`${name}, sent around a sign-out, never leaves the browser signed in`, async () => {
        await raceAgainstSignOut(gateway.url, stub, undefined, row, 2);
      });
    }
  });
});
