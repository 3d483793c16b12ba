/**
 * What the element tests share: the real test stack's address and keys (written into the page by
 * web-test-runner.config.mjs), and helpers that drive the gateway or the element as a user would.
 */
import { fixture, html, oneEvent, waitUntil } from "@open-wc/testing";
import "../../widget/define.js";
import type { OpenRouterAuth, OpenRouterAuthChangeEvent } from "../../widget/index.js";

interface TestStackInfo {
  gatewayUrl: string;
  keys: { valid: string; unlimited: string; disabled: string };
}

declare global {
  interface Window {
    __OPENROUTER_AUTH_TEST__?: TestStackInfo;
  }
}

const info = window.__OPENROUTER_AUTH_TEST__;
if (!info?.gatewayUrl) throw new Error("The test stack did not start: see web-test-runner.config.mjs");

export const gatewayUrl = info.gatewayUrl;
export const endpoint = `${gatewayUrl}/graphql`;
export const keys = info.keys;

/** One GraphQL call to the gateway with the page's cookies, as the demo page makes it. */
export async function gql<T = unknown>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(endpoint, {
    method: "POST",
    credentials: "include",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as T;
}

/** Signs the page's session out, so every test starts signed out. */
export async function signOut(): Promise<void> {
  await gql("mutation { logout { authenticated } }");
}

/** Signs the page's session in behind the element's back (another tab would do the same). */
export async function signInDirectly(apiKey = keys.valid): Promise<void> {
  await gql("mutation ($apiKey: String!) { validateKey(apiKey: $apiKey) { valid } }", { apiKey });
}

/** Renders `<openrouter-auth>` against the test gateway, with a slotted picker and signed-out text. */
export async function renderElement(attributes: { methods?: string; refreshInterval?: number } = {}): Promise<OpenRouterAuth> {
  return fixture<OpenRouterAuth>(html`
    <openrouter-auth
      endpoint=${endpoint}
      methods=${attributes.methods ?? "api-key oauth"}
      refresh-interval=${attributes.refreshInterval ?? 0}
    >
      <div id="picker">Model picker</div>
      <p slot="signed-out">Connect OpenRouter to choose a model.</p>
    </openrouter-auth>
  `);
}

/** The element's shadow DOM, which the tests read. */
export const shadow = (el: OpenRouterAuth): ShadowRoot => el.shadowRoot!;
export const part = <T extends Element = HTMLElement>(el: OpenRouterAuth, name: string): T | null =>
  shadow(el).querySelector<T>(`[part~="${name}"]`);

/** Waits, with a bound, until the first status check has answered. */
export async function settled(el: OpenRouterAuth): Promise<void> {
  await waitUntil(() => !part(el, "status"), "the status check did not finish", { timeout: 5000 });
  await el.updateComplete;
}

/** Puts a value in the key field the way typing or pasting does. */
export async function enterKey(el: OpenRouterAuth, value: string): Promise<HTMLInputElement> {
  const input = part<HTMLInputElement>(el, "key-input")!;
  input.value = value;
  input.dispatchEvent(new InputEvent("input", { bubbles: true, composed: true, inputType: "insertFromPaste" }));
  await el.updateComplete;
  return input;
}

/** Opens the dialog from the Connect button and submits `key` through the API key tab. */
export async function submitKey(el: OpenRouterAuth, key: string): Promise<void> {
  part(el, "connect-button")!.click();
  await el.updateComplete;
  await enterKey(el, key);
  part(el, "submit-button")!.click();
  await el.updateComplete;
}

/**
 * An element that offers OpenRouter's sign-in only, with its dialog open and "Sign in with
 * OpenRouter" clicked: the popup is open and waits for the test's `oauth-popup` command.
 * `change` is the element's next change event.
 */
export async function startOAuthSignIn(): Promise<{ el: OpenRouterAuth; change: Promise<OpenRouterAuthChangeEvent> }> {
  const el = await renderElement({ methods: "oauth" });
  await settled(el);
  el.openDialog();
  await el.updateComplete;
  const change = oneEvent(el, "openrouter-auth-change") as Promise<OpenRouterAuthChangeEvent>;
  part(el, "oauth-button")!.click();
  return { el, change };
}

/** Signs in with `key` through the dialog, as a user would, and waits until the element shows it. */
export async function signInThroughDialog(el: OpenRouterAuth, key: string): Promise<void> {
  await submitKey(el, key);
  await waitUntil(() => el.authenticated, "never signed in", { timeout: 5000 });
  await el.updateComplete;
}

/** Whether `el` matches a custom state, in either the standard or the pre-Chromium-125 spelling. */
export function hasState(el: Element, name: string): boolean {
  try {
    return el.matches(`:state(${name})`);
  } catch {
    return el.matches(`:--${name}`);
  }
}
