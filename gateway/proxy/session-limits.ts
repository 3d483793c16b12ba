import { randomUUID } from "node:crypto";
import type { ProxyConfig } from "../config.js";
import { ErrorCode, GatewayError } from "../errors.js";
import type { RedisClient } from "../session/redis-connection.js";

/** How long a running completion holds its place without its gateway confirming it still runs. */
const LEASE_MS = 60_000;
/** How often a gateway confirms the completions it is running: well within a lease. */
const RENEW_EVERY_MS = 20_000;

/** Redis's own clock, in milliseconds, so that every instance measures leases alike. */
const NOW_MS = "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)";

/** KEYS[1]: the session's leases; ARGV: max, lease ms, lease id. 1 when the lease was taken. */
const ACQUIRE = `${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/** KEYS[1]: the session's leases; ARGV: lease ms, lease id. Extends a lease still held. */
const RENEW = `${NOW_MS}
if redis.call('ZSCORE', KEYS[1], ARGV[2]) == false then return 0 end
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`;

/** Gives back a place taken by {@link SessionLimits.startCompletion}; calling it again does nothing. */
export type Release = () => void;

/**
 * The proxy's per-session limits: completions per window (a fixed-window counter, like the
 * sign-in attempt limits) and completions running at once. In Redis both are shared by every
 * gateway instance. A running completion holds a lease in a sorted set rather than a plain
 * counter: its gateway renews the lease while the completion runs and removes it when the
 * completion ends, and if that gateway dies, the lease lapses on its own within a minute.
 * Keys always carry a TTL; values are counters and random lease ids, nothing about the user.
 */
export class SessionLimits {
  readonly #redis: RedisClient | undefined;
  readonly #policy: Pick<ProxyConfig, "rateLimit" | "maxConcurrentStreams">;
  readonly #prefix: string;
  readonly #windows = new Map<string, { count: number; resetAt: number }>();
  readonly #running = new Map<string, number>();
  /** Leases this instance holds in Redis: lease id → key. */
  readonly #leases = new Map<string, string>();
  #renewal: NodeJS.Timeout | undefined;

  constructor(options: { redis: RedisClient | undefined; policy: Pick<ProxyConfig, "rateLimit" | "maxConcurrentStreams">; prefix: string }) {
    this.#redis = options.redis;
    this.#policy = options.policy;
    this.#prefix = options.prefix;
  }

  /** Counts one completion against the session's window; throws RATE_LIMITED with the seconds to wait once over it. */
  async countRequest(sessionId: string): Promise<void> {
    const limit = this.#policy.rateLimit;
    if (limit === undefined) return;
    const key = `${this.#prefix}rate:${sessionId}`;
    const windowMs = limit.windowSeconds * 1000;
    let count: number;
    let ttlMs: number;
    if (this.#redis === undefined) {
      const now = Date.now();
      let entry = this.#windows.get(key);
      if (entry === undefined || entry.resetAt <= now) {
        if (this.#windows.size > 100_000) for (const [old, value] of this.#windows) if (value.resetAt <= now) this.#windows.delete(old);
        entry = { count: 0, resetAt: now + windowMs };
        this.#windows.set(key, entry);
      }
      count = ++entry.count;
      ttlMs = entry.resetAt - now;
    } else {
      const replies = await this.#store(() => this.#redis!.multi().set(key, "0", "PX", windowMs, "NX").incr(key).pttl(key).exec());
      const failed = replies?.find(([error]) => error !== null);
      if (replies === null || failed !== undefined) throw new GatewayError(ErrorCode.SESSION_STORE_UNAVAILABLE, undefined, { cause: failed?.[0] });
      count = Number(replies[1]![1]);
      ttlMs = Number(replies[2]![1]);
    }
    if (count > limit.max) {
      const retryAfterSeconds = Math.max(1, Math.ceil(ttlMs / 1000));
      throw new GatewayError(ErrorCode.RATE_LIMITED, `Too many completions for this session. Try again in ${retryAfterSeconds} s.`, { retryAfterSeconds });
    }
  }

  /** Takes one of the session's places for a running completion; throws TOO_MANY_STREAMS when none is free. */
  async startCompletion(sessionId: string): Promise<Release> {
    const max = this.#policy.maxConcurrentStreams;
    if (max === undefined) return () => {};
    const key = `${this.#prefix}streams:${sessionId}`;
    const refuse = () => new GatewayError(ErrorCode.TOO_MANY_STREAMS, `At most ${max} completion${max === 1 ? "" : "s"} may run at once for this session.`);

    if (this.#redis === undefined) {
      const running = this.#running.get(key) ?? 0;
      if (running >= max) throw refuse();
      this.#running.set(key, running + 1);
      return once(() => {
        const left = (this.#running.get(key) ?? 1) - 1;
        if (left > 0) this.#running.set(key, left);
        else this.#running.delete(key);
      });
    }

    const redis = this.#redis;
    const lease = randomUUID();
    const taken = await this.#store(() => redis.eval(ACQUIRE, 1, key, max, LEASE_MS, lease));
    if (taken !== 1) throw refuse();
    this.#leases.set(lease, key);
    this.#renewal ??= setInterval(() => this.#renew(), RENEW_EVERY_MS).unref();
    return once(() => {
      this.#leases.delete(lease);
      if (this.#leases.size === 0) this.#stopRenewal();
      // Should Redis not answer now, the lease lapses on its own.
      redis.zrem(key, lease).catch(() => {});
    });
  }

  /** Stops renewing leases (the gateway is closing). */
  close(): void {
    this.#stopRenewal();
  }

  #renew(): void {
    const redis = this.#redis;
    if (redis === undefined) return;
    for (const [lease, key] of this.#leases) redis.eval(RENEW, 1, key, LEASE_MS, lease).catch(() => {});
  }

  #stopRenewal(): void {
    clearInterval(this.#renewal);
    this.#renewal = undefined;
  }

  async #store<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (cause) {
      throw new GatewayError(ErrorCode.SESSION_STORE_UNAVAILABLE, undefined, { cause });
    }
  }
}

function once(release: () => void): Release {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    release();
  };
}
