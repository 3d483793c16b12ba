import { Store, type SessionData } from "express-session";
import type { KeyValueStore } from "../store/key-value-store.js";
import type { SessionSerializer } from "./fernet-serializer.js";

/** A record whose cookie has no expiry (none of the gateway's) would otherwise live a day. */
const DEFAULT_TTL_MS = 86_400_000;

/**
 * express-session's store over the gateway's own store interface, used over the in-process
 * store (express-session's MemoryStore is unbounded, never expires a record on its own, and
 * would be a second in-process store). Records are kept as connect-redis keeps them in Redis:
 * one token under prefix + id, with the cookie's expiry as TTL.
 */
export class KeyValueSessionStore extends Store {
  readonly #kv: KeyValueStore;
  readonly #prefix: string;
  readonly #serializer: SessionSerializer;

  constructor(options: { kv: KeyValueStore; prefix: string; serializer: SessionSerializer }) {
    super();
    this.#kv = options.kv;
    this.#prefix = options.prefix;
    this.#serializer = options.serializer;
  }

  override get(sid: string, callback: (error: unknown, session?: SessionData | null) => void): void {
    this.#kv.get(this.#prefix + sid).then((token) => callback(null, token === null ? null : this.#serializer.parse(token)), callback);
  }

  override set(sid: string, session: SessionData, callback?: (error?: unknown) => void): void {
    const expires = session.cookie?.expires;
    // As connect-redis does: the TTL is what is left of the cookie's life.
    const ttlMs = expires ? new Date(expires).getTime() - Date.now() : DEFAULT_TTL_MS;
    const key = this.#prefix + sid;
    const done = ttlMs > 0 ? this.#kv.set(key, this.#serializer.stringify(session), ttlMs) : this.#kv.delete(key);
    done.then(() => callback?.(), (error: unknown) => callback?.(error));
  }

  override destroy(sid: string, callback?: (error?: unknown) => void): void {
    this.#kv.delete(this.#prefix + sid).then(() => callback?.(), (error: unknown) => callback?.(error));
  }
}
