/**
 * The element's modules in Node, as a server-side renderer or a test runner without a DOM loads
 * them: importing must not throw, and nothing may reach for `window` or `document` at load time.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

describe("the element's modules in Node (SSR)", () => {
  it("import the class and types without side effects", async () => {
    const widget = await import("../../../widget/index.js");
    assert.equal(typeof widget.OpenRouterAuth, "function");
    assert.equal(typeof widget.OpenRouterAuthChangeEvent, "function");
    assert.equal(globalThis.customElements?.get("openrouter-auth"), undefined, "index.js must not register the tag");
  });

  it("import the define module without throwing, and construct the element", async () => {
    const { OpenRouterAuth } = await import("../../../widget/define.js");
    const el = new OpenRouterAuth();
    assert.equal(el.endpoint, "/graphql");
    assert.equal(el.methods, "api-key oauth");
    assert.equal(el.authenticated, false);
  });

  it("build event details that carry status, never a key", async () => {
    const { OpenRouterAuthChangeEvent } = await import("../../../widget/index.js");
    const event = new OpenRouterAuthChangeEvent({ authenticated: false, method: null, user: null });
    assert.equal(event.type, "openrouter-auth-change");
    assert.equal(event.bubbles, true);
    assert.equal(event.composed, true);
  });
});
