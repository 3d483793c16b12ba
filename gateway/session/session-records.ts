import type { SessionData } from "express-session";
import type { KeyValueStore } from "../store/key-value-store.js";
import type { SessionSerializer } from "./fernet-serializer.js";

/** The record's own fields (a sign-in, pending flows, the last renewal), without express-session's cookie. */
export type SessionFields = Omit<Partial<SessionData>, "cookie">;

/** A session record as stored: JSON, so the cookie's expiry is a date string. */
export type StoredRecord = SessionFields & { readonly cookie?: { readonly expires?: string | Date | null; readonly originalMaxAge?: number | null } };

/** What the store holds under a session id, read once for a request, and the token it was read as. */
export interface StoredSession {
  readonly record: StoredRecord;
  readonly token: string;
}

/**
 * What a request finds under its cookie's session id: a record, nothing, or the marker a sign-out
 * (or a sign-in that moved the session to a new id) left there. A request that finds a marker
 * began before that sign-out ended the session: it may not write anything (docs/contract.md §6).
 */
export type SessionState = StoredSession | typeof ENDED | undefined;
export const ENDED = "ended";

/**
 * How long the marker of an ended session refuses writes under its id: longer than any request
 * that writes a session can run. Such a request waits on OpenRouter at most three times in a row
 * (an OAuth exchange, then the key's details and credits side by side), each bounded by
 * UPSTREAM_TIMEOUT_MS (at most 120 s, config.ts): six minutes at worst. Redis commands fail fast.
 */
export const ENDED_MARKER_MS = 10 * 60_000;

/**
 * The markers are plain values, not Fernet tokens: they hold nothing about a user, and no
 * serializer can open them, so any read of one is a signed-out caller. A moved session's marker
 * names the id it moved to, as Redis key names already do.
 */
const SIGNED_OUT_MARKER = "signed-out";
const MOVED_MARKER = "moved:";

/** How many moves a sign-out follows: each is a sign-in that raced it, so one is already rare. */
const MAX_MOVES_FOLLOWED = 8;

/**
 * Every write of a session record, for express-session's store and for the gateway's own writes
 * alike, and the read every request makes. Each write is one conditional step in the store, so
 * that a sign-out is final by construction (docs/contract.md §6):
 * - a record is replaced only if the store still holds the very token the request read;
 * - a new session id is written only where nothing is stored, and a sign-out leaves a marker
 *   under the id it ended for {@link ENDED_MARKER_MS}, so nothing can be written there after it;
 * - a sign-in moves the session to a new id by replacing the old record, read as before, with a
 *   marker naming the new id: a sign-out that arrives with the old cookie follows it and ends the
 *   new session too, whichever of the two writes came first.
 * Every step touches one key, so it holds on Redis Cluster as on one server.
 */
export class SessionRecords {
  readonly #kv: KeyValueStore;
  readonly #prefix: string;
  readonly #serializer: SessionSerializer;

  constructor(options: { kv: KeyValueStore; prefix: string; serializer: SessionSerializer }) {
    this.#kv = options.kv;
    this.#prefix = options.prefix;
    this.#serializer = options.serializer;
  }

  /** The record and the token it was read as; {@link ENDED} for a marker; undefined when there is none, or none this gateway can open. */
  async read(id: string): Promise<SessionState> {
    const token = await this.#kv.get(this.#prefix + id);
    if (token === null) return undefined;
    if (isMarker(token)) return ENDED;
    // Shared and frozen: a request that changes the session writes a copy (session-handle.ts).
    const record = this.#serializer.read(token);
    return record === null ? undefined : { record, token };
  }

  /**
   * Writes `record` only if the store still holds `token`, the one read.
   * @returns the token written, or undefined when the record had changed or gone
   */
  async replaceIf(id: string, token: string, record: StoredRecord, ttlMs: number | "keep"): Promise<string | undefined> {
    const next = this.#serializer.stringify(record as SessionData);
    return (await this.#kv.replaceIf(this.#prefix + id, token, next, ttlMs)) ? next : undefined;
  }

  /**
   * Writes the first record of a new session id, only where nothing (no record, no marker) is.
   * @returns the token written, or undefined when the id was taken or marked
   */
  async create(id: string, record: StoredRecord, ttlMs: number): Promise<string | undefined> {
    const token = this.#serializer.stringify(record as SessionData);
    return (await this.#kv.setIfAbsent(this.#prefix + id, token, ttlMs)) ? token : undefined;
  }

  /**
   * Ends the session read as `token` under `id` because it continues under `newId` (a sign-in):
   * its record becomes a marker naming the new id.
   * @returns whether the record was still the one read (else nothing was written)
   */
  move(id: string, token: string, newId: string): Promise<boolean> {
    return this.#kv.replaceIf(this.#prefix + id, token, MOVED_MARKER + newId, ENDED_MARKER_MS);
  }

  /**
   * Ends the session under `id` whatever it holds, and every session a racing sign-in moved it to:
   * each gets a marker that refuses writes for {@link ENDED_MARKER_MS}.
   */
  async end(id: string): Promise<void> {
    let next: string | null = id;
    for (let moves = 0; next !== null && moves <= MAX_MOVES_FOLLOWED; moves++) {
      const previous: string | null = await this.#kv.swap(this.#prefix + next, SIGNED_OUT_MARKER, ENDED_MARKER_MS);
      if (previous !== null && !isMarker(previous)) this.#serializer.forget(previous);
      next = previous?.startsWith(MOVED_MARKER) ? previous.slice(MOVED_MARKER.length) : null;
    }
  }
}

function isMarker(value: string): boolean {
  return value === SIGNED_OUT_MARKER || value.startsWith(MOVED_MARKER);
}
