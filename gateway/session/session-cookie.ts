import { parse } from "cookie";
import { unsign } from "cookie-signature";
import type { Config } from "../config.js";
import { RecentValues } from "../util/recent-values.js";

/**
 * The attributes every session cookie of this gateway carries, whatever the request, as
 * express-session names them. Not `secure`: where the configuration does not require it, it
 * follows the request that made the session (express-session's "auto").
 */
export interface FixedCookieAttributes {
  readonly httpOnly: true;
  readonly path: "/";
  readonly sameSite: Config["cookie"]["sameSite"];
  readonly partitioned: boolean;
}

export function fixedCookieAttributes(cookie: Config["cookie"]): FixedCookieAttributes {
  return Object.freeze({ httpOnly: true, path: "/", sameSite: cookie.sameSite, partitioned: cookie.partitioned });
}

/**
 * How many verified cookie values are remembered: as many as decrypted records
 * (fernet-serializer.ts), so that a user active enough to keep a record memoised keeps the cookie
 * too. A signed-in user sends the same cookie with every request, and checking its signature (an
 * HMAC-SHA256) was about 5 % of a REST status read with 5,000 users (docs/performance.md). A
 * signed value is no secret (it is the cookie itself), so keeping many for a while exposes nothing.
 */
const RECENT_COOKIES = 8_192;

/**
 * Reads the session id a request's cookie carries, exactly as express-session reads it: the value
 * `s:<id>.<signature>`, its signature checked against each secret in turn (the first signs, all
 * verify). Undefined when there is no such cookie or its signature does not hold.
 *
 * express-session parses the header with its own copy of `cookie` (0.7), which takes a value in
 * double quotes without them, then percent-decodes it; `cookie` 1 keeps the quotes. The value is
 * read here as express-session reads it, so that a request whose session this reader does not see
 * cannot have it loaded, changed or ended once express-session joins (and the other way round).
 *
 * A value that verified once verifies again (the secrets are fixed at start-up), so the last
 * verified values are remembered, keyed by the whole signed value. Only values that verified are
 * remembered there: a forged one is checked, and fails, every time it is not the header read just before.
 */
export function sessionIdReader(name: string, secrets: readonly string[]): (cookieHeader: string | undefined) => string | undefined {
  const verified = new RecentValues<string>({ limit: RECENT_COOKIES });
  const read = (cookieHeader: string): string | undefined => {
    const raw = parse(cookieHeader, { decode: (text) => text })[name];
    if (raw === undefined) return undefined;
    const value = decodeValue(unquote(raw));
    if (!value.startsWith("s:")) return undefined;
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
  // The last header read, and what it named: a proxied request with a spend budget has its
  // header read twice in a row, by the budget's read-ahead and then by the session middleware
  // (the same string both times). What a header names depends on nothing else, so the answer
  // for an equal header is the same, a forged one's included.
  let lastHeader: string | undefined;
  let lastId: string | undefined;
  return (cookieHeader) => {
    // Most callers without a session send no cookie, or only the host's own: skip parsing them.
    if (cookieHeader === undefined || !cookieHeader.includes(name)) return undefined;
    if (cookieHeader === lastHeader) return lastId;
    const id = read(cookieHeader);
    lastHeader = cookieHeader;
    lastId = id;
    return id;
  };
}

/** A cookie value without the double quotes it may be sent in (RFC 6265 §4.1.1), as `cookie` 0.7 reads it. */
function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

/** Percent-decoded, or as it is when that fails, as `cookie` decodes. */
function decodeValue(value: string): string {
  if (!value.includes("%")) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
