/**
 * What the end-to-end tests share: the element's bundle (rebuilt when a widget source is newer),
 * the whole stack behind a host page on another origin, a page object that finds the element's
 * controls the way a user (or a screen reader) does, and axe-core.
 */
import { execFile } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type Axe from "axe-core";
import type { Browser, Locator, Page } from "playwright-core";
import { ACTION_TIMEOUT_MS, launchChromium } from "../support/browser.js";
import { startTestStack, type TestStack } from "../support/gateway.js";
import { startHostPage, type HostPage } from "../support/host-page.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BUNDLE = join(ROOT, "dist", "openrouter-auth.js");
const BUILD_TIMEOUT_MS = 60_000;
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

/** The README's screenshots, tracked in git: refreshed by `UPDATE_SCREENSHOTS=1 npm run test:e2e`. */
export const README_SCREENSHOTS = join(ROOT, "docs", "screenshots");

/**
 * The gateway serves dist/openrouter-auth.js. Builds it (`scripts/build-widget.ts`) when it is
 * missing or older than any widget source, so the tests never exercise a stale element.
 */
export async function ensureElementBundle(): Promise<void> {
  const built = await stat(BUNDLE).then((s) => s.mtimeMs, () => 0);
  const sources = (await readdir(join(ROOT, "widget"), { recursive: true })).filter((file) => file.endsWith(".ts"));
  const newest = Math.max(...(await Promise.all(sources.map(async (file) => (await stat(join(ROOT, "widget", file))).mtimeMs))));
  if (built >= newest) return;
  await new Promise<void>((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", join(ROOT, "scripts", "build-widget.ts")],
      { cwd: ROOT, timeout: BUILD_TIMEOUT_MS, killSignal: "SIGKILL" },
      (error, _stdout, stderr) => (error ? reject(new Error(`building the element failed:\n${stderr}`)) : resolve()),
    );
  });
}

/** The stack for tests where the host page and the gateway share a site: both on localhost. */
export interface SameSiteStack {
  readonly stack: TestStack;
  readonly host: HostPage;
  readonly browser: Browser;
  close(): Promise<void>;
}

/**
 * A host page on http://localhost:A embedding the element from the gateway on
 * http://localhost:B (another origin, the same site), with a real Redis and the OpenRouter
 * stand-in behind it, and a headless Chromium.
 */
export async function startSameSiteStack(): Promise<SameSiteStack> {
  await ensureElementBundle();
  const host = await startHostPage({ hostname: "localhost" });
  const stack = await startTestStack({ hostname: "localhost", env: { ALLOWED_ORIGINS: host.origin } });
  host.gatewayUrl = stack.gatewayUrl;
  const browser = await launchChromium();
  return {
    stack,
    host,
    browser,
    async close() {
      await browser.close();
      await stack.close();
      await host.close();
    },
  };
}

/** `<openrouter-auth>` on a host page, found by role and name (Playwright pierces open shadow roots). */
export class AuthElement {
  readonly connectButton: Locator;
  readonly dialog: Locator;
  readonly closeButton: Locator;
  readonly apiKeyTab: Locator;
  readonly oauthTab: Locator;
  readonly keyInput: Locator;
  readonly submitButton: Locator;
  readonly oauthButton: Locator;
  readonly dialogMessage: Locator;
  readonly disconnectButton: Locator;
  readonly accountLabel: Locator;
  readonly method: Locator;
  readonly usage: Locator;
  /** The host's slotted model picker: shown only once connected. */
  readonly picker: Locator;
  readonly modelSelect: Locator;
  /** The host's `slot="signed-out"` text. */
  readonly signedOutText: Locator;

