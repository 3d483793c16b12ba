/**
 * Error codes in words. The gateway's codes are SPEC §3's; the rest are the element's own, for
 * what happens before or around a GraphQL call.
 */
const messages: Record<string, string> = {
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
};

/** The element's words for an error code; a generic sentence for codes it does not know. */
export const messageFor = (code: string): string =>
  messages[code] ?? "Something went wrong. Please try again.";
