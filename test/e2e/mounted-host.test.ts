/**
 * A host's own Express app on a port of its own, with the gateway's router mounted below a path
 * and no OPENROUTER_REDIRECT_URI (development): the OAuth callback is built from the origin and
 * mount path the sign-in came in on, so OpenRouter sends the popup back to this very app.
 */
import assert from "node:assert/strict";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import express from "express";
import type { Browser } from "playwright-core";
import { startOpenRouterStub, type OpenRouterStub } from "../../dev/openrouter-stub.js";
import { createOpenRouterAuth, type OpenRouterAuthRouter } from "../../gateway/index.js";
import { createLogger } from "../../gateway/logging/logger.js";
import { launchChromium, newContext } from "../support/browser.js";
import { TEST_SECRETS } from "../support/gateway.js";
import { startRedisServer, type RedisServerHandle } from "../support/redis-server.js";
import { AuthElement, ensureElementBundle, POPUP_TIMEOUT_MS } from "./support.js";

const MOUNT = "/account/openrouter";

describe("a host app with the router mounted below a path, on a port of its own, without OPENROUTER_REDIRECT_URI", () => {
  let redis: RedisServerHandle;
  let stub: OpenRouterStub;
  let router: OpenRouterAuthRouter;
  let server: Server;
  let browser: Browser;
  let url: string;

  before(async () => {
    await ensureElementBundle();
    redis = await startRedisServer();
    stub = await startOpenRouterStub();
    // Development settings as a host writes them: no redirect URI, no ALLOWED_ORIGINS (the page
    // and the router share the app's origin).
    router = createOpenRouterAuth({
      env: { ...TEST_SECRETS, REDIS_URL: redis.url, OPENROUTER_API_BASE: stub.apiBase, OPENROUTER_AUTH_URL: stub.authUrl },
      logger: createLogger("silent"),
    });
    await router.whenConnected();
    const app = express();
    app.use(MOUNT, router);
    app.get("/", (_req, res) => {
      res.type("html").send(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Host app</title><script type="module" src="${MOUNT}/openrouter-auth.js"></script></head>
<body><main><openrouter-auth endpoint="${MOUNT}/graphql"><p>Your drafts, written with your model.</p></openrouter-auth></main></body>
</html>`);
    });
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://localhost:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await router?.close();
    await stub?.close();
    await redis?.close();
  });

  it("completes the OAuth round trip: OpenRouter sends the popup back to the app's own origin and mount path", async () => {
    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      const element = new AuthElement(page);
      await element.load(`${url}/`);
      await element.connectButton.click();
      await element.oauthTab.click();
      const popupOpened = page.waitForEvent("popup");
      await element.oauthButton.click();
      const popup = await popupOpened;
      const popupClosed = popup.waitForEvent("close", { timeout: POPUP_TIMEOUT_MS });
      const authorize = popup.getByRole("button", { name: "Authorize" });
      await authorize.waitFor();
      const callback = new URL(popup.url()).searchParams.get("callback_url")!;
      assert.ok(callback.startsWith(`${url}${MOUNT}/api/v1/openrouter/auth/oauth/callback?state=`), `callback_url is ${callback}`);
      await authorize.click();
      await popupClosed;
      await element.waitForSignedIn("OpenRouter sign-in");
      await page.getByText("Your drafts, written with your model.").waitFor();
    } finally {
      await context.close();
    }
  });

  it("never lets a Host header alone choose the callback: a request naming another host gets the default one", async () => {
    const { port } = server.address() as AddressInfo;
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        { host: "127.0.0.1", port, method: "POST", path: `${MOUNT}/api/v1/openrouter/auth/oauth/initiate`, headers: { host: "attacker.example", "content-type": "application/json" }, timeout: 10_000 },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (text += chunk));
          res.on("end", () => resolve(text));
        },
      );
      req.on("error", reject);
      req.on("timeout", () => req.destroy(new Error("no answer")));
      req.end("{}");
    });
    const callback = new URL(JSON.parse(body).auth_url).searchParams.get("callback_url")!;
    assert.ok(callback.startsWith("http://localhost:8080/api/v1/openrouter/auth/oauth/callback?state="), `callback_url is ${callback}`);
  });
});
