/**
 * Element tests (`npm run test:widget`): test/widget/*.test.ts in the system Chromium, against the
 * real gateway, a real Redis and the OpenRouter stand-in, all started by the plugin below. Nothing
 * the element talks to is mocked.
 *
 * The tests reach the stack through `window.__OPENROUTER_AUTH_TEST__` (written by testRunnerHtml:
 * the gateway's URL and the stand-in's keys) and through server commands: `oauth-popup` clicks
 * "Authorize" in the OAuth popup or closes it, as a user would; `add-account` adds an account to
 * the stand-in; `gzip-size` weighs a file the gateway serves; `budget-gateway` answers the URL of a
 * second gateway on the same stack that sets a proxy spend budget.
 */
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { esbuildPlugin } from "@web/dev-server-esbuild";
import { chromeLauncher } from "@web/test-runner-chrome";

const HOST = "127.0.0.1";
const HARNESS = fileURLToPath(new URL("./test/support/gateway.ts", import.meta.url));
/** @type {{ gatewayUrl: string, stub: any, env: Record<string, string>, close(): Promise<void> } | undefined} */
let stack;
/** The harness module, loaded once (its secrets are shared by every gateway it starts). */
let harness;
/** @type {Promise<{ url: string, close(): Promise<void> }> | undefined} */
let budgetGateway;

/** @returns {import("@web/test-runner").TestRunnerPlugin} */
function testStack() {
  return {
    name: "openrouter-auth-test-stack",
    async serverStart({ config }) {
      // The harness is TypeScript; tsx loads it (and the gateway behind it) in this process.
      const { tsImport } = await import("tsx/esm/api");
      harness = await tsImport(HARNESS, import.meta.url);
      const { startTestStack } = harness;
      // Same host as the test page, so the session cookie is first-party (same site; ports do not
      // count), and the page's origin is allowed for CORS with credentials and postMessage.
      stack = await startTestStack({ env: { ALLOWED_ORIGINS: `http://${HOST}:${config.port}` } });
    },
    async serverStop() {
      await (await budgetGateway?.catch(() => undefined))?.close();
      await stack?.close();
    },
    async executeCommand({ command, payload, session }) {
      if (command === "add-account") {
        // A new account at the stand-in, with the values a test sets (limit, usage, expiresAt, …):
        // answers its key. The shared test keys stay as other test files expect them.
        return stack.stub.addAccount(payload ?? {}).key;
      }
      if (command === "gzip-size") {
        // The size of a file the gateway serves, compressed as the bundle's budget counts it (gzip -9).
        const response = await fetch(new URL(payload.path, stack.gatewayUrl));
        if (!response.ok) throw new Error(`${payload.path}: HTTP ${response.status}`);
        return gzipSync(Buffer.from(await response.arrayBuffer()), { level: 9 }).length;
      }
      if (command === "budget-gateway") {
        // The same Redis, stand-in and secrets (a session signed in on one gateway is signed in on
        // the other), with PROXY_SPEND_LIMIT set: started once, on first use.
        budgetGateway ??= harness.startGateway({ ...stack.env, PROXY_SPEND_LIMIT: "5" });
        return (await budgetGateway).url;
      }
      if (command !== "oauth-popup") return undefined;
      // The OAuth popup is a real window at the stand-in's consent page: find it, then act as the
      // user would (payload.action "approve": click Authorize; "close": close the window).
      const page = session.browser.getPage(session.id);
      const target = await page
        .browser()
        .waitForTarget((t) => t.opener() === page.target() && t.url().startsWith(stack.stub.authUrl), { timeout: 10_000 });
      const popup = await target.page();
      if (payload?.action === "close") {
        await popup.close();
        return true;
      }
      if (payload?.partitioned) {
        // What third-party cookie blocking or partitioning does to the popup: the gateway's
        // callback arrives without the element's session cookie (the relay case of the OAuth flow).
        // Chromium adds cookies below the interception layer, so the callback is fetched here,
        // from the real gateway without them, and its answer handed to the popup unchanged.
        await popup.setRequestInterception(true);
        popup.on("request", async (request) => {
          if (!new URL(request.url()).pathname.endsWith("/oauth/callback")) return void request.continue();
          const response = await fetch(request.url(), { redirect: "manual" });
          const headers = Object.fromEntries([...response.headers].filter(([name]) => !/^content-(encoding|length)$/.test(name)));
          void request.respond({ status: response.status, headers, body: Buffer.from(await response.arrayBuffer()) });
        });
      }
      await popup.waitForSelector("button[type=submit]", { timeout: 10_000 });
      await popup.click("button[type=submit]");
      return true;
    },
  };
}

/** @type {import("@web/test-runner").TestRunnerConfig} */
export default {
  files: ["test/widget/*.test.ts"],
  hostname: HOST,
  nodeResolve: true,
  // One test file at a time: the OAuth tests drive real popup windows, and two files' popups at
  // once on a loaded machine made the popup-finding steps race.
  concurrency: 1,
  testsFinishTimeout: 180_000,
  testFramework: { config: { timeout: 15_000 } },
  // The tests load Lit's development build on purpose (its warnings surface in the logs); its
  // one-line banner about that is noise.
  filterBrowserLogs: ({ args }) => !String(args[0]).includes("Lit is in dev mode"),
  plugins: [
    esbuildPlugin({ ts: true, target: "auto", tsconfig: fileURLToPath(new URL("./tsconfig.json", import.meta.url)) }),
    testStack(),
  ],
  testRunnerHtml: (testFramework) => `<!doctype html>
<html lang="en">
  <head><title>openrouter-auth element tests</title></head>
  <body>
    <script>
      window.__OPENROUTER_AUTH_TEST__ = ${JSON.stringify({
        gatewayUrl: stack?.gatewayUrl,
        keys: { valid: stack?.stub.testKeys.valid, unlimited: stack?.stub.testKeys.unlimited, disabled: stack?.stub.testKeys.disabled },
      })};
    </script>
    <script type="module" src="${testFramework}"></script>
  </body>
</html>`,
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: "/usr/bin/chromium",
        args: [
          "--headless=new",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--no-first-run",
          "--disable-sync",
        ],
      },
      // A browser context per page: test files running side by side keep their cookies apart.
      createPage: async ({ browser }) => (await browser.createBrowserContext()).newPage(),
    }),
  ],
};
