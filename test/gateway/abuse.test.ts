import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { HttpClient } from "../support/http-client.js";
import { startGateway, startTestStack, type TestGateway, type TestStack } from "../support/gateway.js";

const VALIDATE = "mutation($k: String!) { validateKey(apiKey: $k) { valid } }";
const COMPLETE = "mutation($c: String!, $s: String!) { completeOAuth(code: $c, state: $s) { authenticated } }";
const LIMIT = { RATE_LIMIT_MAX: "3", RATE_LIMIT_WINDOW_SECONDS: "60" };

let stack: TestStack;
let second: TestGateway;
before(async () => {
  stack = await startTestStack({ env: LIMIT });
  second = await startGateway(stack.env);
});
after(async () => {
  await second.close();
  await stack.close();
});
beforeEach(async () => {
  await stack.redis.flushAll();
});

describe("sign-in attempt limits", () => {
  it("answers RATE_LIMITED with Retry-After once a client has used its attempts, without asking OpenRouter", async () => {
    const browser = new HttpClient(stack.gatewayUrl);
    for (let i = 0; i < 3; i++) {
      assert.equal((await browser.graphql(VALIDATE, { k: stack.stub.testKeys.disabled })).body.errors?.[0]?.extensions?.code, "INVALID_API_KEY");
    }
    stack.stub.clearRequests();
    const limited = await browser.graphql(VALIDATE, { k: stack.stub.testKeys.valid });
    assert.equal(limited.body.errors?.[0]?.extensions?.code, "RATE_LIMITED");
    const retryAfter = limited.body.errors?.[0]?.extensions?.retryAfter as number;
    assert.ok(retryAfter > 0 && retryAfter <= 60);
    assert.equal(stack.stub.requests.length, 0);

    const rest = await browser.post<{ code: string; valid: boolean }>("/api/v1/openrouter/auth/validate-key", { api_key: stack.stub.testKeys.valid });
    assert.equal(rest.status, 429);
    assert.equal(rest.body.code, "RATE_LIMITED");
    assert.equal(rest.body.valid, false);
    assert.ok(Number(rest.headers.get("retry-after")) > 0);
  });

  it("counts completeOAuth attempts too", async () => {
    const browser = new HttpClient(stack.gatewayUrl);
    const flow = await browser.graphql("mutation { initiateOAuth { state } }");
    const state = flow.body.data.initiateOAuth.state as string;
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await browser.graphql(COMPLETE, { c: `guess-${i}`, s: state })).body.errors?.[0]?.extensions?.code);
    assert.equal(codes[3], "RATE_LIMITED");
    const rest = await browser.post("/api/v1/openrouter/auth/oauth/callback", { code: "x", state });
    assert.equal(rest.status, 429);
  });

  it("holds across gateway instances sharing one Redis, keeping counters as plain numbers with a TTL", async () => {
    const onFirst = new HttpClient(stack.gatewayUrl);
    const onSecond = new HttpClient(second.url);
    await onFirst.graphql(VALIDATE, { k: stack.stub.testKeys.disabled });
    await onSecond.graphql(VALIDATE, { k: stack.stub.testKeys.disabled });
    await onFirst.graphql(VALIDATE, { k: stack.stub.testKeys.disabled });
    const limited = await onSecond.graphql(VALIDATE, { k: stack.stub.testKeys.valid });
    assert.equal(limited.body.errors?.[0]?.extensions?.code, "RATE_LIMITED");
    const keys = (await stack.redis.command("--scan", "--pattern", "openrouter-auth:attempts:*")).split("\n").filter(Boolean);
    assert.ok(keys.length >= 1);
    for (const key of keys) {
      assert.match(await stack.redis.command("GET", key), /^\d+$/);
      assert.ok(Number(await stack.redis.command("TTL", key)) > 0);
    }
  });

  it("does not count status checks or sign-outs", async () => {
    const browser = new HttpClient(stack.gatewayUrl);
    for (let i = 0; i < 10; i++) await browser.graphql("{ status { authenticated } }");
    await browser.graphql("mutation { logout { authenticated } }");
    assert.equal((await browser.graphql(VALIDATE, { k: stack.stub.testKeys.valid })).body.data?.validateKey.valid, true);
  });
});

