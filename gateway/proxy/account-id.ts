import { createHmac } from "node:crypto";
import { RecentValues } from "../util/recent-values.js";

/** What the limits key is derived for, so that it serves no other purpose of SESSION_SECRET's. */
const PURPOSE = "openrouter-auth/proxy-account";

/**
 * As many keys as the gateway keeps decrypted session records of, for as long
 * (session/fernet-serializer.ts): the memo holds no key the record memo does not hold already.
 */
const RECENT_KEYS = 8_192;
const RECENT_KEY_MS = 30_000;

/**
 * Names an OpenRouter account in the proxy's limits without the key: an HMAC-SHA256 of the key
 * under a key derived from the server's secret (SESSION_SECRET's first entry). Every session and
 * every gateway instance with the same key and secret counts against the same limits, and the
 * store holds nothing from which the key could be guessed or checked.
 *
 * Each id is remembered for a while: every proxied completion asks for its key's id, and an
 * HMAC (two of Node's crypto objects and a digest) was about 11 µs of a completion's CPU,
 * 1.5 % of it at the bench's stress pace. The id depends on nothing but the key, so a
 * remembered one is never stale.
 */
export function accountIdOf(secret: string): (apiKey: string) => string {
  const derived = createHmac("sha256", secret).update(PURPOSE).digest();
  const recent = new RecentValues<string>({ limit: RECENT_KEYS, maxAgeMs: RECENT_KEY_MS });
  return (apiKey) => {
    const known = recent.get(apiKey);
    if (known !== undefined) return known;
    const id = createHmac("sha256", derived).update(apiKey).digest("base64url");
    recent.set(apiKey, id);
    return id;
  };
}
