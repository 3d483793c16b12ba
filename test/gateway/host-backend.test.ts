import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, describe, it } from "node:test";
import express from "express";
import { createOpenRouterAuth, expressServerOptions, getOpenRouterKey, type OpenRouterAuthRouter } from "../../gateway/index.js";
import { createLogger } from "../../gateway/logging/logger.js";
import { HttpClient } from "../support/http-client.js";
import { listening, type Listening } from "../support/listening.js";
import { startTestStack, TEST_SECRETS, type TestStack } from "../support/gateway.js";

// A host's own Express app, as README shows it: the router mounted first, then the host's route
// that calls OpenRouter on the signed-in user's behalf.
let stack: TestStack;
let host: Listening;
let router: OpenRouterAuthRouter;
let url: string;
/** For each request, whether it reached the app with the app's prototypes already in place. */
const bornWithAppPrototypes: boolean[] = [];

before(async () => {
  stack = await startTestStack();
  router = createOpenRouterAuth({ env: { ...TEST_SECRETS, ...stack.env }, logger: createLogger("silent") });
  await router.whenConnected();
  const app = express();
  app.use(router);
  app.get("/host/credits", async (req, res) => {
    const key = await getOpenRouterKey(req);
    if (key === null) return void res.status(401).json({ error: "connect OpenRouter first" });
    const upstream = await fetch(`${stack.stub.apiBase}/credits`, { headers: { authorization: `Bearer ${key}` } });
    res.json(await upstream.json());
  });
  host = await listening(
    createServer(expressServerOptions(app), (req, res) => {
      bornWithAppPrototypes.push(Object.getPrototypeOf(req) === app.request && Object.getPrototypeOf(res) === app.response);
      app(req, res);
    }),
  );
  url = host.url;
});
after(async () => {
  await host.close();
  await router.close();
  await stack.close();
});

describe("getOpenRouterKey in the host's own routes", () => {
  it("resolves to null for a signed-out request", async () => {
    const response = await new HttpClient(url).get("/host/credits");
    assert.equal(response.status, 401);
  });

  it("gives the host's route the signed-in user's key, which OpenRouter accepts", async () => {
    const account = stack.stub.addAccount({ totalCredits: 123 });
    const browser = new HttpClient(url);
    await browser.graphql("mutation($k: String!) { validateKey(apiKey: $k) { valid } }", { k: account.key });
    const response = await browser.get<{ data: { total_credits: number } }>("/host/credits");
    assert.equal(response.status, 200);
    assert.equal(response.body.data.total_credits, 123);
  });

  it("gives the key after an OAuth sign-in as well", async () => {
    const browser = new HttpClient(url);
    const initiated = await browser.graphql("mutation { initiateOAuth { authUrl } }");
    const callback = new URL(stack.stub.approve(initiated.body.data.initiateOAuth.authUrl));
    // The stand-in sends the popup to the gateway's configured callback; here the router lives on `url`.
    await browser.get(callback.pathname + callback.search);
    const response = await browser.get<{ data: { total_credits: number } }>("/host/credits");
    assert.equal(response.status, 200);
    assert.equal(response.body.data.total_credits, 10);
  });

  it("throws a clear error when the router is not mounted before the route", async () => {
    await assert.rejects(getOpenRouterKey({} as express.Request), /mount createOpenRouterAuth/);
  });
});

describe("a host's server made with expressServerOptions(app)", () => {
  it("creates every request and response with the app's own prototypes, and the gateway answers as usual", async () => {
    bornWithAppPrototypes.length = 0;
    const browser = new HttpClient(url);
    const status = await browser.graphql("{ status { authenticated } }");
    assert.equal(status.body.data?.status.authenticated, false);
    const rest = await browser.get<{ authenticated: boolean }>("/api/v1/openrouter/auth/status");
    assert.equal(rest.body.authenticated, false);
    // sendFile and its ETag come from Express's response prototype.
    const element = await fetch(`${url}/openrouter-auth.js`);
    assert.equal(element.status, 200);
    assert.ok(element.headers.get("etag"));
    await element.arrayBuffer();

    assert.equal(bornWithAppPrototypes.length, 3);
    assert.ok(bornWithAppPrototypes.every(Boolean), "Express found its prototypes in place and had nothing to swap");
  });
});
