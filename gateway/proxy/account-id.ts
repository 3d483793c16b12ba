import { createHmac } from "node:crypto";

/** What the limits key is derived for, so that it serves no other purpose of SESSION_SECRET's. */
const PURPOSE = "openrouter-auth/proxy-account";

/**
 * Names an OpenRouter account in the proxy's limits without the key: an HMAC-SHA256 of the key
 * under a key derived from the server's secret (SESSION_SECRET's first entry). Every session and
 * every gateway instance with the same key and secret counts against the same limits, and the
 * store holds nothing from which the key could be guessed or checked.
 */
export function accountIdOf(secret: string): (apiKey: string) => string {
  const derived = createHmac("sha256", secret).update(PURPOSE).digest();
  return (apiKey) => createHmac("sha256", derived).update(apiKey).digest("base64url");
}
