import { RedisStore } from "connect-redis";
import session, { type Store } from "express-session";
import type { FernetKeyring } from "../crypto/fernet.js";
import { fernetSerializer } from "./fernet-serializer.js";
import type { RedisClient } from "./redis-connection.js";

/** Every key this product writes to Redis starts with this. */
export const KEY_PREFIX = "openrouter-auth:";
export const SESSION_KEY_PREFIX = `${KEY_PREFIX}sess:`;

/**
 * The session store: Redis through connect-redis (8.x: the last line that drives ioredis with
 * ioredis's own call shapes), each record one Fernet token whose key TTL connect-redis sets from
 * the cookie's expiry. Without Redis, express-session's in-process MemoryStore, for development.
 */
export function createSessionStore(redis: RedisClient | undefined, keyring: FernetKeyring): Store {
  if (redis === undefined) return new session.MemoryStore();
  // connect-redis's types want a record from parse(), but it (like express-session) reads a
  // null as "no session", which is what an unreadable record must mean.
  const serializer = fernetSerializer(keyring) as ConstructorParameters<typeof RedisStore>[0]["serializer"];
  return new RedisStore({
    client: redis,
    prefix: SESSION_KEY_PREFIX,
    serializer,
    // express-session would EXPIRE the record on every request; the expiry policy renews the
    // record (and its TTL) together with the cookie instead, once per renewal window.
    disableTouch: true,
  });
}
