import { Store, type SessionData } from "express-session";
import type { KeyValueStore } from "../store/key-value-store.js";
import type { SessionSerializer } from "./fernet-serializer.js";

/**
 * express-session's store over the gateway's own store interface, used over the in-process
 * store (express-session's MemoryStore is unbounded, never expires a record on its own, and
 * would be a second in-process store). Records are kept as connect-redis keeps them in Redis:
 * one token under prefix + id, with the cookie's expiry as TTL. This class reads them; the writes
 * are the conditional ones every session store of the gateway gets (conditional-writes.ts).
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

  // Every write is conditional-writes.ts's; these only satisfy express-session's abstract Store.
  override set(_sid: string, _session: SessionData, callback?: (error?: unknown) => void): void {
    callback?.(new Error("KeyValueSessionStore is read-only: wrap it with withConditionalWrites"));
  }

  override destroy(_sid: string, callback?: (error?: unknown) => void): void {
    callback?.(new Error("KeyValueSessionStore is read-only: wrap it with withConditionalWrites"));
  }
}
