/**
 * A host page with helmet's defaults, `Cross-Origin-Opener-Policy: same-origin` among them, on
 * another origin than the gateway: the OAuth popup loses its opener as soon as it leaves the
 * host's origin, and the sign-in must still complete, through the gateway's relay frame, with the
 * popup closing itself or saying, in the page's language, that it can be closed. It never shows
 * the host's app.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import express from "express";
import helmet from "helmet";
import type { Browser, Page } from "playwright-core";
import { launchChromium, newContext } from "../support/browser.js";
import { createOpenRouterAuth, type OpenRouterAuthRouter } from "../../gateway/index.js";
import { createLogger } from "../../gateway/logging/logger.js";
import { startTestStack, TEST_SECRETS, type TestStack } from "../support/gateway.js";
import { ensureElementBundle, POPUP_TIMEOUT_MS } from "./support.js";

/** What the element and the popup say, by the page's language. */
const WORDS = {
  en: { connect: "Connect to OpenRouter", tab: "Sign in with OpenRouter", signedIn: "OpenRouter sign-in", done: "Connected to OpenRouter. You can close this window." },
  de: { connect: "Mit OpenRouter verbinden", tab: "Mit OpenRouter anmelden", signedIn: "OpenRouter-Anmeldung", done: "Mit OpenRouter verbunden. Sie können dieses Fenster schließen." },
} as const;

describe("a host page sending Cross-Origin-Opener-Policy: same-origin (helmet's defaults)", () => {
  let stack: TestStack;
  let server: Server;
  let browser: Browser;
  let hostUrl: string;
  /** A second host: its own Express app with helmet's defaults untouched and the router mounted in it. */
  let mountedServer: Server;
  let mountedRouter: OpenRouterAuthRouter;
  let mountedUrl: string;

  before(async () => {
    await ensureElementBundle();
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    hostUrl = `http://localhost:${(server.address() as AddressInfo).port}`;
    stack = await startTestStack({ hostname: "localhost", env: { ALLOWED_ORIGINS: hostUrl } });
    const gateway = stack.gatewayUrl;
    const app = express();
    // helmet's defaults, with the gateway let in where a page embedding it must let it in.
    app.use(helmet({ contentSecurityPolicy: { directives: { "script-src": ["'self'", gateway], "connect-src": ["'self'", gateway], "frame-src": [gateway] } } }));
    app.get("/", (req, res) => {
      const lang = req.query.lang === "de" ? "de" : "en";
      res.type("html").send(`<!doctype html>
<html lang="${lang}">
<head><meta charset="utf-8"><title>Strict host</title><script type="module" src="${gateway}/openrouter-auth.js"></script></head>
<body><main><h1 id="host-app">The host's app</h1><openrouter-auth endpoint="${gateway}/graphql"><p id="gated">Gated content</p></openrouter-auth></main></body>
</html>`);
    });
    server.on("request", app);

    mountedRouter = createOpenRouterAuth({ env: { ...TEST_SECRETS, ...stack.env, ALLOWED_ORIGINS: "" }, logger: createLogger("silent") });
    await mountedRouter.whenConnected();
    const mounted = express();
    mounted.use(helmet());
    mounted.use("/auth", mountedRouter);
    mounted.get("/", (_req, res) => {
      res.type("html").send(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Strict host, router mounted</title><script type="module" src="/auth/openrouter-auth.js"></script></head>
<body><main><h1 id="host-app">The host's app</h1><openrouter-auth endpoint="/auth/graphql"><p id="gated">Gated content</p></openrouter-auth></main></body>
</html>`);
    });
    mountedServer = createServer(mounted);
    await new Promise<void>((resolve) => mountedServer.listen(0, "127.0.0.1", resolve));
    mountedUrl = `http://localhost:${(mountedServer.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    mountedServer?.closeAllConnections();
    await new Promise<void>((resolve) => (mountedServer ? mountedServer.close(() => resolve()) : resolve()));
    await mountedRouter?.close();
    await stack?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  /**
   * Signs in by popup on the host page in `lang`, with the popup's `window.close()` working or
   * refused (as a browser may refuse it to a window that lost its opener). Answers the popup's last
   * words, or null when it closed itself.
   */
  async function signInByPopup(page: Page, lang: keyof typeof WORDS, options: { closeRefused?: boolean; url?: string } = {}): Promise<string | null> {
    const words = WORDS[lang];
    const response = await page.goto(options.url ?? `${hostUrl}/?lang=${lang}`);
    assert.equal(response?.headers()["cross-origin-opener-policy"], "same-origin");
    await page.getByRole("button", { name: words.connect }).click();
    await page.getByRole("tab", { name: words.tab }).click();
    const popupOpened = page.waitForEvent("popup");
    const signInButton = page.getByRole("dialog").getByRole("button", { name: words.tab });
    await signInButton.click();
    const popup = await popupOpened;
    if (options.closeRefused) await popup.addInitScript(() => (window.close = () => undefined));
    const authorize = popup.getByRole("button", { name: "Authorize" });
    await authorize.waitFor();
    // Cut off by the host's COOP, the popup reads as closed to the element, which stops waiting
    // (its button is back) while the user is still on OpenRouter's page.
    await signInButton.waitFor({ timeout: POPUP_TIMEOUT_MS });
    await authorize.click();
    // Signed in all the same: the relay frame brought the result. The element shows the method and the gated content.
    await page.locator("openrouter-auth [part=method]", { hasText: words.signedIn }).waitFor({ timeout: POPUP_TIMEOUT_MS });
    await page.locator("#gated").waitFor({ state: "visible" });
    // The popup closes itself or says it can be closed; never the host's app.
    const said = popup.getByText(words.done);
    await Promise.race([popup.waitForEvent("close", { timeout: POPUP_TIMEOUT_MS }), said.waitFor({ timeout: POPUP_TIMEOUT_MS })]).catch(() => undefined);
    if (popup.isClosed()) return null;
    assert.equal(await popup.locator("#host-app").count(), 0, "the popup shows the host's app");
    assert.ok(popup.url().startsWith(options.url === undefined ? stack.gatewayUrl : `${mountedUrl}/auth/`), `the popup is at ${popup.url()}`);
    if (!(await said.isVisible())) return popup.locator("body").innerText();
    assert.equal(await popup.locator("main").getAttribute("lang"), lang, "the words are marked with their language");
    return words.done;
  }

  it("completes an OAuth sign-in by popup: the element shows signed in and the popup closes itself or says it can be closed", async () => {
    const context = await newContext(browser);
    try {
      const said = await signInByPopup(await context.newPage(), "en");
      assert.ok(said === null || said === WORDS.en.done, `the popup says: ${said}`);
    } finally {
      await context.close();
    }
  });

  it("has a popup that may not close itself say, in the page's language, that it can be closed", async () => {
    const context = await newContext(browser);
    try {
      assert.equal(await signInByPopup(await context.newPage(), "de", { closeRefused: true }), WORDS.de.done);
    } finally {
      await context.close();
    }
  });

  it("completes it too in a host app with helmet's defaults untouched and the router mounted in it, on any port, without OPENROUTER_REDIRECT_URI", async () => {
    const context = await newContext(browser);
    try {
      const said = await signInByPopup(await context.newPage(), "en", { url: `${mountedUrl}/`, closeRefused: true });
      assert.equal(said, WORDS.en.done);
    } finally {
      await context.close();
    }
  });
});
