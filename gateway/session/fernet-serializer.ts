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

/** The token a record returned by the serializer's `parse` was read from (not one returned by `read`). */
export function storedTokenOf(record: object): string | undefined {
  return (record as { [STORED_TOKEN]?: string })[STORED_TOKEN];
}

export interface SessionSerializer {
  stringify(session: SessionData): string;
  /** A record of its own for the caller to change (express-session's, on a request that writes). */
  parse(token: string): SessionData | null;
  /**
   * The record as every request that only reads it sees it: one object per token, frozen through
   * and shared, so that reading a session makes nothing per request.
   */
  read(token: string): Readonly<SessionData> | null;
  /** Drops what is kept in memory of a token that no longer holds a live session (a sign-out). */
  forget(token: string): void;
}

/**
 * A token's memo key: its HMAC, which differs for every token under the same signing key. A slice
 * of the token is enough to look an entry up; what is kept is a flat copy, so that the key does
 * not keep the whole token alive (V8 would slice it off the token).
 */
function memoKeyOf(token: string): string {
  return token.slice(-HMAC_CHARS);
}
function keptMemoKeyOf(token: string): string {
  return Buffer.from(token.slice(-HMAC_CHARS), "latin1").toString("latin1");
}

export function fernetSerializer(keyring: FernetKeyring, fixedCookie: FixedCookieAttributes): SessionSerializer {
  // Token (its HMAC) → the record it holds, frozen. A changed record is a new token, so an entry
  // can never be stale, and a frozen one cannot be changed by a request that holds it.
  const recent = new RecentValues<Readonly<SessionData>>({ limit: RECENT_RECORDS, maxAgeMs: RECENT_RECORD_MS });
  /** The record a token holds, its shared cookie attributes put back, kept frozen for the token's next reads. */
  const remember = (token: string, json: string): Readonly<SessionData> | null => {
    const record = JSON.parse(json) as SessionData;
    if (typeof record !== "object" || record === null) return null;
    if (typeof record.cookie === "object" && record.cookie !== null) record.cookie = { ...fixedCookie, ...record.cookie };
    // Not the token: the memo would keep each one (some 850 B) as long as its record. A reader
    // has the token it read anyway (session-records.ts), and a writer's copy is tagged (parse).
    deepFreeze(record);
    recent.set(keptMemoKeyOf(token), record);
    return record;
  };
  /**
   * A record no configured key can open (tampered, written under a key since retired, or a
   * sign-out's marker) reads as no session: the caller is simply signed out.
   */
  const read = (token: string): Readonly<SessionData> | null => {
    const known = recent.get(memoKeyOf(token));
    if (known !== undefined) return known;
    try {
      return remember(token, keyring.decrypt(token));
    } catch (error) {
      if (error instanceof InvalidFernetTokenError || error instanceof SyntaxError) return null;
      throw error;
    }
  };

  return {
    stringify(session: SessionData): string {
      const json = JSON.stringify(session, function (this: unknown, key: string, value: unknown) {
        // The record's own cookie (as its toJSON gave it), not a field of that name deeper down.
        const ownCookie = key === "cookie" && this === session && typeof value === "object" && value !== null;
        return ownCookie ? withoutFixed(value as Record<string, unknown>, fixedCookie) : value;
      });
      const token = keyring.encrypt(json);
      // The request that wrote it usually reads it next: no decryption then.
      remember(token, json);
      return token;
    },
    forget(token: string): void {
      recent.delete(memoKeyOf(token));
    },
    read,
    parse(token: string): SessionData | null {
      const shared = read(token);
      if (shared === null) return null;
      // The record is JSON: a structured clone is a deep copy, unfrozen; the token goes with it.
      const record = structuredClone(shared) as SessionData;
      // Tells a conditional write what it must find stored (conditional-writes.ts).
      Object.defineProperty(record, STORED_TOKEN, { value: token });
      return record;
    },
  };
}

/** Freezes a parsed JSON value and everything in it. */
function deepFreeze(value: object): void {
  Object.freeze(value);
  for (const inner of Object.values(value)) if (typeof inner === "object" && inner !== null) deepFreeze(inner);
}

/** The cookie's attributes but those that hold their fixed value. */
function withoutFixed(cookie: Record<string, unknown>, fixed: FixedCookieAttributes): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(cookie)) {
    if (!(Object.hasOwn(fixed, name) && fixed[name as keyof FixedCookieAttributes] === value)) kept[name] = value;
  }
  return kept;
}
