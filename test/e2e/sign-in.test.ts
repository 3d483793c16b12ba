/**
 * `<openrouter-auth>` end to end (issue 4): a product page on http://localhost:A embeds the element
 * with one script tag from the gateway on http://localhost:B; behind the gateway, a real Redis and
 * the OpenRouter stand-in; in front, a headless Chromium clicking as a user would.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { newContext } from "../support/browser.js";
import { AuthElement, POPUP_TIMEOUT_MS, startSameSiteStack, type SameSiteStack } from "./support.js";

describe("<openrouter-auth> on a host page, end to end", () => {
  let setup: SameSiteStack;
  let context: BrowserContext;
  let page: Page;
  let element: AuthElement;
  let pageErrors: string[];

  before(async () => {
    setup = await startSameSiteStack();
  });
  after(async () => {
    await setup?.close();
  });
  beforeEach(async () => {
    context = await newContext(setup.browser);
    page = await context.newPage();
    pageErrors = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    element = new AuthElement(page);
  });
  afterEach(async () => {
    await context.close();
    assert.deepEqual(pageErrors, [], "the page threw");
  });

  describe("signing in with an API key", () => {
    it("reveals the slotted content, lists the models through the session, and never puts the key in the page", async () => {
      const { valid } = setup.stack.stub.testKeys;
      await element.load(setup.host.url);
      await element.signedOutText.waitFor();
      assert.equal(await element.picker.isVisible(), false, "the picker is not shown while signed out");

      await element.submitKey(valid);
      await element.waitForSignedIn("API key");

      assert.equal(await element.dialog.isVisible(), false, "the dialog closes on success");
      assert.equal(await element.accountLabel.textContent(), setup.stack.stub.account(valid)!.label);
      assert.equal(await element.usage.textContent(), "$25.50 used / $100.00");
      await element.picker.waitFor({ state: "visible" });
      assert.equal(await element.signedOutText.isVisible(), false, "the signed-out text is gone");
      await element.modelSelect.locator("option", { hasText: "OpenAI: GPT-4o" }).first().waitFor({ state: "attached" });
      assert.equal(await element.modelSelect.isEnabled(), true);
      assert.equal(await element.exposes(valid), false, "the key is nowhere in the page, its storage or its cookies");
    });

    it("shows why in words when OpenRouter refuses a disabled key, and keeps the dialog open to try again", async () => {
      await element.load(setup.host.url);
      await element.submitKey(setup.stack.stub.testKeys.disabled);

      await element.dialogMessage.filter({ hasText: "OpenRouter didn't accept this key." }).waitFor();
      assert.equal(await element.dialog.isVisible(), true);
      assert.equal(await element.keyInput.inputValue(), "", "the field is cleared after submit");

      await element.closeButton.click();
      await element.connectButton.waitFor();
      assert.equal(await element.picker.isVisible(), false, "still signed out");
    });
  });

  it("keeps the session across a reload", async () => {
    await element.load(setup.host.url);
    await element.submitKey(setup.stack.stub.testKeys.valid);
    await element.waitForSignedIn("API key");

    await page.reload();
    await element.settled();
    await element.waitForSignedIn("API key");
    await element.picker.waitFor({ state: "visible" });
  });

  it("signs out with Disconnect, hides the slotted content again, and stays signed out after a reload", async () => {
    await element.load(setup.host.url);
    await element.submitKey(setup.stack.stub.testKeys.valid);
    await element.waitForSignedIn("API key");

    await element.disconnectButton.click();
    await element.connectButton.waitFor();
    assert.equal(await element.picker.isVisible(), false);
    assert.equal(await element.signedOutText.isVisible(), true);

    await page.reload();
    await element.settled();
    assert.equal(await element.connectButton.isVisible(), true, "the gateway destroyed the session");
  });

  it("signs in with OpenRouter through the popup: Authorize on the consent page, the popup closes, the element shows OpenRouter sign-in", async () => {
    setup.stack.stub.clearRequests();
    await element.load(setup.host.url);
    await element.connectButton.click();
    await element.oauthTab.click();
    const popupOpened = page.waitForEvent("popup");
    await element.oauthButton.click();
    const popup = await popupOpened;
    const popupClosed = popup.waitForEvent("close", { timeout: POPUP_TIMEOUT_MS });

    const authorize = popup.getByRole("button", { name: "Authorize" });
    await authorize.waitFor();
    assert.ok(popup.url().startsWith(setup.stack.stub.authUrl), `the popup shows OpenRouter's consent page, not ${popup.url()}`);
    const challenge = new URL(popup.url()).searchParams;
    assert.equal(challenge.get("code_challenge_method"), "S256");
    assert.ok(challenge.get("callback_url")!.startsWith(`${setup.stack.gatewayUrl}/api/v1/openrouter/auth/oauth/callback?state=`));
    await authorize.click();
    await popupClosed;

    await element.waitForSignedIn("OpenRouter sign-in");
    assert.equal(await element.dialog.isVisible(), false);
    await element.picker.waitFor({ state: "visible" });
    const exchanges = setup.stack.stub.requests.filter((request) => request.path === "/api/v1/auth/keys");
    assert.equal(exchanges.length, 1, "the code was exchanged once, by the gateway");
  });
});
