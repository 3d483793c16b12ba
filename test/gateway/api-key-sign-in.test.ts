import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { HttpClient } from "../support/http-client.js";
import { startTestStack, type TestStack } from "../support/gateway.js";

const STATUS = "{ status { authenticated method expiresAt user { label usage limit limitRemaining isFreeTier totalCredits userId refreshedAt } } }";
const VALIDATE = "mutation($apiKey: String!, $validateOnly: Boolean) { validateKey(apiKey: $apiKey, validateOnly: $validateOnly) { valid user { label usage limit } status { authenticated method } } }";
const USER_INFO = "{ userInfo { label usage limit limitRemaining totalCredits refreshedAt } }";
const LOGOUT = "mutation { logout { authenticated method user { label } } }";

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(async () => {
  await stack.close();
});
beforeEach(async () => {
  await stack.redis.flushAll();
  stack.stub.setFault("none");
});

const client = () => new HttpClient(stack.gatewayUrl);

describe("GraphQL: signing in with an API key", () => {
  it("answers status for a signed-out caller without an error and without a session", async () => {
    const browser = client();
    const response = await browser.graphql(STATUS);
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { data: { status: { authenticated: false, method: null, expiresAt: null, user: null } } });
    assert.equal(response.setCookies.length, 0, "no cookie for a caller who has not signed in");
  });

  it("signs in with a valid key and then reports the user on status and userInfo", async () => {
    const browser = client();
    const signIn = await browser.graphql(VALIDATE, { apiKey: stack.stub.testKeys.valid });
    assert.equal(signIn.body.errors, undefined);
    assert.equal(signIn.body.data.validateKey.valid, true);
    assert.deepEqual(signIn.body.data.validateKey.status, { authenticated: true, method: "API_KEY" });
    assert.equal(signIn.body.data.validateKey.user.limit, 100);
    assert.equal(signIn.body.data.validateKey.user.usage, 25.5);

    const status = await browser.graphql(STATUS);
    const user = status.body.data.status.user;
    assert.equal(status.body.data.status.authenticated, true);
    assert.equal(status.body.data.status.method, "API_KEY");
    assert.match(user.label, /^sk-or-v1-.{3}\.\.\..{3}$/);
    assert.equal(user.limitRemaining, 74.5);
    assert.equal(user.totalCredits, 50);
    assert.ok(Date.parse(status.body.data.status.expiresAt) > Date.now());

    const info = await browser.graphql(USER_INFO);
    assert.equal(info.body.data.userInfo.label, user.label);
  });

  it("checks a key without signing in when validateOnly is true", async () => {
    const browser = client();
    const response = await browser.graphql(VALIDATE, { apiKey: stack.stub.testKeys.unlimited, validateOnly: true });
    assert.equal(response.body.data.validateKey.valid, true);
    assert.equal(response.body.data.validateKey.user.limit, null);
    assert.deepEqual(response.body.data.validateKey.status, { authenticated: false, method: null });
    assert.equal(response.setCookies.length, 0);
    assert.equal((await browser.graphql(STATUS)).body.data.status.authenticated, false);
  });

  it("answers INVALID_API_KEY for a key OpenRouter rejects, and stays signed out", async () => {
    const browser = client();
    const response = await browser.graphql(VALIDATE, { apiKey: stack.stub.testKeys.disabled });
    assert.equal(response.body.errors?.[0]?.extensions?.code, "INVALID_API_KEY");
    assert.equal((await browser.graphql(STATUS)).body.data.status.authenticated, false);
  });

  for (const [name, apiKey] of [
    ["an empty key", ""],
    ["a key without the sk-or- prefix", "sk-ant-0123456789abcdef0123456789"],
    ["a key that is too short", "sk-or-v1-abc"],
    ["an oversize key", `sk-or-v1-${"a".repeat(300)}`],
    ["a key with characters outside the URL-safe alphabet", "sk-or-v1-0123456789<script>abcdef"],
  ] as const) {
    it(`answers BAD_USER_INPUT for ${name} without asking OpenRouter`, async () => {
      stack.stub.clearRequests();
      const response = await client().graphql(VALIDATE, { apiKey });
      assert.equal(response.body.errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
      assert.equal(stack.stub.requests.length, 0);
    });
  }

  it("accepts a key of a future format that OpenRouter accepts", async () => {
    const account = stack.stub.addAccount({ key: `sk-or-v2-${"Z".repeat(40)}` });
    const response = await client().graphql(VALIDATE, { apiKey: account.key });
    assert.equal(response.body.data?.validateKey.valid, true);
  });

  it("answers UPSTREAM_UNAVAILABLE when OpenRouter is down, and stays signed out", async () => {
    stack.stub.setFault("down");
    const browser = client();
    const response = await browser.graphql(VALIDATE, { apiKey: stack.stub.testKeys.valid });
    assert.equal(response.body.errors?.[0]?.extensions?.code, "UPSTREAM_UNAVAILABLE");
    stack.stub.setFault("none");
    assert.equal((await browser.graphql(STATUS)).body.data.status.authenticated, false);
  });

  it("answers UNAUTHENTICATED for userInfo and models when signed out", async () => {
    const browser = client();
    assert.equal((await browser.graphql(USER_INFO)).body.errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
    assert.equal((await browser.graphql("{ models { id } }")).body.errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
  });

  it("lists the signed-in user's models, filtered by search and limited by first, asking OpenRouter once", async () => {
    const browser = client();
    await browser.graphql(VALIDATE, { apiKey: stack.stub.addAccount().key });
    const upstreamCalls = () => stack.stub.requests.filter((request) => request.path === "/api/v1/models").length;
    const before = upstreamCalls();
    const all = await browser.graphql("{ models { id name contextLength promptPrice completionPrice } }");
    assert.ok(all.body.data.models.length >= 5);
    assert.ok(all.body.data.models.some((model: { id: string }) => model.id === "openai/gpt-4o"));
    const gpt = all.body.data.models.find((model: { id: string }) => model.id === "openai/gpt-4o");
    assert.match(gpt.promptPrice, /^\d+(\.\d+)?$/);
    const filtered = await browser.graphql('{ models(search: "claude", first: 1) { id } }');
    assert.equal(filtered.body.data.models.length, 1);
    assert.match(filtered.body.data.models[0].id, /claude/);
    assert.equal(upstreamCalls() - before, 1, "the second query reused the list fetched a moment before");
  });

  it("signs out: status is signed out and the cookie is cleared", async () => {
    const browser = client();
    await browser.graphql(VALIDATE, { apiKey: stack.stub.testKeys.valid });
    const response = await browser.graphql(LOGOUT);
    assert.deepEqual(response.body.data.logout, { authenticated: false, method: null, user: null });
    assert.ok(response.setCookies.some((cookie) => /Expires=Thu, 01 Jan 1970/.test(cookie)), "the cookie is expired");
    assert.equal((await browser.graphql(STATUS)).body.data.status.authenticated, false);
  });
});

describe("REST compatibility paths", () => {
  const base = "/api/v1/openrouter/auth";

  it("signs in through validate-key and answers status and user-info in snake_case", async () => {
    const browser = client();
    const signIn = await browser.post(`${base}/validate-key`, { api_key: stack.stub.testKeys.valid });
    assert.equal(signIn.status, 200);
    assert.deepEqual(Object.keys(signIn.body as object).sort(), ["user", "valid"]);
    const user = (signIn.body as { user: Record<string, unknown> }).user;
    assert.deepEqual(Object.keys(user).sort(), [
      "is_free_tier", "key_expires_at", "label", "limit", "limit_remaining", "limit_reset", "total_credits",
      "usage", "usage_daily", "usage_monthly", "usage_weekly", "user_id",
    ]);

    const status = await browser.get(`${base}/status`);
    assert.deepEqual(Object.keys(status.body as object).sort(), ["auth_method", "authenticated", "user"]);
    assert.equal((status.body as { auth_method: string }).auth_method, "api_key");

    const info = await browser.get(`${base}/user-info`);
    assert.equal(info.status, 200);
    assert.equal((info.body as { auth_method: string }).auth_method, "api_key");
    assert.equal((info.body as { user: { limit_remaining: number } }).user.limit_remaining, 74.5);
  });

  it("shares sessions with GraphQL", async () => {
    const browser = client();
    await browser.post(`${base}/validate-key`, { api_key: stack.stub.testKeys.valid });
    assert.equal((await browser.graphql(STATUS)).body.data.status.method, "API_KEY");
    await browser.graphql(LOGOUT);
    assert.equal((await browser.get<{ authenticated: boolean }>(`${base}/status`)).body.authenticated, false);
  });

  it("validates only, without a session, when validate_only is true", async () => {
    const browser = client();
    const response = await browser.post(`${base}/validate-key`, { api_key: stack.stub.testKeys.valid, validate_only: true });
    assert.equal(response.status, 200);
    assert.equal(response.setCookies.length, 0);
  });

  for (const [name, body, status, code] of [
    ["a rejected key", () => ({ api_key: stack.stub.testKeys.disabled }), 401, "INVALID_API_KEY"],
    ["a malformed key", () => ({ api_key: "not-a-key" }), 400, "BAD_USER_INPUT"],
    ["a missing key", () => ({}), 400, "BAD_USER_INPUT"],
    ["a key of the wrong type", () => ({ api_key: 42 }), 400, "BAD_USER_INPUT"],
    ["a validate_only of the wrong type", () => ({ api_key: stack.stub.testKeys.valid, validate_only: "yes" }), 400, "BAD_USER_INPUT"],
  ] as const) {
    it(`answers ${status} ${code} with "valid": false for ${name}`, async () => {
      const response = await client().post(`${base}/validate-key`, body());
      assert.equal(response.status, status);
      assert.equal((response.body as { valid: boolean }).valid, false);
      assert.equal((response.body as { code: string }).code, code);
      assert.equal(typeof (response.body as { error: string }).error, "string");
    });
  }

  it("answers 400 BAD_USER_INPUT for a body that is not JSON", async () => {
    const response = await client().post(`${base}/validate-key`, undefined, { rawBody: "{nope", contentType: "application/json" });
    assert.equal(response.status, 400);
    assert.equal((response.body as { code: string }).code, "BAD_USER_INPUT");
  });

  it("answers 502 UPSTREAM_UNAVAILABLE when OpenRouter fails", async () => {
    stack.stub.setFault("server-error");
    const response = await client().post(`${base}/validate-key`, { api_key: stack.stub.testKeys.valid });
    assert.equal(response.status, 502);
    assert.equal((response.body as { code: string }).code, "UPSTREAM_UNAVAILABLE");
  });

  it("answers 401 UNAUTHENTICATED on user-info when signed out", async () => {
    const response = await client().get(`${base}/user-info`);
    assert.equal(response.status, 401);
    assert.deepEqual(response.body, { error: "Connect your OpenRouter account first.", code: "UNAUTHENTICATED" });
  });

  it("logs out with the documented message", async () => {
    const browser = client();
    await browser.post(`${base}/validate-key`, { api_key: stack.stub.testKeys.valid });
    const response = await browser.post(`${base}/logout`);
    assert.deepEqual(response.body, { message: "Logged out" });
    assert.equal((await browser.get<{ authenticated: boolean }>(`${base}/status`)).body.authenticated, false);
  });
});

describe("user info freshness", () => {
  it("is refreshed from OpenRouter once older than USER_INFO_MAX_AGE_SECONDS", async () => {
    const fresh = await startTestStack({ env: { USER_INFO_MAX_AGE_SECONDS: "0" } });
    try {
      const account = fresh.stub.addAccount({ usage: 1, limit: 10 });
      const browser = new HttpClient(fresh.gatewayUrl);
      await browser.graphql(VALIDATE, { apiKey: account.key });
      fresh.stub.account(account.key)!.usage = 7;
      const info = await browser.graphql(USER_INFO);
      assert.equal(info.body.data.userInfo.usage, 7);
      // The refreshed value is kept in the session for status.
      assert.equal((await browser.graphql(STATUS)).body.data.status.user.usage, 7);
    } finally {
      await fresh.close();
    }
  });

  it("serves the cached info when OpenRouter is down", async () => {
    const fresh = await startTestStack({ env: { USER_INFO_MAX_AGE_SECONDS: "0" } });
    try {
      const browser = new HttpClient(fresh.gatewayUrl);
      await browser.graphql(VALIDATE, { apiKey: fresh.stub.testKeys.valid });
      fresh.stub.setFault("down");
      const info = await browser.graphql(USER_INFO);
      assert.equal(info.body.errors, undefined);
      assert.equal(info.body.data.userInfo.usage, 25.5);
    } finally {
      await fresh.close();
    }
  });

  it("signs the user out when OpenRouter has disabled the key since sign-in", async () => {
    const fresh = await startTestStack({ env: { USER_INFO_MAX_AGE_SECONDS: "0" } });
    try {
      const account = fresh.stub.addAccount();
      const browser = new HttpClient(fresh.gatewayUrl);
      await browser.graphql(VALIDATE, { apiKey: account.key });
      fresh.stub.account(account.key)!.disabled = true;
      assert.equal((await browser.graphql(USER_INFO)).body.errors?.[0]?.extensions?.code, "INVALID_API_KEY");
      assert.equal((await browser.graphql(STATUS)).body.data.status.authenticated, false);
    } finally {
      await fresh.close();
    }
  });
});