describe("client addresses behind a proxy (TRUST_PROXY=1)", () => {
  let proxied: TestGateway;
  before(async () => {
    proxied = await startGateway({ ...stack.env, TRUST_PROXY: "1" });
  });
  after(async () => {
    await proxied.close();
  });

  /**
   * A request as the one proxy in front of the gateway forwards it: the proxy appends the address
   * it saw the client come from to whatever X-Forwarded-For the client sent.
   */
  const throughProxy = (clientAddress: string, clientSent?: string) =>
    new HttpClient(proxied.url, { headers: { "x-forwarded-for": clientSent === undefined ? clientAddress : `${clientSent}, ${clientAddress}` } });

  it("counts a client by the address the proxy saw, whatever X-Forwarded-For the client wrote itself", async () => {
    const victim = "203.0.113.99";
    for (let i = 0; i < 3; i++) {
      // Each attempt claims to come from somewhere new, and from the victim, and carries no cookie.
      const made = `198.51.100.${i + 1}, ${victim}`;
      const response = await throughProxy("203.0.113.7", made).graphql(VALIDATE, { k: stack.stub.testKeys.disabled });
      assert.equal(response.body.errors?.[0]?.extensions?.code, "INVALID_API_KEY");
    }
    const limited = await throughProxy("203.0.113.7", "192.0.2.77").graphql(VALIDATE, { k: stack.stub.testKeys.valid });
    assert.equal(limited.body.errors?.[0]?.extensions?.code, "RATE_LIMITED", "a made-up left-most address bought no fresh budget");
    const signedIn = await throughProxy(victim).graphql(VALIDATE, { k: stack.stub.testKeys.valid });
    assert.equal(signedIn.body.data?.validateKey.valid, true, "the victim's own budget was not spent");
  });

  it("counts IPv6 clients per /64, and an IPv4-mapped address as the IPv4 address", async () => {
    for (const address of ["2001:db8:5:6::1", "2001:db8:5:6:aaaa::2", "2001:db8:5:6:1:2:3:4"]) {
      assert.equal((await throughProxy(address).graphql(VALIDATE, { k: stack.stub.testKeys.disabled })).body.errors?.[0]?.extensions?.code, "INVALID_API_KEY");
    }
    const sameNetwork = await throughProxy("2001:db8:5:6:ffff:ffff:ffff:fffe").graphql(VALIDATE, { k: stack.stub.testKeys.valid });
    assert.equal(sameNetwork.body.errors?.[0]?.extensions?.code, "RATE_LIMITED");
    const otherNetwork = await throughProxy("2001:db8:5:7::1").graphql(VALIDATE, { k: stack.stub.testKeys.valid });
    assert.equal(otherNetwork.body.data?.validateKey.valid, true);

    for (let i = 0; i < 3; i++) await throughProxy("::ffff:198.51.100.4").graphql(VALIDATE, { k: stack.stub.testKeys.disabled });
    const plain = await throughProxy("198.51.100.4").graphql(VALIDATE, { k: stack.stub.testKeys.valid });
    assert.equal(plain.body.errors?.[0]?.extensions?.code, "RATE_LIMITED");
  });
});

describe("sessions shared by gateway instances", () => {
  it("signs in on one instance, is seen and signed out on another", async () => {
    const onFirst = new HttpClient(stack.gatewayUrl);
    await onFirst.graphql(VALIDATE, { k: stack.stub.testKeys.valid });
    const onSecond = new HttpClient(second.url);
    for (const [name, value] of onFirst.cookies) onSecond.cookies.set(name, value);
    assert.equal((await onSecond.graphql("{ status { authenticated } }")).body.data.status.authenticated, true);
    await onSecond.graphql("mutation { logout { authenticated } }");
    assert.equal((await onFirst.graphql("{ status { authenticated } }")).body.data.status.authenticated, false);
  });
});
