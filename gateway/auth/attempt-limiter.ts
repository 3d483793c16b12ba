import { ErrorCode, GatewayError } from "../errors.js";
import type { Caller } from "../model.js";
import type { KeyValueStore } from "../store/key-value-store.js";

export interface AttemptLimit {
  /** Attempts allowed per window, for each client address and for each session. */
  readonly max: number;
  readonly windowSeconds: number;
}

export interface AttemptLimiterOptions {
  /** Where the counters live: in Redis, shared by every instance. */
  readonly store: KeyValueStore;
  readonly limit: AttemptLimit;
  /** Prepended to every counter's key (one prefix per kind of attempt). */
  readonly prefix: string;
}

/**
 * Fixed-window counters of attempts (sign-ins, OAuth starts), per client address and per
 * session. In Redis the counters are shared by every gateway instance, so a client cannot
 * multiply its budget by spreading requests; they are plain numbers (counters may be kept in
 * the clear) and always carry the window as TTL.
 */
export class AttemptLimiter {
  readonly #options: AttemptLimiterOptions;

  constructor(options: AttemptLimiterOptions) {
    this.#options = options;
  }

  /** Counts one attempt; throws RATE_LIMITED with the seconds to wait once over the limit. */
  async hit(caller: Caller): Promise<void> {
    const { store, limit, prefix } = this.#options;
    const keys = [`ip:${caller.ip}`];
    if (caller.sessionId !== undefined) keys.push(`sid:${caller.sessionId}`);
    const counts = await Promise.all(keys.map((key) => store.increment(prefix + key, limit.windowSeconds * 1000)));
    const over = counts.filter((count) => count.count > limit.max);
    if (over.length > 0) {
      const retryAfterSeconds = Math.max(1, ...over.map((count) => Math.ceil(count.ttlMs / 1000)));
      throw new GatewayError(ErrorCode.RATE_LIMITED, `Too many attempts. Try again in ${retryAfterSeconds} s.`, { retryAfterSeconds });
    }
  }
}