  constructor(readonly page: Page) {
    this.connectButton = page.getByRole("button", { name: "Connect to OpenRouter" });
    this.dialog = page.getByRole("dialog", { name: "Connect to OpenRouter" });
    this.closeButton = this.dialog.getByRole("button", { name: "Close" });
    this.apiKeyTab = this.dialog.getByRole("tab", { name: "API key" });
    this.oauthTab = this.dialog.getByRole("tab", { name: "Sign in with OpenRouter" });
    this.keyInput = this.dialog.getByLabel("OpenRouter API key", { exact: true });
    this.submitButton = this.dialog.getByRole("button", { name: "Connect", exact: true });
    this.oauthButton = this.dialog.getByRole("button", { name: "Sign in with OpenRouter" });
    this.dialogMessage = this.dialog.getByRole("alert");
    this.disconnectButton = page.getByRole("button", { name: "Disconnect" });
    this.accountLabel = page.locator("openrouter-auth [part=account-label]");
    this.method = page.locator("openrouter-auth [part=method]");
    this.usage = page.locator("openrouter-auth [part=usage]");
    this.picker = page.locator("#model-picker");
    this.modelSelect = page.getByLabel("Model for drafts");
    this.signedOutText = page.getByText("Connect to choose the model Inkwell drafts with.");
  }

  /** Loads the page and waits until the element knows the status (Connect or Disconnect shown). */
  async load(url: string): Promise<void> {
    await this.page.goto(url);
    await this.settled();
  }

  /** Waits until the element shows either state, not "Checking connection…". */
  async settled(): Promise<void> {
    await this.connectButton.or(this.disconnectButton).waitFor({ state: "visible" });
  }

  /** Opens the dialog, pastes the key and submits, as a user with a mouse would. */
  async submitKey(key: string): Promise<void> {
    await this.connectButton.click();
    await this.keyInput.fill(key);
    await this.submitButton.click();
  }

  /** Waits for the signed-in view with this method label ("API key" or "OpenRouter sign-in"). */
  async waitForSignedIn(method: string): Promise<void> {
    await this.disconnectButton.waitFor({ state: "visible" });
    await this.page.locator("openrouter-auth [part=method]", { hasText: method }).waitFor();
  }

  /**
   * What has the keyboard focus, followed through shadow roots: the control's `part` name (or
   * id, or tag), and a tab's name, e.g. "connect-button", "tab: API key", "key-input".
   */
  focused(): Promise<string> {
    return this.page.evaluate(() => {
      let element = document.activeElement;
      while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
      if (element === null || element === document.body) return "body";
      const name = element.getAttribute("part") ?? (element.id || element.tagName.toLowerCase());
      return element.getAttribute("role") === "tab" ? `tab: ${element.textContent?.trim()}` : name;
    });
  }

  /** Whether the page's visible text or markup (shadow roots included) or its storage holds `secret`. */
  exposes(secret: string): Promise<boolean> {
    // No named inner functions: tsx would wrap them in a `__name` helper the page lacks.
    return this.page.evaluate((secret) => {
      const texts: string[] = [document.cookie, JSON.stringify({ ...localStorage }), JSON.stringify({ ...sessionStorage })];
      const roots: Array<Document | ShadowRoot> = [document];
      for (let root = roots.pop(); root !== undefined; root = roots.pop()) {
        texts.push(root instanceof Document ? root.documentElement.outerHTML : root.innerHTML);
        for (const element of root.querySelectorAll("*")) {
          if (element instanceof HTMLInputElement) texts.push(element.value);
          if (element.shadowRoot) roots.push(element.shadowRoot);
        }
      }
      return texts.some((text) => text.includes(secret));
    }, secret);
  }
}

/** The axe-core violations of impact "serious" or "critical" on the page as it is now, one line each. */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const { axe } = window as unknown as { axe: typeof Axe };
    const { violations } = await axe.run(document, { resultTypes: ["violations"] });
    return violations
      .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
      .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} at ${violation.nodes.map((node) => JSON.stringify(node.target)).join(", ")}`);
  });
}

/** Every wait in these tests is bounded; this one for the OAuth popup to close itself. */
export const POPUP_TIMEOUT_MS = ACTION_TIMEOUT_MS;
