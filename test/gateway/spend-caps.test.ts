import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../gateway/config.js";
import { KEY_PREFIX } from "../../gateway/session/session-store.js";
import { sessionRecordKeys } from "../support/session-keys.js";
import { HttpClient } from "../support/http-client.js";
import { startGateway, startTestStack, type TestGateway, type TestStack } from "../support/gateway.js";

const INITIATE = "mutation($limit: Float) { initiateOAuth(limit: $limit) { authUrl } }";
const REST = "/api/v1/openrouter/auth";
const COMPLETE = "mutation($code: String!, $state: String!) { completeOAuth(code: $code, state: $state) { authenticated } }";

function refusal(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail("the configuration was accepted");
}

/** The `/auth` URL's query, as OpenRouter will read it. */
async function authorizeParams(browser: HttpClient, limit?: number): Promise<URLSearchParams> {
  const response = await browser.graphql(INITIATE, { limit });
  assert.equal(response.body.errors, undefined, JSON.stringify(response.body.errors));
  return new URL(response.body.data.initiateOAuth.authUrl).searchParams;
}

async function refusedLimit(browser: HttpClient, limit: unknown): Promise<string | undefined> {
  const response = await browser.graphql(INITIATE, { limit });
  return response.body.errors?.[0]?.extensions?.code as string | undefined;
}

