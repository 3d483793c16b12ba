import { parse } from "cookie";
import { unsign } from "cookie-signature";
import { RecentValues } from "../util/recent-values.js";

/**
 * How many verified cookie values are remembered. A signed-in user sends the same cookie with
 * every request, and checking its signature (an HMAC-SHA256) was about 6 % of a status read.
 */
const RECENT_COOKIES = 1_000;

/**
 * Reads the session id a request's cookie carries, exactly as express-session reads it: the value
 * `s:<id>.<signature>`, its signature checked against each secret in turn (the first signs, all
 * verify). Undefined when there is no such cookie or its signature does not hold.
 *
 * A value that verified once verifies again (the secrets are fixed at start-up), so the last
 * verified values are remembered, keyed by the whole signed value. Only values that verified are
 * remembered: a forged one is checked, and fails, every time.
 */
export function sessionIdReader(name: string, secrets: readonly string[]): (cookieHeader: string | undefined) => string | undefined {
  const verified = new RecentValues<string>({ limit: RECENT_COOKIES });
  return (cookieHeader) => {
    // Most callers without a session send no cookie, or only the host's own: skip parsing them.
    if (cookieHeader === undefined || !cookieHeader.includes(name)) return undefined;
    const value = parse(cookieHeader)[name];
    if (value === undefined || !value.startsWith("s:")) return undefined;
    const known = verified.get(value);
    if (known !== undefined) return known;
    for (const secret of secrets) {
      const id = unsign(value.slice(2), secret);
      if (id === false) continue;
      verified.set(value, id);
      return id;
    }
    return undefined;
  };
}
