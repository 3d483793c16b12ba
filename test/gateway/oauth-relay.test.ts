/**
 * The OAuth relay frame (`{REST_BASE}/oauth/relay`): the element embeds it while a popup sign-in
 * runs, so that a popup cut off from its opener can still report. Only an allowed origin (or the
 * gateway's own) may frame it, and only there does it run.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestStack, type TestStack } from "../support/gateway.js";

const HOST_ORIGIN = "http://host.example.test:3000";
const RELAY = "/api/v1/openrouter/auth/oauth/relay";

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ env: { ALLOWED_ORIGINS: HOST_ORIGIN } });
});
after(async () => {
  await stack.close();
});

const relayFor = (origin: string) => fetch(`${stack.gatewayUrl}${RELAY}?${new URLSearchParams({ origin, lang: "de", done: "Fertig.", failed: "Fehlgeschlagen." })}`);

describe("the OAuth relay frame", () => {
  it("runs for an allowed origin, which alone may frame it, and posts to that origin only", async () => {
    const response = await relayFor(HOST_ORIGIN);
    assert.equal(response.status, 200);
    const csp = response.headers.get("content-security-policy")!;
    assert.match(csp, new RegExp(`frame-ancestors ${HOST_ORIGIN}$`));
    assert.match(csp, /script-src 'nonce-[^']+'/);
    assert.equal(response.headers.get("x-frame-options"), null, "X-Frame-Options would forbid the frame on the host's origin");
    assert.equal(response.headers.get("referrer-policy"), "no-referrer");
    const html = await response.text();
    assert.ok(html.includes(`"origin":"${HOST_ORIGIN}"`), "the frame knows the one origin it serves");
    assert.ok(!html.includes("Fertig."), "the words stay in the frame's URL, never in its markup");
  });

  it("runs for the gateway's own origin (a router mounted in the host's app)", async () => {
    const response = await relayFor(stack.gatewayUrl);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-security-policy")!, new RegExp(`frame-ancestors ${stack.gatewayUrl}$`));
  });

  it("refuses any other origin: 403, no script, and no page may frame it", async () => {
    for (const origin of ["https://attacker.example", "", "*"]) {
      const response = await relayFor(origin);
      assert.equal(response.status, 403, origin);
      assert.match(response.headers.get("content-security-policy")!, /frame-ancestors 'none'/);
      assert.ok(!(await response.text()).includes("<script"), origin);
    }
  });
});
