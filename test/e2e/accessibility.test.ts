/**
 * `<openrouter-auth>` for keyboard and screen-reader users, end to end (docs/contract.md §8 "Accessible"):
 * the dialog and its tabs driven by keys alone, and axe-core over every state a user meets.
 *
 * The axe pass also takes screenshots of those states: into a temporary folder, removed after
 * the run, so that a test run leaves the tracked files alone. To refresh the README's
 * screenshots in docs/screenshots/, run with UPDATE_SCREENSHOTS=1:
 *   UPDATE_SCREENSHOTS=1 npm run test:e2e   (or just this file: node --import tsx --test test/e2e/accessibility.test.ts)
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { newContext } from "../support/browser.js";
import { AuthElement, README_SCREENSHOTS, seriousAxeViolations, startSameSiteStack, type SameSiteStack } from "./support.js";

/** Tab presses it may take to reach the Connect button past the host page's own links. */
const MAX_TABS = 8;

describe("<openrouter-auth> accessibility, end to end", () => {
  let setup: SameSiteStack;
  let context: BrowserContext;
  let page: Page;
  let element: AuthElement;
  /** Where this run's screenshots go: the README's only when asked to refresh them. */
  const refreshScreenshots = process.env.UPDATE_SCREENSHOTS === "1";
  let screenshots: string;

  before(async () => {
    screenshots = refreshScreenshots ? README_SCREENSHOTS : await mkdtemp(join(tmpdir(), "openrouter-auth-screenshots-"));
    setup = await startSameSiteStack();
  });
  after(async () => {
    await setup?.close();
    if (!refreshScreenshots && screenshots !== undefined) await rm(screenshots, { recursive: true, force: true });
  });
  beforeEach(async () => {
    context = await newContext(setup.browser);
    page = await context.newPage();
    element = new AuthElement(page);
  });
  afterEach(async () => {
    await context.close();
  });

  it("works with the keyboard alone: Tab and Enter open the dialog, arrow keys switch tabs, Escape closes it and focus returns to the opener", async () => {
    await element.load(setup.host.url);

    let presses = 0;
    while ((await element.focused()) !== "connect-button" && presses < MAX_TABS) {
      await page.keyboard.press("Tab");
      presses++;
    }
    assert.equal(await element.focused(), "connect-button", `Tab reaches Connect within ${MAX_TABS} presses`);

    await page.keyboard.press("Enter");
    await element.dialog.waitFor();
    assert.equal(await element.focused(), "key-input", "the dialog opens with focus in the key field");

    await page.keyboard.press("Shift+Tab");
    assert.equal(await element.focused(), "tab: API key", "the selected tab is one Tab stop before the panel");
    await page.keyboard.press("ArrowRight");
    await element.oauthButton.waitFor();
    assert.equal(await element.focused(), "tab: Sign in with OpenRouter", "ArrowRight moves to the next tab");
    assert.equal(await element.oauthTab.getAttribute("aria-selected"), "true", "and selects it");
    assert.equal(await element.keyInput.isVisible(), false, "the API key panel is hidden");
    await page.keyboard.press("ArrowRight");
    assert.equal(await element.focused(), "tab: API key", "ArrowRight wraps around from the last tab");
    await page.keyboard.press("ArrowLeft");
    assert.equal(await element.focused(), "tab: Sign in with OpenRouter", "ArrowLeft wraps around from the first");
    await page.keyboard.press("Home");
    assert.equal(await element.focused(), "tab: API key", "Home goes to the first tab");
    await element.keyInput.waitFor();

    await page.keyboard.press("Tab");
    assert.equal(await element.focused(), "key-input", "Tab goes from the tab into its panel");
    await page.keyboard.press("Escape");
    await element.dialog.waitFor({ state: "hidden" });
    assert.equal(await element.focused(), "connect-button", "Escape closes the dialog and focus returns to Connect");

    // A whole sign-in from the keyboard: type the key, reveal it with the toggle, submit.
    await page.keyboard.press("Enter");
    await element.dialog.waitFor();
    await page.keyboard.type(setup.stack.stub.testKeys.valid);
    await page.keyboard.press("Tab");
    assert.equal(await element.focused(), "toggle-button");
    await page.keyboard.press("Enter");
    assert.equal(await element.keyInput.getAttribute("type"), "text", "Show reveals the key");
    await page.keyboard.press("Tab");
    assert.equal(await element.focused(), "submit-button");
    await page.keyboard.press("Enter");
    await element.waitForSignedIn("API key");
    assert.equal(await element.focused(), "disconnect-button", "after signing in, focus lands on Disconnect rather than being lost");
    await page.keyboard.press("Enter");
    await element.connectButton.waitFor();
    await page.waitForFunction(() => document.querySelector("openrouter-auth")?.shadowRoot?.activeElement?.getAttribute("part") === "connect-button", undefined, { timeout: 5_000 });
    assert.equal(await element.focused(), "connect-button", "after Disconnect, focus moves to Connect rather than being lost");
  });

  it("has no serious or critical axe-core violations signed out, with the dialog open, or signed in", async () => {
    await mkdir(screenshots, { recursive: true });
    await element.load(setup.host.url);
    await element.signedOutText.waitFor();
    assert.deepEqual(await seriousAxeViolations(page), [], "signed out");
    await page.screenshot({ path: join(screenshots, "signed-out.png") });

    await element.connectButton.click();
    await element.keyInput.fill(setup.stack.stub.testKeys.valid);
    await element.submitButton.waitFor({ state: "visible" });
    assert.deepEqual(await seriousAxeViolations(page), [], "dialog open");
    await page.screenshot({ path: join(screenshots, "dialog.png") });

    await element.submitButton.click();
    await element.waitForSignedIn("API key");
    await element.modelSelect.locator("option", { hasText: "OpenAI: GPT-4o" }).first().waitFor({ state: "attached" });
    await page.getByText("tokens of context").waitFor();
    assert.deepEqual(await seriousAxeViolations(page), [], "signed in");
    await page.screenshot({ path: join(screenshots, "signed-in.png") });
  });
});
