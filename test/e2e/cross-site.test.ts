/**
 * `<openrouter-auth>` embedded across sites, end to end (docs/contract.md §5 relay, §6 cookies): the host page
 * on http://127.0.0.1:A, the gateway on https://localhost:B with `SameSite=None; Secure;
 * Partitioned` session cookies, and a Chromium whose profile blocks third-party cookies. The
 * element's cookie then lives in a partition keyed by the host's site, and the OAuth popup, a
 * top-level window on the gateway, cannot see it: the callback relays the code to the element.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { BrowserContext, Page, Request } from "playwright-core";
import { launchChromiumBlockingThirdPartyCookies } from "../support/browser.js";
import { startTestStack, type TestStack } from "../support/gateway.js";
import { startHostPage, type HostPage } from "../support/host-page.js";
import { makeSelfSignedCertificate } from "../support/tls.js";
import { AuthElement, POPUP_TIMEOUT_MS, ensureElementBundle } from "./support.js";

const SESSION_COOKIE = "__Host-openrouter-auth.sid";
/** An ordinary (unpartitioned) cookie the gateway's site sets as a first party. */
const PROBE_COOKIE = "third-party-probe";

describe("<openrouter-auth> across sites, with third-party cookies blocked", () => {
  let stack: TestStack;
  let host: HostPage;
  let browser: { context: BrowserContext; close(): Promise<void> };

  before(async () => {
    await ensureElementBundle();
    const certificate = await makeSelfSignedCertificate();
    host = await startHostPage({ hostname: "127.0.0.1" });
    stack = await startTestStack({
      tls: certificate,
      hostname: "localhost",
      env: { ALLOWED_ORIGINS: host.origin, COOKIE_SAMESITE: "none", COOKIE_PARTITIONED: "true" },
    });
    host.gatewayUrl = stack.gatewayUrl;
    browser = await launchChromiumBlockingThirdPartyCookies({ ignoreCertificateErrors: true });
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
    await host?.close();
  });

  /** A top-level window on the gateway's own origin: where the OAuth popup lands. */
  async function gatewayWindow(): Promise<Page> {
    const page = await browser.context.newPage();
    await page.goto(`${stack.gatewayUrl}/healthz`);
    return page;
  }

  /** The `Cookie` header a request carried, as Chromium sent it (read below the interception layer). */
  async function cookiesSent(request: Request): Promise<string> {
    return (await request.allHeaders()).cookie ?? "";
  }

  it("signs in with an API key on a partitioned cookie, which a window on the gateway itself does not share", async () => {
    // The gateway's site, visited first-hand, sets an ordinary cookie: with third-party cookies
    // blocked, the element's requests from the host's site must arrive without it.
    const gateway = await gatewayWindow();
    await gateway.evaluate((name) => {
      document.cookie = `${name}=1; Secure; SameSite=None; Path=/`;
    }, PROBE_COOKIE);

    const page = await browser.context.newPage();
    const element = new AuthElement(page);
    await element.load(host.url);
    await element.submitKey(stack.stub.testKeys.valid);
    await element.waitForSignedIn("API key");

    const statusCheck = page.waitForRequest((request) => request.url() === `${stack.gatewayUrl}/graphql` && request.postData()?.includes("status") === true);
    await page.reload();
    const sent = await cookiesSent(await statusCheck);
    await element.waitForSignedIn("API key");
    assert.match(sent, new RegExp(`(^|; )${SESSION_COOKIE}=`), "the element's requests carry its session cookie");
    assert.doesNotMatch(sent, new RegExp(PROBE_COOKIE), "third-party cookies are blocked: the unpartitioned cookie stays behind");

    const [session] = (await browser.context.cookies(stack.gatewayUrl)).filter((cookie) => cookie.name === SESSION_COOKIE);
    assert.ok(session, "the session cookie exists");
    assert.equal(session.partitionKey, host.origin.replace(/:\d+$/, ""), "partitioned under the host's site");
    assert.equal(session.sameSite, "None");
    assert.equal(session.secure, true);
    assert.equal(session.httpOnly, true);

    const seenFromGateway = await gateway.evaluate(async () => (await fetch("/api/v1/openrouter/auth/status")).json());
    assert.deepEqual(
      { authenticated: (seenFromGateway as { authenticated: boolean }).authenticated },
      { authenticated: false },
      "a top-level window on the gateway, like the OAuth popup, does not see the element's session",
    );
    await gateway.close();
    await page.close();
  });

  it("signs in with OpenRouter through the relay: the popup posts the code to the host, and the element completes the sign-in in its own session", async () => {
    await browser.context.clearCookies();
    stack.stub.clearRequests();
    const page = await browser.context.newPage();
    const element = new AuthElement(page);
    const completions: Request[] = [];
    page.on("request", (request) => {
      if (request.url() === `${stack.gatewayUrl}/graphql` && request.postData()?.includes("completeOAuth")) completions.push(request);
    });
    await element.load(host.url);
    await element.connectButton.click();
    await element.oauthTab.click();

    const popupOpened = page.waitForEvent("popup");
    await element.oauthButton.click();
    const popup = await popupOpened;
    const popupClosed = popup.waitForEvent("close", { timeout: POPUP_TIMEOUT_MS });
    // The headers are asked for the moment the request starts: the callback page closes its
    // window as soon as it has posted, and a closed page can no longer be asked.
    const callbackCookies = popup
      .waitForRequest((request) => request.url().startsWith(`${stack.gatewayUrl}/api/v1/openrouter/auth/oauth/callback?`))
      .then(cookiesSent);
    await popup.getByRole("button", { name: "Authorize" }).click();
    await popupClosed;

    await element.waitForSignedIn("OpenRouter sign-in");
    assert.doesNotMatch(await callbackCookies, new RegExp(SESSION_COOKIE), "the popup reached the callback without the element's session cookie");
    assert.equal(completions.length, 1, "the element called completeOAuth with the relayed code and state");
    const completed = (await (await completions[0]!.response())!.json()) as { data?: { completeOAuth?: { method?: string } } };
    assert.equal(completed.data?.completeOAuth?.method, "OAUTH");
    assert.equal(stack.stub.requests.filter((request) => request.path === "/api/v1/auth/keys").length, 1, "one code exchange");
    await page.close();
  });
});
