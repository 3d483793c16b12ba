/**
 * The element's modules in Node, as a server-side renderer or a test runner without a DOM loads
 * them: importing must not throw, nothing may reach for `window` or `document` at load time, and
 * `@lit-labs/ssr` renders the element to HTML (hydrating that HTML in a browser is
 * test/consumers/frameworks.test.ts's part).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { render } from "@lit-labs/ssr";
import { collectResult } from "@lit-labs/ssr/lib/render-result.js";
import { html } from "lit";
import { waitFor } from "../../support/wait-for.js";

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
    const signedOut = new OpenRouterAuthChangeEvent({ authenticated: false, method: null, user: null });
    assert.equal(signedOut.type, "openrouter-auth-change");
    assert.equal(signedOut.bubbles, true);
    assert.equal(signedOut.composed, true);
    assert.deepEqual(signedOut.detail, { authenticated: false, method: null, user: null });

    const user = {
      label: "sk-or-v1-abc...123", userId: null, usage: 25.5, limit: 100, limitRemaining: 74.5, isFreeTier: false, totalCredits: null,
      refreshedAt: "2026-01-01T00:00:00.000Z", limitReset: "monthly", keyExpiresAt: null, usageDaily: 1, usageWeekly: 2, usageMonthly: 25.5,
    };
    const signedIn = new OpenRouterAuthChangeEvent({ authenticated: true, method: "API_KEY", user });
    assert.deepEqual(signedIn.detail, { authenticated: true, method: "API_KEY", user }, "the detail is the status, as the gateway gave it");

    // The detail has no place for a key: a typecheck (part of `npm test`) fails if one is added.
    // @ts-expect-error `apiKey` is not a property of the change detail.
    new OpenRouterAuthChangeEvent({ authenticated: true, method: "API_KEY", user, apiKey: "sk-or-v1-0" });
    // @ts-expect-error nor of the user it describes.
    new OpenRouterAuthChangeEvent({ authenticated: true, method: "API_KEY", user: { ...user, apiKey: "sk-or-v1-0" } });
  });

  it("render with @lit-labs/ssr to a declarative shadow root showing the status check, the host's content kept", async () => {
    await import("../../../widget/define.js");
    const page = await collectResult(
      render(html`<openrouter-auth endpoint="https://gateway.example/graphql" refresh-interval="30"><p slot="signed-out">Connect to choose a model.</p></openrouter-auth>`),
    );
    assert.match(page, /<openrouter-auth[^>]*endpoint="https:\/\/gateway\.example\/graphql"[^>]*><template shadowroot="open" shadowrootmode="open">/);
    assert.match(page, /<span part="status"[^>]*role="status"><!--lit-part-->Checking connection…<!--\/lit-part--><\/span>/);
    assert.match(page, /<dialog part="dialog"[^>]*>/, "the dialog is rendered, closed");
    assert.doesNotMatch(page, /<dialog[^>]* open/);
    assert.match(page, /<\/template><p slot="signed-out">Connect to choose a model\.<\/p><\/openrouter-auth>/);
  });

  it("render in the element's own language on the server once that language has loaded", async () => {
    await import("../../../widget/define.js");
    const renderGerman = () => collectResult(render(html`<openrouter-auth lang="de"></openrouter-auth>`));
    // The first render starts loading German (and shows English meanwhile, as a browser would).
    await renderGerman();
    let page = "";
    await waitFor(async () => (page = await renderGerman()).includes("Mit OpenRouter verbinden"));
    assert.match(page, /<div part="base" class="bar" lang="de">/);
  });
});
