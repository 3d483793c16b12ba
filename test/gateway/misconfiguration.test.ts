import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startGateway, type TestGateway } from "../support/gateway.js";

/** The start-up warnings a gateway started with these settings logs, as {variable, msg}. */
async function warningsFor(env: Record<string, string>): Promise<Array<{ variable: string; msg: string }>> {
  const gateway = await startGateway({ LOG_LEVEL: "warn", ...env });
  try {
    // Served once, so that GraphQL has started before the gateway is closed.
    assert.equal((await fetch(`${gateway.url}/healthz`)).status, 200);
    await (await fetch(`${gateway.url}/graphql?query=%7B__typename%7D`)).arrayBuffer();
  } finally {
    await gateway.close();
  }
  return gateway.logs.map((line) => JSON.parse(line)).filter((entry) => entry.event === "config.warning");
}

const GATEWAY = "https://auth.example.com/api/v1/openrouter/auth/oauth/callback";

describe("start-up warnings about settings that cannot work in a browser", () => {
  it("warns once, naming COOKIE_SAMESITE, when an allowed origin is on another site and the cookie is Lax", async () => {
    const warnings = await warningsFor({ OPENROUTER_REDIRECT_URI: GATEWAY, ALLOWED_ORIGINS: "https://app.example.com,https://shop.other.example", COOKIE_SECURE: "true" });
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.variable, "COOKIE_SAMESITE");
    assert.match(warnings[0]!.msg, /https:\/\/shop\.other\.example, on another site/);
    assert.doesNotMatch(warnings[0]!.msg, /app\.example\.com,/, "a page on the gateway's own site is fine");
    assert.match(warnings[0]!.msg, /COOKIE_SAMESITE=none and COOKIE_PARTITIONED=true/);
  });

  it("counts a page on plain HTTP as another site than an HTTPS gateway of the same domain", async () => {
    const warnings = await warningsFor({ OPENROUTER_REDIRECT_URI: GATEWAY, ALLOWED_ORIGINS: "http://app.example.com", COOKIE_SAMESITE: "strict", COOKIE_SECURE: "true" });
    assert.deepEqual(warnings.map((warning) => warning.variable), ["COOKIE_SAMESITE"]);
    assert.match(warnings[0]!.msg, /COOKIE_SAMESITE=strict/);
  });

  it("warns, naming COOKIE_PARTITIONED, when SameSite=None has no Partitioned (third-party cookie blocking drops it)", async () => {
    const warnings = await warningsFor({ OPENROUTER_REDIRECT_URI: GATEWAY, ALLOWED_ORIGINS: "https://shop.other.example", COOKIE_SAMESITE: "none" });
    assert.deepEqual(warnings.map((warning) => warning.variable), ["COOKIE_PARTITIONED"]);
    assert.match(warnings[0]!.msg, /block third-party cookies/);
  });

  it("warns when Partitioned is set on a cookie that is never sent across sites", async () => {
    const warnings = await warningsFor({ OPENROUTER_REDIRECT_URI: GATEWAY, COOKIE_SECURE: "true", COOKIE_PARTITIONED: "true" });
    assert.deepEqual(warnings.map((warning) => warning.variable), ["COOKIE_SAMESITE"]);
    assert.match(warnings[0]!.msg, /COOKIE_PARTITIONED=true with COOKIE_SAMESITE=lax/);
  });

  it("warns when the cookie is Secure but the gateway's public URL is plain HTTP on a real host", async () => {
    const warnings = await warningsFor({ OPENROUTER_REDIRECT_URI: "http://auth.example.com/api/v1/openrouter/auth/oauth/callback", COOKIE_SECURE: "true" });
    assert.deepEqual(warnings.map((warning) => warning.variable), ["OPENROUTER_REDIRECT_URI"]);
    assert.match(warnings[0]!.msg, /Secure .* plain HTTP/);
  });

  it("says nothing for settings that work: same-site pages with Lax, cross-site pages with None and Partitioned, Secure on localhost", async () => {
    assert.deepEqual(await warningsFor({ OPENROUTER_REDIRECT_URI: GATEWAY, ALLOWED_ORIGINS: "https://app.example.com,https://example.com", COOKIE_SECURE: "true" }), []);
    assert.deepEqual(await warningsFor({ OPENROUTER_REDIRECT_URI: GATEWAY, ALLOWED_ORIGINS: "https://shop.other.example", COOKIE_SAMESITE: "none", COOKIE_PARTITIONED: "true" }), []);
    assert.deepEqual(await warningsFor({ OPENROUTER_REDIRECT_URI: "http://localhost:8080/api/v1/openrouter/auth/oauth/callback", COOKIE_SECURE: "true" }), []);
    assert.deepEqual(await warningsFor({}), []);
  });
});

describe("the origin probe, GET /api/v1/openrouter/auth/origin", () => {
  const ALLOWED = "http://app.example.test:3000";
  let gateway: TestGateway;
  before(async () => {
    gateway = await startGateway({ ALLOWED_ORIGINS: ALLOWED });
  });
  after(async () => {
    await gateway.close();
  });

  async function probe(origin?: string): Promise<{ response: Response; body: unknown }> {
    const response = await fetch(`${gateway.url}/api/v1/openrouter/auth/origin`, { headers: origin === undefined ? {} : { origin } });
    return { response, body: await response.json() };
  }

  it("tells a page whose origin is not allowed that it is not, readable from any origin and without credentials", async () => {
    const { response, body } = await probe("https://elsewhere.example");
    assert.equal(response.status, 200);
    assert.deepEqual(body, { origin: "https://elsewhere.example", allowed: false });
    assert.equal(response.headers.get("access-control-allow-origin"), "*");
    assert.equal(response.headers.get("access-control-allow-credentials"), null);
    assert.equal(response.headers.getSetCookie().length, 0);
  });

  it("tells an allowed page that it is allowed", async () => {
    const { response, body } = await probe(ALLOWED);
    assert.deepEqual(body, { origin: ALLOWED, allowed: true });
    assert.equal(response.headers.get("access-control-allow-origin"), "*");
    assert.equal(response.headers.get("access-control-allow-credentials"), null);
  });

  it("answers a request with no Origin as not allowed", async () => {
    const { body } = await probe();
    assert.deepEqual(body, { origin: null, allowed: false });
  });
});
