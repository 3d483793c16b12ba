/**
 * The popup half of the OAuth flow, after the window opened: the callback page's messages, and a
 * bounded status poll for when those messages cannot arrive. Only a user who signs in with
 * OpenRouter needs it, so the bundle loads it on demand (from beside itself, like the languages)
 * while the popup opens; it imports nothing at run time, so it stays one file of its own.
 */

import type { OpenRouterAuthErrorCode } from "./error-codes.js";

/** How a popup sign-in ended. */
export type PopupOutcome =
  /** The callback page completed the sign-in in the popup's session (`{ok:true}`). */
  | { type: "ok" }
  /** The callback page reports a failure with one of the gateway's error codes (`{ok:false,error}`). */
  | { type: "error"; code: OpenRouterAuthErrorCode }
  /** The popup's session did not hold the state; the element must complete with its own (`{code,state}`). */
  | { type: "relay"; code: string; state: string }
  /** The status poll saw the session signed in. */
  | { type: "signed-in" }
  /** The user closed the popup and the last status check saw no sign-in. */
  | { type: "closed" }
  /** The poll ran out of time. */
  | { type: "timeout" };

export interface PopupWatchOptions {
  /** The window `openPopup` returned: the only window whose messages are believed. */
  popup: Window;
  /** The gateway's origin: a message must come from it too (the popup may have navigated elsewhere). */
  origin: string;
  /** The state `initiateOAuth` returned: a message for any other state is ignored. */
  state: string;
  /** One status check; resolves true when the session is signed in. */
  check: () => Promise<boolean>;
  /** Aborting stops the watch; the promise then never settles. */
  signal: AbortSignal;
  /** Milliseconds between status checks (2 s). */
  interval?: number;
  /** Milliseconds after which the watch gives up (5 min, half the server's 10-minute state lifetime). */
  timeout?: number;
}

/**
 * Waits for the popup's outcome: the callback page's `postMessage`, or failing that a status poll.
 *
 * The poll exists because the link to the opener can be cut: a page in the popup that sends
 * `Cross-Origin-Opener-Policy: same-origin` puts the popup in another browsing context group, so
 * the callback page has no `window.opener` to post to
 * (https://html.spec.whatwg.org/multipage/browsers.html#cross-origin-opener-policies). The session
 * cookie is still shared, so the status query sees the sign-in. The same cut makes `popup.closed`
 * read true early; the element therefore also re-checks once when its page regains focus.
 */
export function watchPopup(options: PopupWatchOptions): Promise<PopupOutcome> {
  const { popup, origin, state, check, signal, interval = 2000, timeout = 300_000 } = options;
  const deadline = Date.now() + timeout;
  return new Promise((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let done = false;
    const finish = (outcome?: PopupOutcome) => {
      done = true;
      clearTimeout(timer);
      removeEventListener("message", onMessage);
      signal.removeEventListener("abort", onAbort);
      if (outcome && !signal.aborted) resolve(outcome);
    };
    const onAbort = () => finish();
    const onMessage = (event: MessageEvent) => {
      const data: unknown = event.data;
      // Any window can post to this one, and other pages of the gateway's origin can too: only the
      // popup this watch opened, while it shows the gateway, speaks for this sign-in.
      if (event.source !== popup || event.origin !== origin || !data || typeof data !== "object") return;
      const m = data as { type?: unknown; ok?: unknown; error?: unknown; code?: unknown; state?: unknown };
      // The callback page names the state in a relay; a message naming another one is not ours.
      if (m.type !== "openrouter-auth" || (m.state !== undefined && m.state !== state)) return;
      if (m.ok === true) finish({ type: "ok" });
      else if (m.ok === false) finish({ type: "error", code: typeof m.error === "string" ? (m.error as OpenRouterAuthErrorCode) : "OAUTH_EXCHANGE_FAILED" });
      else if (typeof m.code === "string" && m.state === state) finish({ type: "relay", code: m.code, state });
    };
    const tick = async () => {
      // Read `closed` before the check, so that the check after the user closed the popup is the
      // last one: a sign-in that finished just before the close is still seen.
      const closed = popup.closed;
      const signedIn = await check().catch(() => false);
      if (done) return;
      if (signedIn) finish({ type: "signed-in" });
      else if (closed) finish({ type: "closed" });
      else if (Date.now() >= deadline) finish({ type: "timeout" });
      else timer = setTimeout(tick, interval);
    };
    addEventListener("message", onMessage);
    signal.addEventListener("abort", onAbort);
    timer = setTimeout(tick, interval);
  });
}
