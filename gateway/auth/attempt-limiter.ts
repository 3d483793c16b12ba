import { ErrorCode, GatewayError } from "../errors.js";
import type { Caller } from "../model.js";
import { storeCommand, type RedisClient } from "../session/redis-connection.js";

export interface AttemptLimit {
  /** Attempts allowed per window, for each client address and for each session. */
  readonly max: number;
  readonly windowSeconds: number;
}

export interface AttemptLimiterOptions {
  /** Where the counters live; undefined keeps them in this process. */
  readonly redis: RedisClient | undefined;
  readonly limit: AttemptLimit;
  /** Prepended to every counter's key. */
  readonly prefix: string;
}

/**
 * Fixed-window counters of sign-in attempts (validateKey, completeOAuth), per client address and
 * per session. In Redis the counters are shared by every gateway instance, so a client cannot
 * multiply its budget by spreading requests; they are plain numbers (SPEC §6 allows counters
 * in the clear) and always carry the window as TTL.
 */
export class AttemptLimiter {
  readonly #options: AttemptLimiterOptions;
  readonly #memory = new Map<string, { count: number; resetAt: number }>();

  constructor(options: AttemptLimiterOptions) {
    this.#options = options;
  }

  /** Counts one attempt; throws RATE_LIMITED with the seconds to wait once over the limit. */
  async hit(caller: Caller): Promise<void> {
    const keys = [`ip:${caller.ip}`];
    if (caller.sessionId !== undefined) keys.push(`sid:${caller.sessionId}`);
    const counts = await Promise.all(keys.map((key) => this.#count(this.#options.prefix + key)));
    const over = counts.filter((count) => count.count > this.#options.limit.max);
    if (over.length > 0) {
      const retryAfterSeconds = Math.max(1, ...over.map((count) => count.retryAfterSeconds));
      throw new GatewayError(ErrorCode.RATE_LIMITED, `Too many attempts. Try again in ${retryAfterSeconds} s.`, { retryAfterSeconds });
    }
  }

  async #count(key: string): Promise<{ count: number; retryAfterSeconds: number }> {
    const { redis, limit } = this.#options;
    const windowMs = limit.windowSeconds * 1000;
    if (redis === undefined) {
      const now = Date.now();
      let entry = this.#memory.get(key);
      if (entry === undefined || entry.resetAt <= now) {
        if (this.#memory.size > 100_000) this.#sweep(now);
        entry = { count: 0, resetAt: now + windowMs };
        this.#memory.set(key, entry);
      }
      entry.count++;
      return { count: entry.count, retryAfterSeconds: Math.ceil((entry.resetAt - now) / 1000) };
    }
    // One round trip: create the counter with its TTL if new, count, and read what is left.
    const replies = await storeCommand(() => redis.multi().set(key, "0", "PX", windowMs, "NX").incr(key).pttl(key).exec());
    const failed = replies?.find(([error]) => error !== null);
    if (replies === null || failed !== undefined) throw new GatewayError(ErrorCode.SESSION_STORE_UNAVAILABLE, undefined, { cause: failed?.[0] });
    const count = Number(replies[1]![1]);
    const ttlMs = Number(replies[2]![1]);
    return { count, retryAfterSeconds: Math.ceil(Math.max(ttlMs, 0) / 1000) };
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#memory) if (entry.resetAt <= now) this.#memory.delete(key);
  }
}
