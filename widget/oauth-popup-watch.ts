/**
 * The popup half of the OAuth flow, after the window opened: the callback page's messages, the
 * gateway's relay frame for when the popup has lost its opener, and a bounded status poll. Only a
 * user who signs in with OpenRouter needs it, so the bundle loads it on demand (from beside itself,
 * like the languages) while the popup opens; it imports nothing at run time, so it stays one file
 * of its own.
 */

import type { AuthStateFragment } from "./__generated__/graphql.js";
import type { OpenRouterAuthErrorCode } from "./error-codes.js";

/**
 * What the callback page says, in the element's language, when it cannot close itself (a host
 * page with `Cross-Origin-Opener-Policy: same-origin`): English here, the other languages in
 * their modules, a host's own through the element's `strings`.
 */
export const popupWords = {
  popupDone: "Connected to OpenRouter. You can close this window.",
  popupFailed: "Couldn't connect to OpenRouter. You can close this window.",
};

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
  /** The user closed the popup (or it was cut off from this page) and the last status check saw no sign-in. */
  | { type: "closed" }
  /** The poll ran out of time. */
  | { type: "timeout" };

/** Where the relay frame goes, and what it has the popup say. */
export interface RelayOptions {
  /** The `authUrl` of the flow: its `callback_url` names the gateway's callback, beside which the relay frame is served. */
  authUrl: string;
  /** Where the frame is put (the element's shadow root); it is removed when the watch ends. */
  parent: Node;
  /** The element's language, and its words (a host's own included) for the popup's last page. */
  lang: string;
  words: Partial<typeof popupWords>;
  /** A result that arrives after the watch ended as "closed": the element checks the status again. */
  onLate: () => void;
}

/** A popup sign-in, from the open popup on: the flow, and the element's gateway calls. */
export interface PopupSignInOptions {
  popup: Window;
  /** What `initiateOAuth` answered. */
  flow: { authUrl: string; state: string };
  /** The gateway's origin. */
  origin: string;
  signal: AbortSignal;
  /** The session's status now. */
  status: () => Promise<AuthStateFragment>;
  /** `completeOAuth` in this page's session. */
  complete: (code: string, state: string) => Promise<unknown>;
  /** The status after a sign-in, checked to have kept the session cookie (`COOKIE_NOT_KEPT`). */
  kept: () => Promise<AuthStateFragment>;
  /** The element's error for a code, to throw. */
  fail: (code: OpenRouterAuthErrorCode) => Error;
  relay: Omit<RelayOptions, "authUrl">;
}

/**
 * Points the popup at OpenRouter and waits for the outcome (`watchPopup`). Resolves to the new
 * status, or to null when the user closed the popup without signing in.
 */
export async function signInThroughPopup(options: PopupSignInOptions): Promise<AuthStateFragment | null> {
  const { popup, flow, origin, signal, fail } = options;
  if (popup.closed) return null;
  popup.location.href = flow.authUrl;
  let seen: AuthStateFragment | undefined;
  const check = async () => (seen = await options.status()).authenticated;
  const outcome = await watchPopup({ popup, origin, state: flow.state, check, signal, relay: { ...options.relay, authUrl: flow.authUrl } });
  switch (outcome.type) {
    case "signed-in":
      return seen!;
    case "closed":
      return null;
    case "timeout":
      throw fail("OAUTH_TIMEOUT");
    case "error":
      throw fail(outcome.code);
    case "relay":
      // The popup's cookies are not this page's: complete the sign-in in this page's session.
      await options.complete(outcome.code, outcome.state);
      return options.kept();
    case "ok":
      // The popup signed in; if this page's session does not show it, this page does not get the
      // cookie the popup was given.
      return options.kept();
  }
}

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
  /** The gateway's relay frame, for a popup cut off from this page; none without it. */
  relay?: RelayOptions;
  /** Milliseconds between status checks (2 s). */
  interval?: number;
  /** Milliseconds after which the watch gives up (5 min, half the server's 10-minute state lifetime). */
  timeout?: number;
}

