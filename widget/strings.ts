/**
 * The element's words in English, built into the bundle; every other language has the same keys
 * (`widget/locales/*.ts`, loaded on demand). `{used}` and `{limit}` are filled in with amounts
 * formatted for the same language. The keys in capitals are error codes (see `error-codes.ts`);
 * `error` is said for any code without words of its own.
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
  error: "Something went wrong. Please try again.",
  BAD_USER_INPUT: "That doesn't look like an OpenRouter key. Check it and try again.",
  INVALID_API_KEY: "OpenRouter didn't accept this key. Check that it is correct and still active.",
  UNAUTHENTICATED: "You're not connected. Please connect again.",
  OAUTH_STATE_INVALID: "This sign-in has expired or was already used. Please start again.",
  OAUTH_EXCHANGE_FAILED: "OpenRouter couldn't complete the sign-in. Please try again.",
  OAUTH_TIMEOUT: "The sign-in took too long. Please start again.",
  UPSTREAM_UNAVAILABLE: "OpenRouter can't be reached right now. Try again in a moment.",
  SESSION_STORE_UNAVAILABLE: "The sign-in service is temporarily unavailable. Try again in a moment.",
  RATE_LIMITED: "Too many attempts. Wait a moment, then try again.",
  NETWORK_ERROR: "The sign-in service can't be reached. Check your connection and try again.",
  ORIGIN_NOT_ALLOWED: "This page's origin isn't in the gateway's ALLOWED_ORIGINS, so it can't sign in here.",
  COOKIE_NOT_KEPT: "Your browser didn't keep the sign-in cookie. The gateway needs HTTPS, COOKIE_SAMESITE=none and COOKIE_PARTITIONED=true.",
};

/** Every string the element shows, by key: what a locale module holds. */
export type OpenRouterAuthStrings = Record<keyof typeof en, string>;
