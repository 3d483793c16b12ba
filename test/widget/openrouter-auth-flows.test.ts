import { expect, fixture, html, oneEvent, waitUntil } from "@open-wc/testing";
import { executeServerCommand } from "@web/test-runner-commands";
import type { OpenRouterAuth, OpenRouterAuthChangeEvent, OpenRouterAuthErrorEvent } from "../../widget/index.js";
import { endpoint, gatewayUrl, hasState, part, renderElement, settled, shadow, signInDirectly, signOut, submitKey, keys, startOAuthSignIn } from "./support.js";

describe("<openrouter-auth> flows", () => {
  beforeEach(signOut);

  describe("Sign in with OpenRouter", () => {
    it("signs in through the OAuth popup once the user authorizes on OpenRouter", async () => {
      const { el, change } = await startOAuthSignIn();
      await el.updateComplete;
      expect(part(el, "oauth-button")!.textContent).to.contain("Waiting for OpenRouter");

      await executeServerCommand("oauth-popup", { action: "approve" });
      const { detail } = await change;
      expect(detail.authenticated).to.be.true;
      expect(detail.method).to.equal("OAUTH");
      expect(detail.user!.userId).to.match(/^user_/);
      await el.updateComplete;
      expect(part(el, "method")!.textContent).to.equal("OpenRouter sign-in");
      expect(part<HTMLDialogElement>(el, "dialog")!.open).to.be.false;
    });

    it("completes the sign-in itself when the popup's cookies are kept apart and the code is relayed", async () => {
      const { change } = await startOAuthSignIn();
      await executeServerCommand("oauth-popup", { action: "approve", partitioned: true });
      const { detail } = await change;
      expect(detail.authenticated).to.be.true;
      expect(detail.method).to.equal("OAUTH");
    });

    it("stops waiting, without an error, once the user closes the popup", async () => {
      const el = await renderElement({ methods: "oauth" });
      await settled(el);
      el.openDialog();
      await el.updateComplete;
      const errors: Event[] = [];
      el.addEventListener("openrouter-auth-error", (e) => errors.push(e));
      part(el, "oauth-button")!.click();
      await el.updateComplete;
      expect(hasState(el, "busy")).to.be.true;
      await executeServerCommand("oauth-popup", { action: "close" });
      // One status check every 2 s: the one after the close is the last.
      await waitUntil(() => !hasState(el, "busy"), "the element kept waiting for a closed popup", { timeout: 6000 });
      expect(part(el, "oauth-button")!.textContent!.trim()).to.equal("Sign in with OpenRouter");
      expect(el.authenticated).to.be.false;
      expect(errors).to.be.empty;
    });

    it("offers to continue in this window when the browser blocks the popup", async () => {
      const open = window.open;
      window.open = () => null;
      try {
        const el = await renderElement({ methods: "oauth" });
        await settled(el);
        el.openDialog();
        await el.updateComplete;
        part(el, "oauth-button")!.click();
        await waitUntil(() => part(el, "redirect-link"), "no redirect link was offered", { timeout: 5000 });
        const link = part<HTMLAnchorElement>(el, "redirect-link")!;
        const authUrl = new URL(link.href);
        expect(authUrl.searchParams.get("code_challenge_method")).to.equal("S256");
        expect(authUrl.searchParams.get("callback_url")).to.contain("state=");
        expect(link.target).to.equal("_top");
        expect(part<HTMLButtonElement>(el, "oauth-button")!.disabled, "no flow is pending").to.be.false;
      } finally {
        window.open = open;
      }
    });
  });

  describe("status refresh", () => {
    it("picks up a sign-in made elsewhere every refresh-interval seconds", async () => {
      const el = await renderElement({ refreshInterval: 1 });
      await settled(el);
      expect(el.authenticated).to.be.false;
      await signInDirectly();
      await waitUntil(() => el.authenticated, "the periodic refresh did not see the sign-in", { timeout: 4000 });
    });

    it("tells the other elements of this origin to refresh when it signs in (BroadcastChannel)", async () => {
      const [first, second] = await Promise.all([renderElement(), renderElement()]);
      await Promise.all([settled(first), settled(second)]);
      const change = oneEvent(second, "openrouter-auth-change") as Promise<OpenRouterAuthChangeEvent>;
      await submitKey(first, keys.valid);
      expect((await change).detail.authenticated).to.be.true;
    });

    it("refresh() reads the status again", async () => {
      const el = await renderElement();
      await settled(el);
      await signInDirectly();
      await el.refresh();
      expect(el.authenticated).to.be.true;
    });
  });

  describe("when the gateway cannot be reached", () => {
    it("shows the error in words with a Retry button and fires openrouter-auth-error", async () => {
      // A port nothing listens on: the failure is real, not simulated.
      const unreachable = "http://127.0.0.1:9/graphql";
      const errorEvent = new Promise<OpenRouterAuthErrorEvent>((resolve) =>
        document.addEventListener("openrouter-auth-error", resolve, { once: true }),
      );
      const el = await fixture<OpenRouterAuth>(html`<openrouter-auth endpoint=${unreachable}></openrouter-auth>`);
      const { detail } = await errorEvent;
      expect(detail.code).to.equal("NETWORK_ERROR");
      await el.updateComplete;
      expect(part(el, "message")!.textContent).to.equal(detail.message);
      expect(part(el, "message")!.getAttribute("role")).to.equal("alert");
      expect(part(el, "retry-button")).to.exist;
      expect(part(el, "connect-button")).to.be.null;

      // Pointed at the real gateway, Retry recovers.
      el.endpoint = endpoint;
      part(el, "retry-button")!.click();
      await waitUntil(() => part(el, "connect-button"), "Retry did not recover", { timeout: 5000 });
      expect(part(el, "message")!.textContent).to.equal("");
    });
  });

  describe("registration", () => {
    it("registers the tag once even when the module is loaded twice", async () => {
      const Class = customElements.get("openrouter-auth");
      // A second URL for the same source is a second module instance, as a second bundle would be.
      await import(new URL(`../../widget/define.ts?second-copy=${Date.now()}`, import.meta.url).href);
      expect(customElements.get("openrouter-auth")).to.equal(Class);
    });

    it("resolves a relative endpoint against the page (the demo page's default /graphql)", async () => {
      const base = document.createElement("base");
      base.href = `${gatewayUrl}/some/page`;
      document.head.append(base);
      try {
        const el = await fixture<OpenRouterAuth>(html`<openrouter-auth></openrouter-auth>`);
        await settled(el);
        expect(el.endpoint).to.equal("/graphql");
        expect(part(el, "connect-button")).to.exist;
      } finally {
        base.remove();
      }
    });
  });

  it("keeps the key out of the element: not in attributes, properties or the shadow DOM after submit", async () => {
    const el = await renderElement();
    await settled(el);
    await submitKey(el, keys.valid);
    await waitUntil(() => el.authenticated, "never signed in", { timeout: 5000 });
    expect(el.outerHTML).not.to.contain(keys.valid);
    expect(shadow(el).innerHTML).not.to.contain(keys.valid);
    expect(JSON.stringify(el.user)).not.to.contain(keys.valid);
  });
});
