import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, describe, it } from "node:test";
import express from "express";
import { GatewayError, createOpenRouterAuth, expressServerOptions, getOpenRouterKey, type OpenRouterAuthRouter } from "../../gateway/index.js";
import { createLogger } from "../../gateway/logging/logger.js";
import { HttpClient } from "../support/http-client.js";
import { listening, type Listening } from "../support/listening.js";
import { startTestStack, TEST_SECRETS, type TestStack } from "../support/gateway.js";

// A host's own Express app, written as the README shows it: the router mounted first, then the
// host's own pages and API with their own headers, CORS and body parsers.
const HOST_CSP = "script-src 'self' 'unsafe-inline'";
/** A page on another origin, which the host's own API lets in (the gateway does not know it). */
const PARTNER = "https://partner.example";
/** What helmet and the gateway's CORS would add to an answer. */
const GATEWAY_HEADERS = [
  "cross-origin-opener-policy",
  "cross-origin-resource-policy",
  "origin-agent-cluster",
  "referrer-policy",
  "x-content-type-options",
  "x-dns-prefetch-control",
  "x-download-options",
  "x-frame-options",
  "x-permitted-cross-domain-policies",
  "x-xss-protection",
  "access-control-allow-origin",
  "access-control-allow-credentials",
  "vary",
  "x-request-id",
  "set-cookie",
];

let stack: TestStack;
let host: Listening;
let router: OpenRouterAuthRouter;
let url: string;

before(async () => {
  // A private Redis: the last test stops it.
  stack = await startTestStack({ privateRedis: true });
  router = createOpenRouterAuth({ env: { ...TEST_SECRETS, ...stack.env }, logger: createLogger("silent") });
  await router.whenConnected();
  const app = express();
  app.use(router);
  app.get("/page", (_req, res) => {
    res.setHeader("content-security-policy", HOST_CSP);
    res.type("html").send("<script>addEventListener('openrouter-auth-change', () => {})</script>");
  });
  app.post("/api/feedback", express.urlencoded({ extended: false }), (req, res) => {
    res.setHeader("access-control-allow-origin", PARTNER);
    res.json({ received: req.body.text });
  });
  app.post("/api/chat", express.json(), async (req, res) => {
    res.setHeader("access-control-allow-origin", PARTNER);
    res.setHeader("access-control-allow-credentials", "true");
    try {
      const key = await getOpenRouterKey(req);
      if (key === null) return void res.status(401).json({ error: "connect OpenRouter first" });
      const upstream = await fetch(`${stack.stub.apiBase}/credits`, { headers: { authorization: `Bearer ${key}` } });
      res.json({ model: req.body.model, credits: ((await upstream.json()) as { data: { total_credits: number } }).data.total_credits });
    } catch (error) {
      res.status(503).json({ hostSaw: error instanceof GatewayError ? error.code : "something else" });
    }
  });
  host = await listening(createServer(expressServerOptions(app), app));
  url = host.url;
});
after(async () => {
  await host.close();
  await router.close();
  await stack.close();
});

/** A browser on the partner's page calling the host cross-site, with the cookies `signedIn` holds. */
function fromPartner(signedIn?: HttpClient): HttpClient {
  const client = new HttpClient(url, { origin: PARTNER, headers: { "sec-fetch-site": "cross-site", "sec-fetch-mode": "cors" } });
  for (const [name, value] of signedIn?.cookies ?? []) client.cookies.set(name, value);
  return client;
}

/** A browser signed in with a new account holding `credits`. */
async function signedIn(credits: number): Promise<HttpClient> {
  const client = new HttpClient(url);
  const account = stack.stub.addAccount({ totalCredits: credits });
  const signIn = await client.graphql("mutation($k: String!) { validateKey(apiKey: $k) { valid } }", { k: account.key });
  assert.equal(signIn.body.data?.validateKey.valid, true);
  return client;
}

function gatewayHeadersOn(headers: Headers): string[] {
  return GATEWAY_HEADERS.filter((name) => headers.has(name));
}

