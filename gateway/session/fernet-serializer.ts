import type { SessionData } from "express-session";
import { InvalidFernetTokenError, type FernetKeyring } from "../crypto/fernet.js";
import { RecentValues } from "../util/recent-values.js";
import type { FixedCookieAttributes } from "./session-cookie.js";

/**
 * How many session records stay decrypted in memory, and for how long. Fernet at rest protects
 * what leaves the process (Redis, its dumps and replicas), not the process, which holds the
 * Fernet key and every key in use anyway; so a bounded memo of plaintext adds no exposure that
 * matters, as long as Redis is still read on every request: an entry is found only by the exact
 * token Redis returned, so a sign-out, a renewal, a rotation or another instance's write is seen
 * at once. Enough entries for some thousands of users active at once, each read well within the
 * time bound (docs/performance.md); a record's plaintext outlives its last use by at most 30 s,
 * and a sign-out drops it at once.
 */
const RECENT_RECORDS = 8_192;
const RECENT_RECORD_MS = 30_000;

/** The length of a Fernet token's HMAC-SHA256 in base64url: its last 43 characters. */
const HMAC_CHARS = 43;

/**
 * connect-redis's serializer: the whole session record becomes one Fernet token (docs/contract.md §6), so
 * Redis never holds a key, label or any other field in the clear, and any stock Fernet library
 * given OPENROUTER_ENCRYPTION_KEY can read a record.
 *
 * The record is express-session's JSON but for the cookie attributes every session of this
 * gateway shares (`fixedCookie`, from the configuration): they are left out when writing and put
 * back when reading. About 60 bytes of every record, which keep a session under 1 KB of Redis
 * memory (docs/performance.md); a record that holds them (written before) reads as it is.
 */
/** Where a parsed record keeps the token it was read from: not a field of the record, never written back. */
const STORED_TOKEN = Symbol("openrouter-auth.storedToken");

/** The token a record returned by the serializer's `parse` was read from. */
export function storedTokenOf(record: object): string | undefined {
  return (record as { [STORED_TOKEN]?: string })[STORED_TOKEN];
}

export interface SessionSerializer {
  stringify(session: SessionData): string;
  parse(token: string): SessionData | null;
  /** Drops what is kept in memory of a token that no longer holds a live session (a sign-out). */
  forget(token: string): void;
}

/**
 * A token's memo key: its HMAC, which differs for every token under the same signing key. A flat
 * copy, so that the key does not keep the whole token alive (V8 would slice it off the token).
 */
function memoKeyOf(token: string): string {
  return Buffer.from(token.slice(-HMAC_CHARS), "latin1").toString("latin1");
}

export function fernetSerializer(keyring: FernetKeyring, fixedCookie: FixedCookieAttributes): SessionSerializer {
  // Token (its HMAC) → the JSON it holds. A changed record is a new token, so an entry can never
  // be stale; each read still parses the JSON, so no two requests share a record object.
  const recent = new RecentValues<string>({ limit: RECENT_RECORDS, maxAgeMs: RECENT_RECORD_MS });
  const decrypt = (token: string) => {
    const key = memoKeyOf(token);
    const known = recent.get(key);
    if (known !== undefined) return known;
    const json = keyring.decrypt(token);
    recent.set(key, json);
    return json;
  };

  return {
    stringify(session: SessionData): string {
      const json = JSON.stringify(session, function (this: unknown, key: string, value: unknown) {
        // The record's own cookie (as its toJSON gave it), not a field of that name deeper down.
        const ownCookie = key === "cookie" && this === session && typeof value === "object" && value !== null;
        return ownCookie ? withoutFixed(value as Record<string, unknown>, fixedCookie) : value;
      });
      const token = keyring.encrypt(json);
      recent.set(memoKeyOf(token), json);
      return token;
    },
    forget(token: string): void {
      recent.delete(memoKeyOf(token));
    },
    /**
     * A record no configured key can open (tampered, written under a key since retired, or a
     * sign-out's marker) reads as no session: the caller is simply signed out.
     */
    parse(token: string): SessionData | null {
      try {
        const record = JSON.parse(decrypt(token)) as SessionData;
        if (typeof record !== "object" || record === null) return null;
        if (typeof record.cookie === "object" && record.cookie !== null) record.cookie = { ...fixedCookie, ...record.cookie };
        // Tells a conditional write what it must find stored (conditional-writes.ts).
        Object.defineProperty(record, STORED_TOKEN, { value: token });
        return record;
      } catch (error) {
        if (error instanceof InvalidFernetTokenError || error instanceof SyntaxError) return null;
        throw error;
      }
    },
  };
}

/** The cookie's attributes but those that hold their fixed value. */
function withoutFixed(cookie: Record<string, unknown>, fixed: FixedCookieAttributes): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(cookie)) {
    if (!(Object.hasOwn(fixed, name) && fixed[name as keyof FixedCookieAttributes] === value)) kept[name] = value;
  }
  return kept;
}
