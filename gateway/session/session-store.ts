import { RedisStore } from "connect-redis";
import session, { type SessionData, type Store } from "express-session";
import type { Cluster, Redis } from "ioredis";
import type { FernetKeyring } from "../crypto/fernet.js";
import { fernetSerializer } from "./fernet-serializer.js";

/** Every key this product writes to Redis starts with this. */
export const KEY_PREFIX = "openrouter-auth:";
export const SESSION_KEY_PREFIX = `${KEY_PREFIX}sess:`;

/** Sessions whose last expiry refresh this process remembers; older entries are forgotten first. */
const TOUCH_MEMORY = 50_000;

/**
 * connect-redis with the expiry refresh ("touch") thinned out. express-session touches an
 * unchanged session on every request, which costs a Redis EXPIRE per signed-in request on top
 * of the GET. Here a session's TTL is refreshed at most once per `touchEverySeconds` per
 * process: the record may then expire up to that long before the cookie says, a small price
 * (a tenth of the idle timeout at most) for halving Redis traffic on the hot path.
 */
class ThrottledTouchRedisStore extends RedisStore {
  readonly #touchEveryMs: number;
  readonly #ttlMs: number;
  readonly #lastTouch = new Map<string, number>();

  constructor(options: ConstructorParameters<typeof RedisStore>[0] & { touchEverySeconds: number; ttlSeconds: number }) {
    super(options);
    this.#touchEveryMs = options.touchEverySeconds * 1000;
    this.#ttlMs = options.ttlSeconds * 1000;
  }

  override async touch(sid: string, sess: SessionData, cb?: (err?: unknown) => void): Promise<void> {
    const now = Date.now();
    const last = this.#lastTouch.get(sid);
    // An expiry pulled in by the absolute lifetime is always written: it must never be late.
    const expires = sess.cookie?.expires ? new Date(sess.cookie.expires).getTime() : now + this.#ttlMs;
    const clamped = expires < now + this.#ttlMs - this.#touchEveryMs;
    if (!clamped && last !== undefined && now - last < this.#touchEveryMs) return cb?.();
    this.#remember(sid, now);
    return super.touch(sid, sess, cb);
  }

  override async set(sid: string, sess: SessionData, cb?: (err?: unknown) => void): Promise<void> {
    // A write sets the TTL too.
    this.#remember(sid, Date.now());
    return super.set(sid, sess, cb);
  }

  override async destroy(sid: string, cb?: (err?: unknown) => void): Promise<void> {
    this.#lastTouch.delete(sid);
    return super.destroy(sid, cb);
  }

  #remember(sid: string, at: number): void {
    this.#lastTouch.delete(sid);
    this.#lastTouch.set(sid, at);
    if (this.#lastTouch.size > TOUCH_MEMORY) this.#lastTouch.delete(this.#lastTouch.keys().next().value!);
  }
}

/**
 * The session store: Redis through connect-redis (8.x: the last line that drives ioredis with
 * ioredis's own call shapes), each record one Fernet token whose key TTL connect-redis sets from
 * the cookie's expiry. Without Redis, express-session's in-process MemoryStore, for development.
 */
export function createSessionStore(redis: Redis | Cluster | undefined, keyring: FernetKeyring, options: { ttlSeconds: number }): Store {
  if (redis === undefined) return new session.MemoryStore();
  // connect-redis's types want a record from parse(), but it (like express-session) reads a
  // null as "no session", which is what an unreadable record must mean.
  const serializer = fernetSerializer(keyring) as ConstructorParameters<typeof RedisStore>[0]["serializer"];
  return new ThrottledTouchRedisStore({
    client: redis,
    prefix: SESSION_KEY_PREFIX,
    serializer,
    ttlSeconds: options.ttlSeconds,
    touchEverySeconds: Math.max(1, Math.min(300, Math.floor(options.ttlSeconds / 10))),
  });
}