/**
 * A hidden frame of the gateway's callback origin that hears the popup's result on a
 * `BroadcastChannel` and passes it on to this page (`gateway/rest/relay-page.ts`). The gateway
 * serves it only for an allowed origin, lets only that origin frame it, and posts only the result
 * of a flow that origin started, never a code.
 */
function relayFrame(relay: RelayOptions): HTMLIFrameElement | undefined {
  let url: URL;
  try {
    url = new URL("relay", new URL(relay.authUrl).searchParams.get("callback_url")!);
  } catch {
    return undefined;
  }
  const words = { ...popupWords, ...relay.words };
  url.search = new URLSearchParams({ origin: location.origin, lang: relay.lang, done: words.popupDone, failed: words.popupFailed }).toString();
  const frame = document.createElement("iframe");
  frame.hidden = true;
  frame.title = "OpenRouter sign-in relay";
  frame.src = url.href;
  relay.parent.appendChild(frame);
  return frame;
}

/**
 * Waits for the popup's outcome: the callback page's `postMessage` (from the popup, or through the
 * relay frame), or failing that a status poll.
 *
 * The relay and the poll exist because the link to the opener can be cut: a host page that sends
 * `Cross-Origin-Opener-Policy: same-origin` (helmet's default) puts the popup in another browsing
 * context group as soon as it leaves the host's origin, so the callback page has no
 * `window.opener` to post to
 * (https://html.spec.whatwg.org/multipage/browsers.html#cross-origin-opener-policies). The same
 * cut makes `popup.closed` read true early, long before the user is done: so once the watch ends
 * as "closed", the relay frame stays until the deadline, and a result it brings then calls
 * `relay.onLate`.
 */
export function watchPopup(options: PopupWatchOptions): Promise<PopupOutcome> {
  const { popup, origin, state, check, signal, relay, interval = 2000, timeout = 300_000 } = options;
  const deadline = Date.now() + timeout;
  const frame = relay && relayFrame(relay);
  return new Promise((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let done = false;
    const stop = () => {
      clearTimeout(timer);
      removeEventListener("message", onMessage);
      signal.removeEventListener("abort", stop);
      frame?.remove();
    };
    const finish = (outcome: PopupOutcome) => {
      done = true;
      clearTimeout(timer);
      if (!signal.aborted) resolve(outcome);
      if (outcome.type === "closed" && frame) timer = setTimeout(stop, deadline - Date.now());
      else stop();
    };
    const onMessage = (event: MessageEvent) => {
      const data: unknown = event.data;
      const relayed = !!frame && event.source === frame.contentWindow;
      // Any window can post to this one, and other pages of the gateway's origin can too: only the
      // popup this watch opened, while it shows the gateway, and the relay frame speak for this sign-in.
      if (!(relayed || event.source === popup) || event.origin !== origin || !data || typeof data !== "object") return;
      const m = data as { type?: unknown; ok?: unknown; error?: unknown; code?: unknown; state?: unknown };
      // The callback page names the state in a relay, and the relay frame always does; a message
      // naming another one is not ours.
      if (m.type !== "openrouter-auth" || (m.state !== undefined && m.state !== state) || (relayed && m.state !== state)) return;
      let outcome: PopupOutcome | undefined;
      if (m.ok === true) outcome = { type: "ok" };
      else if (m.ok === false) outcome = { type: "error", code: typeof m.error === "string" ? (m.error as OpenRouterAuthErrorCode) : "OAUTH_EXCHANGE_FAILED" };
      else if (typeof m.code === "string" && m.state === state && !relayed) outcome = { type: "relay", code: m.code, state };
      if (!outcome) return;
      if (!done) return finish(outcome);
      // After "closed": the popup was cut off, not closed, and finished since.
      stop();
      relay!.onLate();
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
    signal.addEventListener("abort", stop);
    timer = setTimeout(tick, interval);
  });
}
