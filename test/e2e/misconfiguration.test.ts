/**
 * A gateway set up wrong for the page that embeds it shows the user (and the page's developer)
 * what to change, instead of "can't be reached" or a sign-in that is gone on reload:
 * - a page whose origin is not in ALLOWED_ORIGINS: its credentialed calls fail as network errors,
 *   and the element asks the gateway's origin probe why;
 * - a gateway on another site whose cookie the browser does not keep (third-party cookies
 *   blocked, no Partitioned): the sign-in succeeds, and the status right after it says signed out.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext } from "playwright-core";
import { launchChromium, launchChromiumBlockingThirdPartyCookies, newContext } from "../support/browser.js";
import { startTestStack, type TestStack } from "../support/gateway.js";
import { startHostPage, type HostPage } from "../support/host-page.js";
import { makeSelfSignedCertificate } from "../support/tls.js";
import { AuthElement, ensureElementBundle } from "./support.js";

describe("<openrouter-auth> on a page the gateway does not allow", () => {
  let stack: TestStack;
  let host: HostPage;
  let browser: Browser;

  before(async () => {
    await ensureElementBundle();
    host = await startHostPage({ hostname: "localhost" });
    // ALLOWED_ORIGINS names another page, not this one.
    stack = await startTestStack({ hostname: "localhost", env: { ALLOWED_ORIGINS: "http://localhost:1" } });
    host.gatewayUrl = stack.gatewayUrl;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
    await host?.close();
  });

  it("says that the page's origin is not in ALLOWED_ORIGINS, with its own error code, not that the service can't be reached", async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    // The status check fails while the page loads: listen from the start.
    await page.addInitScript(() => {
      document.addEventListener("openrouter-auth-error", (event) => {
        (window as unknown as { authErrors: unknown[] }).authErrors.push((event as CustomEvent).detail);
      });
      (window as unknown as { authErrors: unknown[] }).authErrors = [];
    });
    await page.goto(host.url);
    const message = page.locator("openrouter-auth [part=message]").filter({ hasText: "ALLOWED_ORIGINS" });
    await message.waitFor();
    const [detail] = await page.evaluate(() => (window as unknown as { authErrors: Array<{ code: string; message: string }> }).authErrors);
    assert.equal(detail?.code, "ORIGIN_NOT_ALLOWED");
    assert.equal(await message.textContent(), detail!.message);
    assert.doesNotMatch(detail!.message, /can't be reached/);
    await context.close();
  });
});

describe("<openrouter-auth> on another site, when the browser does not keep the gateway's cookie", () => {
  let stack: TestStack;
  let host: HostPage;
  let browser: { context: BrowserContext; close(): Promise<void> };

  before(async () => {
    await ensureElementBundle();
    const certificate = await makeSelfSignedCertificate();
    host = await startHostPage({ hostname: "127.0.0.1" });
    // SameSite=None without Partitioned, in a browser that blocks third-party cookies.
    stack = await startTestStack({ tls: certificate, hostname: "localhost", env: { ALLOWED_ORIGINS: host.origin, COOKIE_SAMESITE: "none" } });
    host.gatewayUrl = stack.gatewayUrl;
    browser = await launchChromiumBlockingThirdPartyCookies({ ignoreCertificateErrors: true });
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
    await host?.close();
  });

  it("warned at start-up, naming COOKIE_PARTITIONED", () => {
    const warnings = stack.gateway.logs.map((line) => JSON.parse(line) as { event?: string; variable?: string }).filter((line) => line.event === "config.warning");
    assert.deepEqual(warnings.map((warning) => warning.variable), ["COOKIE_PARTITIONED"]);
  });

  it("says the browser did not keep the sign-in cookie and names the settings, instead of showing signed in until a reload", async () => {
    const page = await browser.context.newPage();
    const element = new AuthElement(page);
    await element.load(host.url);
    const error = page.evaluate(
      () => new Promise<{ code: string; message: string }>((resolve) => document.addEventListener("openrouter-auth-error", (event) => resolve((event as CustomEvent).detail), { once: true })),
    );
    await element.submitKey(stack.stub.testKeys.valid);
    const detail = await error;
    assert.equal(detail.code, "COOKIE_NOT_KEPT");
    await element.dialogMessage.filter({ hasText: "COOKIE_PARTITIONED" }).waitFor();
    assert.equal(await element.dialogMessage.textContent(), detail.message);
    assert.match(detail.message, /COOKIE_SAMESITE=none/);
    assert.match(detail.message, /HTTPS/);
    assert.equal(await element.disconnectButton.count(), 0, "never shown as signed in");
    await page.close();
  });
});