describe("spend caps at sign-in", () => {
  describe("configuration", () => {
    it("reads OPENROUTER_KEY_LIMIT as credits and OPENROUTER_KEY_LABEL as the key's name, both unset by default", () => {
      assert.deepEqual({ ...loadConfig({}).oauthKey }, { limit: undefined, label: undefined });
      const config = loadConfig({ OPENROUTER_KEY_LIMIT: "2.50", OPENROUTER_KEY_LABEL: "Acme chat" });
      assert.deepEqual({ ...config.oauthKey }, { limit: 2.5, label: "Acme chat" });
    });

    for (const [variable, value] of [
      ["OPENROUTER_KEY_LIMIT", "0"],
      ["OPENROUTER_KEY_LIMIT", "-5"],
      ["OPENROUTER_KEY_LIMIT", "five"],
      ["OPENROUTER_KEY_LIMIT", "1e3"],
      ["OPENROUTER_KEY_LABEL", "x".repeat(101)],
    ] as const) {
      it(`stops start-up naming ${variable} when it is "${value.slice(0, 12)}"`, () => {
        const error = refusal({ [variable]: value });
        assert.equal(error.variable, variable);
        assert.doesNotMatch(error.message, /\n/, "one line");
      });
    }
  });

  describe("with OPENROUTER_KEY_LIMIT and OPENROUTER_KEY_LABEL set", () => {
    let stack: TestStack;
    before(async () => {
      stack = await startTestStack({ env: { OPENROUTER_KEY_LIMIT: "5", OPENROUTER_KEY_LABEL: "Acme chat" } });
    });
    after(async () => {
      await stack.close();
    });

    it("asks OpenRouter for a key limited to the cap and named after the label", async () => {
      const params = await authorizeParams(new HttpClient(stack.gatewayUrl));
      assert.equal(params.get("limit"), "5");
      assert.equal(params.get("key_label"), "Acme chat");
    });

    it("asks for the cap when a sign-in passes limit: null, in GraphQL and in REST", async () => {
      const graphql = await new HttpClient(stack.gatewayUrl).graphql("mutation { initiateOAuth(limit: null) { authUrl } }");
      assert.equal(new URL(graphql.body.data.initiateOAuth.authUrl).searchParams.get("limit"), "5");
      assert.equal((await authorizeParams(new HttpClient(stack.gatewayUrl), null as unknown as number)).get("limit"), "5", "a null variable too");
      const rest = await new HttpClient(stack.gatewayUrl).post<{ auth_url: string }>(`${REST}/oauth/initiate`, { limit: null });
      assert.equal(rest.status, 200);
      assert.equal(new URL(rest.body.auth_url).searchParams.get("limit"), "5");
    });

    it("lets a sign-in ask for less than the cap, in GraphQL and in REST", async () => {
      assert.equal((await authorizeParams(new HttpClient(stack.gatewayUrl), 2.5)).get("limit"), "2.5");
      const rest = await new HttpClient(stack.gatewayUrl).post<{ auth_url: string }>(`${REST}/oauth/initiate`, { limit: 1 });
      assert.equal(rest.status, 200);
      assert.equal(new URL(rest.body.auth_url).searchParams.get("limit"), "1");
    });

    it("refuses a limit above the cap, zero or negative with BAD_USER_INPUT, before any sign-in starts", async () => {
      const browser = new HttpClient(stack.gatewayUrl);
      for (const limit of [5.01, 100, 0, -1]) assert.equal(await refusedLimit(browser, limit), "BAD_USER_INPUT", String(limit));
      assert.equal(browser.cookies.size, 0, "no session was started");
      for (const limit of [6, "3", true, {}]) {
        const rest = await new HttpClient(stack.gatewayUrl).post<{ code: string }>(`${REST}/oauth/initiate`, { limit });
        assert.equal(rest.status, 400, JSON.stringify(limit));
        assert.equal(rest.body.code, "BAD_USER_INPUT");
      }
    });

    it("signs in with a key whose limit, read back from OpenRouter, is the one asked for", async () => {
      const browser = new HttpClient(stack.gatewayUrl);
      const response = await browser.graphql("mutation { initiateOAuth(limit: 2.5) { authUrl } }");
      const callback = new URL(stack.stub.approve(response.body.data.initiateOAuth.authUrl));
      stack.stub.clearRequests();
      const page = await browser.get(callback.pathname + callback.search);
      assert.equal(page.status, 200);

      const info = await browser.graphql("{ userInfo { limit limitRemaining } status { method } }");
      assert.deepEqual(info.body.data, { userInfo: { limit: 2.5, limitRemaining: 2.5 }, status: { method: "OAUTH" } });
      const issued = stack.stub.requests.find((request) => request.path === "/api/v1/key")!.bearer!;
      assert.equal(stack.stub.account(issued)?.name, "Acme chat");
    });
  });

  describe("when the user changes the limit on OpenRouter's page", () => {
    const CAP = 5;
    let stack: TestStack;
    before(async () => {
      stack = await startTestStack({ privateRedis: true, env: { OPENROUTER_KEY_LIMIT: String(CAP) } });
    });
    after(async () => {
      await stack.close();
    });

    /** Starts a sign-in, edits the `/auth` URL's `limit` as a user could (null removes it), and approves it: the code and state to complete with. */
    async function approvedWithLimit(browser: HttpClient, limit: string | null): Promise<{ code: string; state: string; callback: URL }> {
      const started = await browser.graphql("mutation { initiateOAuth { authUrl state } }");
      const authUrl = new URL(started.body.data.initiateOAuth.authUrl);
      assert.equal(authUrl.searchParams.get("limit"), String(CAP), "the gateway asked for its cap");
      if (limit === null) authUrl.searchParams.delete("limit");
      else authUrl.searchParams.set("limit", limit);
      const callback = new URL(stack.stub.approve(authUrl.toString()));
      return { code: callback.searchParams.get("code")!, state: started.body.data.initiateOAuth.state, callback };
    }

    /** What the gateway keeps in Redis about users (the attempt counters aside): session and state records. */
    async function recordsOnly(): Promise<string[]> {
      const states = (await stack.redis.command("--scan", "--pattern", `${KEY_PREFIX}oauth-state:*`)).split("\n").filter((key) => key !== "");
      return [...(await sessionRecordKeys(stack.redis)), ...states];
    }

    it("refuses a key with no limit with KEY_LIMIT_TOO_HIGH, saying why, and keeps nothing of it", async () => {
      const browser = new HttpClient(stack.gatewayUrl);
      const { code, state } = await approvedWithLimit(browser, null);
      stack.stub.clearRequests();
      const refused = await browser.graphql(COMPLETE, { code, state });
      assert.equal(refused.body.errors?.[0]?.extensions?.code, "KEY_LIMIT_TOO_HIGH");
      const message = refused.body.errors![0]!.message;
      assert.match(message, /at most 5 credits/);
      assert.match(message, /no limit/);
      assert.ok(stack.stub.requests.some((request) => request.path === "/api/v1/key"), "the issued key's limit was read from OpenRouter");

      const status = await browser.graphql("{ status { authenticated } }");
      assert.equal(status.body.data.status.authenticated, false);
      assert.deepEqual(await recordsOnly(), [], "no session, flow or state record is left");
    });

    it("refuses a key with a higher limit, on REST and on the popup's callback page, and keeps nothing of it", async () => {
      const rest = new HttpClient(stack.gatewayUrl);
      const viaRest = await approvedWithLimit(rest, "50");
      const answer = await rest.post<{ code: string; error: string }>(`${REST}/oauth/callback`, { code: viaRest.code, state: viaRest.state });
      assert.equal(answer.status, 403);
      assert.equal(answer.body.code, "KEY_LIMIT_TOO_HIGH");
      assert.match(answer.body.error, /limit of 50/);

      const popup = new HttpClient(stack.gatewayUrl);
      const { callback } = await approvedWithLimit(popup, "5.01");
      const page = await popup.get(callback.pathname + callback.search);
      assert.equal(page.status, 403);
      assert.match(page.text, /KEY_LIMIT_TOO_HIGH/);
      assert.equal((await popup.graphql("{ status { authenticated } }")).body.data.status.authenticated, false);
      assert.deepEqual(await recordsOnly(), []);
    });

    it("accepts a key whose limit is the cap or lower", async () => {
      for (const limit of [String(CAP), "1"]) {
        const browser = new HttpClient(stack.gatewayUrl);
        const { code, state } = await approvedWithLimit(browser, limit);
        assert.equal((await browser.graphql(COMPLETE, { code, state })).body.data?.completeOAuth.authenticated, true, limit);
      }
    });
  });

  describe("without OPENROUTER_KEY_LIMIT", () => {
    let gateway: TestGateway;
    before(async () => {
      gateway = await startGateway({ OPENROUTER_AUTH_URL: "http://127.0.0.1:9/auth" });
    });
    after(async () => {
      await gateway.close();
    });

    it("asks for no limit and no label unless the sign-in asks for a limit, which is passed through", async () => {
      const plain = await authorizeParams(new HttpClient(gateway.url));
      assert.equal(plain.has("limit"), false);
      assert.equal(plain.has("key_label"), false);
      assert.equal((await authorizeParams(new HttpClient(gateway.url), 1000)).get("limit"), "1000");
      assert.equal(await refusedLimit(new HttpClient(gateway.url), 0), "BAD_USER_INPUT");
    });
  });
});
