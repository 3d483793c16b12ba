/**
 * The shipped bundle (`dist/openrouter-auth.js`, minified twice, its private names mangled) shows
 * the proxy's spend budget: the Chromium tests in test/widget/ run the element's sources, this one
 * the file a page loads from the gateway.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { ensureElementBundle } from "../../e2e/support.js";
import { ACTION_TIMEOUT_MS, launchChromium, newContext } from "../../support/browser.js";
import { startTestStack, type TestStack } from "../../support/gateway.js";
import { proxyFetch, signedIn } from "../../support/proxy.js";
import { waitFor } from "../../support/wait-for.js";

const COOKIE = "openrouter-auth.sid";

describe("the element's bundle shows the proxy's spend budget, in the page's language", () => {
  let stack: TestStack;
  let page: Server;
  let pageOrigin: string;
  let browser: Browser;

  before(async () => {
    await ensureElementBundle();
    page = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(`<!doctype html><html lang="de"><title>Budget</title>
<script type="module" src="${stack.gatewayUrl}/openrouter-auth.js"></script>
<openrouter-auth endpoint="${stack.gatewayUrl}/graphql"><p>Verbunden</p></openrouter-auth></html>`);
    });
    await new Promise<void>((resolve) => page.listen(0, "127.0.0.1", resolve));
    pageOrigin = `http://localhost:${(page.address() as AddressInfo).port}`;
    stack = await startTestStack({ hostname: "localhost", env: { ALLOWED_ORIGINS: pageOrigin, PROXY_SPEND_LIMIT: "5" } });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
    page?.closeAllConnections();
    await new Promise((resolve) => page?.close(resolve));
  });

  it("shows what the account spent through the proxy, from any of its sessions, with the limit, beside the key's own", async () => {
    const { key } = stack.stub.addAccount({ limit: 20, usage: 2 });
    // Another session of the same account spends: 1,500 words at GPT-4o's prices, about two cents.
    const elsewhere = await signedIn(stack.gatewayUrl, key);
    const response = await proxyFetch(stack.gatewayUrl, elsewhere, "/chat/completions", {
      body: { model: "openai/gpt-4o", messages: [{ role: "user", content: Array(1500).fill("word").join(" ") }] },
    });
    assert.equal(response.status, 200);
    const { usage } = (await response.json()) as { usage: { cost: number } };
    await waitFor(async () => {
      const { body } = await elsewhere.graphql("{ proxyBudget { spent } }");
      return (body as { data: { proxyBudget: { spent: number } } }).data.proxyBudget.spent > 0;
    });

    const context = await newContext(browser);
    try {
      const browserSession = await signedIn(stack.gatewayUrl, key);
      const value = browserSession.cookieHeader().slice(`${COOKIE}=`.length);
      await context.addCookies([{ name: COOKIE, value, domain: "localhost", path: "/", httpOnly: true, sameSite: "Lax" }]);
      const tab = await context.newPage();
      await tab.goto(`${pageOrigin}/`);
      // Money as the browser writes it in German.
      const [spent, limit, used, keyLimit] = await tab.evaluate(
        (amounts) => amounts.map((amount) => new Intl.NumberFormat("de", { style: "currency", currency: "USD" }).format(amount)),
        [usage.cost, 5, 2, 20],
      );
      assert.notEqual(spent, "0,00 $");
      const budget = tab.locator("openrouter-auth [part=budget]");
      await budget.waitFor({ timeout: ACTION_TIMEOUT_MS });
      assert.equal(await budget.textContent(), `${spent} von ${limit} hier ausgegeben`);
      assert.equal(await tab.locator("openrouter-auth [part=usage]").textContent(), `${used} verbraucht / ${keyLimit}`);
    } finally {
      await context.close();
    }
  });
});
