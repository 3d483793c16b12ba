import { expect, oneEvent, waitUntil } from "@open-wc/testing";
import { sendKeys } from "@web/test-runner-commands";
import type { OpenRouterAuthChangeEvent, OpenRouterAuthErrorEvent } from "../../widget/index.js";
import { enterKey, hasState, keys, part, renderElement, settled, shadow, signOut, signInThroughDialog, submitKey } from "./support.js";

const CURRENT_FORM = `sk-or-v1-${"0123456789abcdef".repeat(4)}`;

describe("<openrouter-auth>", () => {
  beforeEach(signOut);

  describe("status", () => {
    it("shows that it is checking, then the Connect button once the gateway says signed out", async () => {
      const el = await renderElement();
      expect(part(el, "status")).to.exist;
      expect(part(el, "status")!.textContent).to.contain("Checking");
      await settled(el);
      expect(part(el, "connect-button")!.textContent).to.contain("Connect to OpenRouter");
      expect(part(el, "account")).to.be.null;
    });

    it("fires openrouter-auth-change with authenticated false once the status is known", async () => {
      const el = await renderElement();
      const event = await oneEvent(el, "openrouter-auth-change");
      expect(event.detail).to.deep.equal({ authenticated: false, method: null, user: null });
      expect(event.bubbles).to.be.true;
      expect(event.composed).to.be.true;
    });

    it("reflects checking, signed out and connected in custom states", async () => {
      const el = await renderElement();
      expect(hasState(el, "checking")).to.be.true;
      await settled(el);
      expect(hasState(el, "checking")).to.be.false;
      expect(hasState(el, "signed-out")).to.be.true;
      expect(hasState(el, "authenticated")).to.be.false;
      await submitKey(el, keys.valid);
      await waitUntil(() => hasState(el, "authenticated"), "never reached :state(authenticated)", { timeout: 5000 });
      expect(hasState(el, "signed-out")).to.be.false;
    });

    it("renders the slotted content only when connected, and the signed-out slot only when not", async () => {
      const el = await renderElement();
      await settled(el);
      expect(shadow(el).querySelector("slot:not([name])")).to.be.null;
      expect(shadow(el).querySelector('slot[name="signed-out"]')).to.exist;
      expect(el.querySelector<HTMLElement>("#picker")!.assignedSlot).to.be.null;
    });
  });

  describe("dialog", () => {
    it("opens a native modal dialog from the Connect button, with focus in the key field", async () => {
      const el = await renderElement();
      await settled(el);
      part(el, "connect-button")!.click();
      await el.updateComplete;
      const dialog = part<HTMLDialogElement>(el, "dialog")!;
      expect(dialog).to.be.instanceOf(HTMLDialogElement);
      expect(dialog.open).to.be.true;
      expect(dialog.matches(":modal")).to.be.true;
      expect(dialog.getAttribute("aria-labelledby")).to.equal("title");
      expect(shadow(el).activeElement).to.equal(part(el, "key-input"));
    });

    it("returns focus to the Connect button when closed with Escape", async () => {
      const el = await renderElement();
      await settled(el);
      const opener = part(el, "connect-button")!;
      opener.focus();
      opener.click();
      await el.updateComplete;
      await sendKeys({ press: "Escape" });
      await waitUntil(() => !part<HTMLDialogElement>(el, "dialog")!.open, "the dialog did not close", { timeout: 2000 });
      await waitUntil(() => shadow(el).activeElement === opener, "focus did not return to the opener", { timeout: 2000 });
    });

    it("closes with closeDialog() and opens with openDialog()", async () => {
      const el = await renderElement();
      await settled(el);
      el.openDialog();
      expect(part<HTMLDialogElement>(el, "dialog")!.open).to.be.true;
      el.closeDialog();
      expect(part<HTMLDialogElement>(el, "dialog")!.open).to.be.false;
    });
  });

  describe("tabs", () => {
    it("offers an API key tab and a Sign in with OpenRouter tab, the first selected", async () => {
      const el = await renderElement();
      await settled(el);
      const tabs = [...shadow(el).querySelectorAll('[role="tab"]')];
      expect(tabs.map((t) => t.textContent!.trim())).to.deep.equal(["API key", "Sign in with OpenRouter"]);
      expect(tabs.map((t) => t.getAttribute("aria-selected"))).to.deep.equal(["true", "false"]);
      expect(shadow(el).querySelector('[role="tablist"]')!.getAttribute("aria-label")).to.equal("Sign-in method");
    });

    it("moves between tabs with the arrow keys, Home and End, showing the selected panel", async () => {
      const el = await renderElement();
      await settled(el);
      el.openDialog();
      await el.updateComplete;
      const tab = (name: string) => shadow(el).querySelector<HTMLElement>(`#tab-${name}`)!;
      const panel = (name: string) => shadow(el).querySelector<HTMLElement>(`#panel-${name}`)!;
      tab("api-key").focus();

      await sendKeys({ press: "ArrowRight" });
      await el.updateComplete;
      expect(tab("oauth").getAttribute("aria-selected")).to.equal("true");
      expect(tab("oauth").tabIndex).to.equal(0);
      expect(tab("api-key").tabIndex).to.equal(-1);
      expect(panel("oauth").hidden).to.be.false;
      expect(panel("api-key").hidden).to.be.true;
      await waitUntil(() => shadow(el).activeElement === tab("oauth"), "focus did not follow the selection", { timeout: 1000 });

      await sendKeys({ press: "ArrowRight" });
      await el.updateComplete;
      expect(tab("api-key").getAttribute("aria-selected"), "ArrowRight wraps around").to.equal("true");

      await sendKeys({ press: "End" });
      await el.updateComplete;
      expect(tab("oauth").getAttribute("aria-selected")).to.equal("true");

      await sendKeys({ press: "Home" });
      await el.updateComplete;
      expect(tab("api-key").getAttribute("aria-selected")).to.equal("true");

      await sendKeys({ press: "ArrowLeft" });
      await el.updateComplete;
      expect(tab("oauth").getAttribute("aria-selected"), "ArrowLeft wraps around").to.equal("true");
      expect(panel("oauth").getAttribute("aria-labelledby")).to.equal("tab-oauth");
    });

    it('shows one tab, the API key one, when methods is "api-key"', async () => {
      const el = await renderElement({ methods: "api-key" });
      await settled(el);
      const tabs = [...shadow(el).querySelectorAll('[role="tab"]')];
      expect(tabs).to.have.length(1);
      expect(tabs[0]!.textContent!.trim()).to.equal("API key");
      expect(shadow(el).querySelector<HTMLElement>("#panel-api-key")!.hidden).to.be.false;
    });

    it('shows only the Sign in with OpenRouter tab when methods is "oauth"', async () => {
      const el = await renderElement({ methods: "oauth" });
      await settled(el);
      const tabs = [...shadow(el).querySelectorAll('[role="tab"]')];
      expect(tabs.map((t) => t.textContent!.trim())).to.deep.equal(["Sign in with OpenRouter"]);
      expect(shadow(el).querySelector<HTMLElement>("#panel-oauth")!.hidden).to.be.false;
      expect(shadow(el).querySelector<HTMLElement>("#panel-api-key")!.hidden).to.be.true;
    });
  });

  describe("API key tab", () => {
    it("hints at the key format as the user types and enables Connect only for a form the gateway accepts", async () => {
      const el = await renderElement();
      await settled(el);
      el.openDialog();
      await el.updateComplete;
      const hint = () => part(el, "hint")!.textContent!;
      const submit = () => part<HTMLButtonElement>(el, "submit-button")!;
      expect(submit().disabled, "empty").to.be.true;
      expect(hint()).to.contain("sk-or-v1-");

      part(el, "key-input")!.focus();
      await sendKeys({ type: "sk-or" });
      await el.updateComplete;
      expect(hint()).to.contain("start with sk-or-");
      expect(part(el, "key-input")!.getAttribute("aria-invalid")).to.equal("true");
      expect(submit().disabled, "too short").to.be.true;

      await enterKey(el, CURRENT_FORM);
      expect(hint()).to.contain("Looks like an OpenRouter key");
      expect(submit().disabled, "today's form").to.be.false;

      await enterKey(el, "sk-or-v2-SomeFutureKeyForm_0123");
      expect(hint()).to.contain("Not the usual form");
      expect(submit().disabled, "another sk-or- token the gateway accepts").to.be.false;

      await enterKey(el, "sk-or-v1-has spaces and $ymbols");
      expect(submit().disabled, "characters that are not URL-safe").to.be.true;

      await enterKey(el, `sk-or-${"a".repeat(251)}`);
      expect(submit().disabled, "longer than 256 characters").to.be.true;
    });

    it("shows and hides the key with the Show button", async () => {
      const el = await renderElement();
      await settled(el);
      el.openDialog();
      await el.updateComplete;
      const input = part<HTMLInputElement>(el, "key-input")!;
      const toggle = part(el, "toggle-button")!;
      expect(input.type).to.equal("password");
      expect(toggle.getAttribute("aria-label")).to.equal("Show key");
      toggle.click();
      await el.updateComplete;
      expect(input.type).to.equal("text");
      expect(toggle.getAttribute("aria-label")).to.equal("Hide key");
      toggle.click();
      await el.updateComplete;
      expect(input.type).to.equal("password");
    });

    it("signs in with a valid key: reveals the slotted content, shows the account and fires openrouter-auth-change without the key", async () => {
      const el = await renderElement();
      await settled(el);
      const changes: OpenRouterAuthChangeEvent[] = [];
      el.addEventListener("openrouter-auth-change", (e) => changes.push(e));
      await submitKey(el, keys.valid);
      expect(part(el, "submit-button")!.textContent).to.contain("Connecting");
      expect(hasState(el, "busy")).to.be.true;
      await waitUntil(() => el.authenticated, "never signed in", { timeout: 5000 });
      await el.updateComplete;

      expect(part<HTMLDialogElement>(el, "dialog")!.open, "the dialog closes").to.be.false;
      const slot = shadow(el).querySelector<HTMLSlotElement>("slot:not([name])")!;
      expect(slot.assignedElements()).to.include(el.querySelector("#picker"));
      expect(shadow(el).querySelector('slot[name="signed-out"]')).to.be.null;
      expect(part(el, "account-label")!.textContent).to.match(/^sk-or-v1-.+\.\.\..+$/);
      expect(part(el, "method")!.textContent).to.equal("API key");
      expect(part(el, "usage")!.textContent).to.contain("$25.50").and.contain("$100.00");
      await waitUntil(() => shadow(el).activeElement === part(el, "disconnect-button"), "focus went to Disconnect", { timeout: 2000 });

      expect(changes).to.have.length(1);
      const { detail } = changes[0]!;
      expect(detail.authenticated).to.be.true;
      expect(detail.method).to.equal("API_KEY");
      expect(detail.user!.usage).to.equal(25.5);
      expect(detail.user!.limit).to.equal(100);
      expect(JSON.stringify(detail)).not.to.contain(keys.valid);
    });

    it("clears the key field after submitting", async () => {
      const el = await renderElement();
      await settled(el);
      await submitKey(el, keys.disabled);
      expect(part<HTMLInputElement>(el, "key-input")!.value).to.equal("");
      expect(part(el, "hint")!.textContent).to.contain("Paste a key");
      expect(part<HTMLButtonElement>(el, "submit-button")!.disabled).to.be.true;
    });

    it("shows a disabled key's INVALID_API_KEY error in words, in a live region, and fires openrouter-auth-error", async () => {
      const el = await renderElement();
      await settled(el);
      const errorEvent = oneEvent(el, "openrouter-auth-error") as Promise<OpenRouterAuthErrorEvent>;
      await submitKey(el, keys.disabled);
      const { detail } = await errorEvent;
      expect(detail.code).to.equal("INVALID_API_KEY");
      expect(detail.message).to.equal("OpenRouter didn't accept this key. Check that it is correct and still active.");
      expect(JSON.stringify(detail)).not.to.contain(keys.disabled);
      await el.updateComplete;
      const message = part<HTMLDialogElement>(el, "dialog")!.querySelector('[role="alert"]')!;
      expect(message.textContent).to.equal(detail.message);
      expect(part<HTMLDialogElement>(el, "dialog")!.open, "the dialog stays open").to.be.true;
      expect(el.authenticated).to.be.false;
    });
  });

  describe("signed in", () => {
    it("signs out with Disconnect: removes the slotted content and fires openrouter-auth-change", async () => {
      const el = await renderElement();
      await settled(el);
      await signInThroughDialog(el, keys.valid);

      const change = oneEvent(el, "openrouter-auth-change") as Promise<OpenRouterAuthChangeEvent>;
      part(el, "disconnect-button")!.click();
      expect((await change).detail).to.deep.equal({ authenticated: false, method: null, user: null });
      await el.updateComplete;
      expect(shadow(el).querySelector("slot:not([name])")).to.be.null;
      expect(part(el, "connect-button")).to.exist;
      expect(hasState(el, "signed-out")).to.be.true;
    });

    it("shows an unlimited key's usage with no limit", async () => {
      const el = await renderElement();
      await settled(el);
      await signInThroughDialog(el, keys.unlimited);
      expect(part(el, "usage")!.textContent).to.contain("no limit");
      expect(el.user!.limit).to.be.null;
    });

    it("can switch keys: openDialog() while connected stays open until the new sign-in succeeds", async () => {
      const el = await renderElement();
      await settled(el);
      await submitKey(el, keys.valid);
      await waitUntil(() => el.authenticated, "never signed in", { timeout: 5000 });
      el.openDialog();
      await el.updateComplete;
      expect(part<HTMLDialogElement>(el, "dialog")!.open).to.be.true;
      await el.refresh();
      await el.updateComplete;
      expect(part<HTMLDialogElement>(el, "dialog")!.open, "a status refresh does not close it").to.be.true;
      await enterKey(el, keys.unlimited);
      part(el, "submit-button")!.click();
      await waitUntil(() => !part<HTMLDialogElement>(el, "dialog")!.open, "the dialog did not close after the sign-in", { timeout: 5000 });
      expect(el.user!.limit).to.be.null;
    });

    it("logout() signs out like Disconnect", async () => {
      const el = await renderElement();
      await settled(el);
      await submitKey(el, keys.valid);
      await waitUntil(() => el.authenticated, "never signed in", { timeout: 5000 });
      await el.logout();
      expect(el.authenticated).to.be.false;
      expect(el.user).to.be.null;
    });
  });

  describe("accessibility", () => {
    it("passes axe while signed out, with the dialog open on each tab, and signed in", async () => {
      const el = await renderElement();
      await settled(el);
      await expect(el).to.be.accessible();
      el.openDialog();
      await el.updateComplete;
      await expect(el).to.be.accessible();
      await enterKey(el, "not a key");
      await expect(el).to.be.accessible();
      shadow(el).querySelector<HTMLElement>("#tab-oauth")!.click();
      await el.updateComplete;
      await expect(el).to.be.accessible();
      el.closeDialog();
      await signInThroughDialog(el, keys.valid);
      await expect(el).to.be.accessible();
    });

    it("labels the key field and describes it with the hint", async () => {
      const el = await renderElement();
      await settled(el);
      const input = part<HTMLInputElement>(el, "key-input")!;
      expect(input.labels![0]!.textContent).to.equal("OpenRouter API key");
      expect(input.getAttribute("aria-describedby")).to.equal("hint");
      expect(part(el, "close-button")!.getAttribute("aria-label")).to.equal("Close");
    });
  });
});