describe("a host app with the router mounted before its own routes", () => {
  it("serves the host's page with the host's own CSP and none of the gateway's headers", async () => {
    const page = await new HttpClient(url).get("/page");
    assert.equal(page.status, 200);
    assert.equal(page.headers.get("content-security-policy"), HOST_CSP);
    assert.deepEqual(gatewayHeadersOn(page.headers), []);
  });

  it("sets no header on a host page for a signed-in visitor either", async () => {
    const browser = await signedIn(5);
    const page = await browser.get("/page");
    assert.equal(page.headers.get("content-security-policy"), HOST_CSP);
    assert.deepEqual(gatewayHeadersOn(page.headers), []);
  });

  it("lets a cross-origin form post reach the host's own route and body parser", async () => {
    const response = await fromPartner().post("/api/feedback", undefined, { rawBody: "text=hello", contentType: "application/x-www-form-urlencoded" });
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { received: "hello" });
    assert.equal(response.headers.get("access-control-allow-origin"), PARTNER, "the host's CORS, not the gateway's");
  });

  it("lets a cross-origin JSON post reach the host's route, where getOpenRouterKey gives the signed-in user's key", async () => {
    const browser = fromPartner(await signedIn(321));
    // The partner is not in ALLOWED_ORIGINS: the gateway itself refuses it a sign-in...
    const refused = await browser.graphql("mutation { logout { authenticated } }");
    assert.equal(refused.body.errors?.[0]?.extensions?.code, "FORBIDDEN_ORIGIN");
    // ...but the host's own route is the host's to allow.
    const chat = await browser.post("/api/chat", { model: "openai/gpt-4o" });
    assert.equal(chat.status, 200);
    assert.deepEqual(chat.body, { model: "openai/gpt-4o", credits: 321 });
    assert.deepEqual(gatewayHeadersOn(chat.headers).filter((name) => !name.startsWith("access-control-")), []);
  });

  it("answers a signed-out visitor's host route through the host's own code", async () => {
    const chat = await fromPartner().post("/api/chat", { model: "openai/gpt-4o" });
    assert.equal(chat.status, 401);
    assert.deepEqual(chat.body, { error: "connect OpenRouter first" });
  });

  it("keeps the gateway's headers, CORS and origin refusals on the gateway's own paths", async () => {
    for (const path of ["/graphql?query=%7B__typename%7D", "/api/v1/openrouter/auth/status", "/healthz", "/openrouter-auth.js"]) {
      const response = await new HttpClient(url).get(path);
      assert.match(response.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/, path);
      assert.equal(response.headers.get("x-content-type-options"), "nosniff", path);
      assert.ok(response.headers.get("x-request-id"), path);
    }
  });

  it("takes a gateway path in another case or with a trailing slash as the gateway's, as Express routes it, and one that only begins alike as the host's", async () => {
    for (const path of ["/GraphQL", "/graphql/", "/API/v1/openrouter/auth/status", "/api/v1/openrouter/proxy/chat/completions"]) {
      const refused = await fetch(`${url}${path}`, { method: "POST", headers: { origin: PARTNER, "content-type": "application/json" }, body: JSON.stringify({ query: "{ status { authenticated } }" }) });
      assert.equal(refused.status, 403, `${path}: another site's request refused by the origin guard`);
      assert.match(refused.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/, path);
      assert.equal(refused.headers.get("x-content-type-options"), "nosniff", path);
      assert.ok(refused.headers.get("x-request-id"), path);
    }
    const hostOwn = await fetch(`${url}/graphqlx`, { headers: { origin: PARTNER } });
    assert.equal(hostOwn.status, 404);
    assert.doesNotMatch(hostOwn.headers.get("content-security-policy") ?? "", /frame-ancestors/, "not the gateway's path: not its headers");
    assert.equal(hostOwn.headers.get("x-request-id"), null, "nor its request log");
  });

  it("still renders the host's pages while Redis is down, and getOpenRouterKey says SESSION_STORE_UNAVAILABLE", async () => {
    const browser = await signedIn(7);
    await stack.redis.stop();
    const page = await browser.get("/page");
    assert.equal(page.status, 200);
    assert.equal(page.headers.get("content-security-policy"), HOST_CSP);
    const chat = await browser.post("/api/chat", { model: "openai/gpt-4o" });
    assert.deepEqual(chat.body, { hostSaw: "SESSION_STORE_UNAVAILABLE" });
  });
});
