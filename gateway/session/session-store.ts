import { RedisStore } from "connect-redis";
import type { Store } from "express-session";
import type { KeyValueStore } from "../store/key-value-store.js";
import type { FernetKeyring } from "../crypto/fernet.js";
import { withConditionalWrites } from "./conditional-writes.js";
import { fernetSerializer, type SessionSerializer } from "./fernet-serializer.js";
import { KeyValueSessionStore } from "./key-value-session-store.js";
import type { RedisClient } from "./redis-connection.js";
import type { FixedCookieAttributes } from "./session-cookie.js";
import { SessionRecords } from "./session-records.js";

/** Every key this product writes to Redis starts with this. */
export const KEY_PREFIX = "openrouter-auth:";
export const SESSION_KEY_PREFIX = `${KEY_PREFIX}sess:`;

/** Sessions as express-session sees them (`store`), and as the gateway reads and renews them (`records`): the same keys and tokens. */
export interface SessionStorage {
  readonly store: Store;
  readonly records: SessionRecords;
}

/**
 * The session store: each record one Fernet token under `SESSION_KEY_PREFIX + id`, whose TTL is
 * set from the cookie's expiry. With Redis, read through connect-redis (8.x: the last line that
 * drives ioredis with ioredis's own call shapes); without, through the same store interface the
 * rest of the gateway uses, over the in-process store. Written, in both cases, only through
 * SessionRecords' conditional steps, which make a sign-out final (docs/contract.md §6).
 */
export function createSessionStorage(options: {
  kv: KeyValueStore;
  redis: RedisClient | undefined;
  keyring: FernetKeyring;
  /** What every session cookie carries: the records leave it out (fernet-serializer.ts). */
  fixedCookie: FixedCookieAttributes;
}): SessionStorage {
  const serializer = fernetSerializer(options.keyring, options.fixedCookie);
  const records = new SessionRecords({ kv: options.kv, prefix: SESSION_KEY_PREFIX, serializer });
  if (options.redis === undefined) {
    const MemorySessionStore = withConditionalWrites(KeyValueSessionStore, records);
    return { store: new MemorySessionStore({ kv: options.kv, prefix: SESSION_KEY_PREFIX, serializer }), records };
  }
  // connect-redis reads the records; every write goes through the same conditional steps as
  // the gateway's own (conditional-writes.ts). connect-redis's types want a record from parse(),
  // but it (like express-session) reads a null as "no session", which is what an unreadable
  // record must mean.
  const ConditionalRedisStore = withConditionalWrites(RedisStore, records);
  const store = new ConditionalRedisStore({
    client: options.redis,
    prefix: SESSION_KEY_PREFIX,
    serializer: serializer as ConstructorParameters<typeof RedisStore>[0]["serializer"],
    // express-session would EXPIRE the record on every request; the lifetime rules renew the
    // record (and its TTL) together with the cookie instead, once per renewal window.
    disableTouch: true,
  });
  return { store, records };
}

export type { SessionSerializer };
