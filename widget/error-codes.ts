/**
 * Every code an `openrouter-auth-error` event can carry, as `detail.code`.
 *
 * The gateway's codes come from its GraphQL errors' `extensions.code` (listed in the gateway's
 * `errors.ts`, and in the README's error table); the element adds its own for what happens before
 * or around a gateway call. A newer gateway may send a code not listed here: the element then
 * passes it on and shows its generic message.
 */

/**
 * The gateway's codes:
 * - `BAD_USER_INPUT`: malformed arguments (an empty key, a wrong prefix, too long);
 * - `INVALID_API_KEY`: OpenRouter rejected the key;
 * - `UNAUTHENTICATED`: the operation needs a session and there is none;
 * - `OAUTH_STATE_INVALID`: the sign-in is unknown, expired, already used, or another session's;
 * - `OAUTH_EXCHANGE_FAILED`: OpenRouter refused the sign-in's code;
 * - `KEY_LIMIT_TOO_HIGH`: the key OpenRouter issued can spend more than the site allows (its
 *   spending limit was changed on OpenRouter's page), so the gateway did not keep it;
 * - `UPSTREAM_UNAVAILABLE`: OpenRouter timed out, could not be reached, or failed;
 * - `SESSION_STORE_UNAVAILABLE`: the gateway's session store could not be reached;
 * - `SHUTTING_DOWN`: the gateway is stopping (a restart or a deployment); another instance, or the
 *   same one once back, answers a retry;
 * - `RATE_LIMITED`: too many attempts from this client;
 * - `INTERNAL_SERVER_ERROR`: any other failure of the gateway, masked.
 */
export type GatewayErrorCode =
  | "BAD_USER_INPUT"
  | "INVALID_API_KEY"
  | "UNAUTHENTICATED"
  | "OAUTH_STATE_INVALID"
  | "OAUTH_EXCHANGE_FAILED"
  | "KEY_LIMIT_TOO_HIGH"
  | "UPSTREAM_UNAVAILABLE"
  | "SESSION_STORE_UNAVAILABLE"
  | "SHUTTING_DOWN"
  | "RATE_LIMITED"
  | "INTERNAL_SERVER_ERROR";

/**
 * The element's own codes:
 * - `NETWORK_ERROR`: the gateway could not be reached at all (offline, wrong `endpoint`);
 * - `ORIGIN_NOT_ALLOWED`: the gateway is up but refuses this page's origin (not in its
 *   `ALLOWED_ORIGINS`), as its origin probe tells after a call failed as a network error;
 * - `COOKIE_NOT_KEPT`: a sign-in succeeded but the browser did not keep the session cookie (the
 *   status right after it says signed out): the gateway, on another site, needs
 *   `COOKIE_SAMESITE=none`, `COOKIE_PARTITIONED=true` and HTTPS;
 * - `OAUTH_TIMEOUT`: the OAuth popup gave no answer within 5 minutes;
 * - `BAD_RESPONSE`: the gateway answered with something that is not a GraphQL result;
 * - `INTERNAL_ERROR`: the element itself failed unexpectedly.
 */
export type ElementErrorCode = "NETWORK_ERROR" | "ORIGIN_NOT_ALLOWED" | "COOKIE_NOT_KEPT" | "OAUTH_TIMEOUT" | "BAD_RESPONSE" | "INTERNAL_ERROR";

/** A code of `openrouter-auth-error`: the gateway's or the element's own. */
export type OpenRouterAuthErrorCode = GatewayErrorCode | ElementErrorCode;
