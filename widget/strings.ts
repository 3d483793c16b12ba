import type errorWords from "./error-words.js";
import type { popupWords } from "./oauth-popup-watch.js";

/**
 * The element's words in English, built into the bundle; every other language has the same keys
 * (`widget/locales/*.ts`, loaded on demand). `{used}`, `{limit}`, `{amount}` and `{spent}` are filled in with
 * amounts, and `{date}` with a date, formatted for the same language. The keys in capitals are
 * error codes (see `error-codes.ts`); `error` is said for any code without words of its own.
 * English words for the other codes are in `error-words.ts`, loaded on the first error;
 * `NETWORK_ERROR` stays here, since that file comes from the gateway that cannot be reached then.
 * The English words the OAuth popup shows once it is done are in `oauth-popup-watch.ts`, loaded
 * when a sign-in with OpenRouter starts.
 */
export const en = {
  checking: "Checking connection…",
  connect: "Connect to OpenRouter",
  retry: "Retry",
  close: "Close",
  disconnect: "Disconnect",
  methodApiKey: "API key",
  methodOAuth: "OpenRouter sign-in",
  tabApiKey: "API key",
  tabOAuth: "Sign in with OpenRouter",
  tabList: "Sign-in method",
  keyLabel: "OpenRouter API key",
  showKey: "Show key",
  hideKey: "Hide key",
  show: "Show",
  hide: "Hide",
  hintEmpty: "Paste a key from openrouter.ai/keys. It starts with sk-or-v1-.",
  hintCurrent: "Looks like an OpenRouter key.",
  hintAccepted: "Not the usual form (sk-or-v1- and 64 hex digits), but you can try it.",
  hintInvalid: "Not an OpenRouter key yet: keys start with sk-or- and are 20 to 256 letters, digits, - or _.",
  submit: "Connect",
  submitting: "Connecting…",
  oauthIntro: "Sign in on openrouter.ai in a new window. Your key stays on the server.",
  oauthButton: "Sign in with OpenRouter",
  oauthWaiting: "Waiting for OpenRouter…",
  popupBlocked: "Your browser blocked the sign-in window.",
  continueHere: "Continue in this window",
  usage: "{used} used / {limit}",
  noLimit: "no limit",
  remaining: "{amount} left",
  budget: "{spent} of {limit} spent here",
  expires: "Expires {date}",
  manageKey: "Manage key on OpenRouter",
  keyStaysValid: "Disconnecting does not revoke the key: it stays valid on OpenRouter until you revoke it there.",
  error: "Something went wrong. Please try again.",
  NETWORK_ERROR: "The sign-in service can't be reached. Check your connection and try again.",
};

/** Every string the element shows, by key: what a locale module holds. */
export type OpenRouterAuthStrings = Record<keyof typeof en | keyof typeof errorWords | keyof typeof popupWords, string>;

/** The words an element has at hand: English's built-in ones at least, error words once loaded. */
export type Words = typeof en & Partial<OpenRouterAuthStrings>;
