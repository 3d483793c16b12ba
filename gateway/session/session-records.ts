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
 * The session records read and written beside express-session, in its very format: the read
 * every request makes, and the conditional writes (a renewal, a refreshed user) that must not
 * bring back a session that ended meanwhile.
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

  /** The record and the token it was read as; undefined when there is none, or none this gateway can open. */
  async read(id: string): Promise<StoredSession | undefined> {
    const token = await this.#kv.get(this.#prefix + id);
    if (token === null) return undefined;
    const record = this.#serializer.parse(token);
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
}
