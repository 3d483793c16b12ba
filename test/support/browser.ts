/**
 * The system Chromium, driven by playwright-core, for end-to-end tests. Nothing is downloaded:
 * the browser is /usr/bin/chromium, headless, with background networking off, so the only traffic
 * is to the test's own servers on 127.0.0.1 / localhost.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext } from "playwright-core";

export const CHROMIUM_PATH = "/usr/bin/chromium";

/** What the README screenshots are taken at. */
export const VIEWPORT = { width: 900, height: 640 } as const;

/** Every wait in a test is bounded by this unless it says otherwise. */
export const ACTION_TIMEOUT_MS = 10_000;

const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const LAUNCH_TIMEOUT_MS = 30_000;

export interface ChromiumOptions {
  /** Accept the test's self-signed certificate (`--ignore-certificate-errors`). */
  readonly ignoreCertificateErrors?: boolean;
}

function args(options: ChromiumOptions): string[] {
  return options.ignoreCertificateErrors ? [...ARGS, "--ignore-certificate-errors"] : ARGS;
}

/** A headless Chromium; tests open one context per test, so cookies never leak between them. */
export function launchChromium(options: ChromiumOptions = {}): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: args(options), timeout: LAUNCH_TIMEOUT_MS });
}

/** A fresh context at the screenshot viewport with the tests' default timeouts. */
export async function newContext(browser: Browser, options: ChromiumOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: VIEWPORT, ignoreHTTPSErrors: options.ignoreCertificateErrors ?? false });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
  return context;
}

/**
 * Chromium started on a profile whose cookie setting is "Block third-party cookies", as a user
 * picks it in chrome://settings/cookies: the `profile.cookie_controls_mode` preference
 * (`prefs::kCookieControlsMode`, registered in components/content_settings/core/browser/
 * cookie_settings.cc) set to 1, `CookieControlsMode::kBlockThirdParty`, before launch.
 *
 * Why a preference and not a switch: `--test-third-party-cookie-phaseout` does nothing any more
 * in Chromium 156 (with it, on a profile set to allow them, third-party cookies still flow), and
 * Debian's build happens to default to blocking already; setting the preference makes the test
 * say what it relies on instead of leaning on a distribution's default.
 */
export async function launchChromiumBlockingThirdPartyCookies(
  options: ChromiumOptions = {},
): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = await mkdtemp(join(tmpdir(), "openrouter-auth-chromium-"));
  await mkdir(join(profile, "Default"));
  await writeFile(join(profile, "Default", "Preferences"), JSON.stringify({ profile: { cookie_controls_mode: 1 } }));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: args(options),
    timeout: LAUNCH_TIMEOUT_MS,
    viewport: VIEWPORT,
    ignoreHTTPSErrors: options.ignoreCertificateErrors ?? false,
  });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
