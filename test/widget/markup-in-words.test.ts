import { expect, fixture, html, oneEvent } from "@open-wc/testing";
import { OpenRouterAuth, type OpenRouterAuthErrorEvent } from "../../widget/index.js";
import { endpoint, enterKey, keys, part, renderElement, settled, shadow, signInThroughDialog, signOut, submitKey } from "./support.js";

declare global {
  interface Window {
    /** Set by the markup below if it ever runs as HTML. */
    __markupRan?: boolean;
  }
}

/** Words a host (or a translation) could get wrong, or someone could slip in: markup that would run as HTML. */
const MARKUP = `<img src="data:," onload="window.__markupRan = true" onerror="window.__markupRan = true"><b id="injected">bold</b>`;

/** That nothing of MARKUP became an element in the element's shadow DOM, and nothing of it ran. */
function expectNoMarkup(el: OpenRouterAuth): void {
  expect(shadow(el).querySelector("img, b#injected"), "no element made from the words").to.be.null;
  expect(window.__markupRan, "nothing in the words ran").to.be.undefined;
}

describe("<openrouter-auth> with markup in its words", () => {
  beforeEach(signOut);

  it("renders a host's strings as text, markup and all, signed out, in the dialog and signed in", async () => {
    const el = await renderElement();
    el.strings = { connect: `Connect ${MARKUP}`, tabApiKey: MARKUP, hintEmpty: MARKUP, hintInvalid: MARKUP, submit: MARKUP, usage: `{used} ${MARKUP} {limit}`, disconnect: MARKUP, keyLabel: MARKUP };
    await settled(el);
    expect(part(el, "connect-button")!.textContent!.trim()).to.equal(`Connect ${MARKUP}`);
    expectNoMarkup(el);

    el.openDialog();
    await el.updateComplete;
    expect(part(el, "submit-button")!.textContent!.trim()).to.equal(MARKUP);
    expect(part(el, "hint")!.textContent!.trim()).to.equal(MARKUP);
    await enterKey(el, "not a key");
    expect(part(el, "hint")!.textContent!.trim()).to.equal(MARKUP);
    expectNoMarkup(el);

    el.closeDialog();
    await el.updateComplete;
    await signInThroughDialog(el, keys.valid);
    expect(part(el, "usage")!.textContent).to.contain(MARKUP);
    expect(part(el, "disconnect-button")!.textContent!.trim()).to.equal(MARKUP);
    expectNoMarkup(el);
  });

  it("says an error's words as text when they hold markup", async () => {
    const el = await renderElement();
    el.strings = { INVALID_API_KEY: MARKUP };
    await settled(el);
    const errorEvent = oneEvent(el, "openrouter-auth-error") as Promise<OpenRouterAuthErrorEvent>;
    await submitKey(el, keys.disabled);
    expect((await errorEvent).detail.message).to.equal(MARKUP);
    await el.updateComplete;
    expect(part<HTMLDialogElement>(el, "dialog")!.querySelector('[role="alert"]')!.textContent).to.equal(MARKUP);
    expectNoMarkup(el);
  });

  it("renders a registered language's strings as text", async () => {
    OpenRouterAuth.registerLocale("x-markup", { connect: MARKUP, checking: MARKUP });
    const el = await fixture<OpenRouterAuth>(html`<openrouter-auth lang="x-markup" endpoint=${endpoint}></openrouter-auth>`);
    await settled(el);
    expect(part(el, "connect-button")!.textContent!.trim()).to.equal(MARKUP);
    expect(shadow(el).querySelector("h2")!.textContent!.trim()).to.equal(MARKUP);
    expectNoMarkup(el);
  });
});
