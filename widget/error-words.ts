/**
 * The element's English words for its error codes, but `NETWORK_ERROR` (in `strings.ts`). Most users never see one, so the
 * bundle loads this on the first error (from beside itself, like the languages), and says the
 * generic `error` words until it has; the other languages carry their own in their modules.
 */
const errorWords = {
  BAD_USER_INPUT: "That doesn't look like an OpenRouter key. Check it and try again.",
  INVALID_API_KEY: "OpenRouter didn't accept this key. Check that it is correct and still active.",
  UNAUTHENTICATED: "You're not connected. Please connect again.",
  OAUTH_STATE_INVALID: "This sign-in has expired or was already used. Please start again.",
  OAUTH_EXCHANGE_FAILED: "OpenRouter couldn't complete the sign-in. Please try again.",
  KEY_LIMIT_TOO_HIGH: "The key's spending limit was changed on OpenRouter, so this site didn't keep it. Sign in again without changing the limit.",
  OAUTH_TIMEOUT: "The sign-in took too long. Please start again.",
  UPSTREAM_UNAVAILABLE: "OpenRouter can't be reached right now. Try again in a moment.",
  SESSION_STORE_UNAVAILABLE: "The sign-in service is temporarily unavailable. Try again in a moment.",
  SHUTTING_DOWN: "The sign-in service is restarting. Try again in a moment.",
  RATE_LIMITED: "Too many attempts. Wait a moment, then try again.",
  // Said only when the gateway answers (its origin probe, a sign-in), so this file can be fetched.
  ORIGIN_NOT_ALLOWED: "This page's origin isn't in the gateway's ALLOWED_ORIGINS, so it can't sign in here.",
  COOKIE_NOT_KEPT: "Your browser didn't keep the sign-in cookie. The gateway needs HTTPS, COOKIE_SAMESITE=none and COOKIE_PARTITIONED=true.",
};

export default errorWords;
