import { randomUUID } from "node:crypto";
import type { ProxyConfig } from "../config.js";
import { ErrorCode, GatewayError } from "../errors.js";
import type { KeyValueStore } from "../store/key-value-store.js";

/** How long a running completion holds its place without its gateway confirming it still runs. */
const LEASE_MS = 60_000;
/** How often a gateway confirms the completions it is running: well within a lease. */
const RENEW_EVERY_MS = 20_000;

/** Gives back a place taken by {@link AccountLimits.admit}; calling it again does nothing. */
export type Release = () => void;

/**
 * The proxy's per-account limits: requests per window (a fixed-window counter, like the sign-in
 * attempt limits) and requests running at once, counted per OpenRouter account (account-id.ts:
 * never the key), so that every session with the same key shares them. Both live in the gateway's
 * store, so with Redis they are shared by every gateway instance. A running completion holds a lease rather
 * than a plain count: its gateway renews the lease while the completion runs and releases it when
 * the completion ends, and if that gateway dies, the lease lapses on its own within a minute.
 * Keys hold counters and random lease ids, nothing about the user.
 */
export class AccountLimits {
  readonly #store: KeyValueStore;
  readonly #policy: Pick<ProxyConfig, "rateLimit" | "maxConcurrentStreams">;
  readonly #prefix: string;
  /** Leases this instance holds: lease id → key. */
  readonly #leases = new Map<string, string>();
  #renewal: NodeJS.Timeout | undefined;

  constructor(options: { store: KeyValueStore; policy: Pick<ProxyConfig, "rateLimit" | "maxConcurrentStreams">; prefix: string }) {
    this.#store = options.store;
    this.#policy = options.policy;
    this.#prefix = options.prefix;
  }

  /** Whether a limit is set at all: without one, admit() asks the store nothing and its release does nothing. */
  get counts(): boolean {
    return this.#policy.rateLimit !== undefined || this.#policy.maxConcurrentStreams !== undefined;
  }

  /**
   * Both limits for one request: counts it against the window and takes a place for it, the two
   * asked of the store at once (with Redis, both sent before either answer
   * comes: one round trip's wait, where asking in turn waited for two). A completion over its window gets RATE_LIMITED as before,
   * and gives back at once the place it took meanwhile: in that moment the place could turn away
   * only another request of the same account, which (unless the window ends in between) is
   * over the window too.
   * @throws RATE_LIMITED, TOO_MANY_STREAMS
   */
  async admit(account: string): Promise<Release> {
    const [counted, started] = await Promise.allSettled([this.#countRequest(account), this.#startCompletion(account)]);
    if (counted.status === "rejected") {
      if (started.status === "fulfilled") started.value();
      throw counted.reason;
    }
    if (started.status === "rejected") throw started.reason;
    return started.value;
  }

  /** Counts one request against the account's window; throws RATE_LIMITED with the seconds to wait once over it. */
  async #countRequest(account: string): Promise<void> {
    const limit = this.#policy.rateLimit;
    if (limit === undefined) return;
    const { count, ttlMs } = await this.#store.increment(`${this.#prefix}rate:${account}`, limit.windowSeconds * 1000);
    if (count > limit.max) {
      const retryAfterSeconds = Math.max(1, Math.ceil(ttlMs / 1000));
      throw new GatewayError(ErrorCode.RATE_LIMITED, `Too many requests for this OpenRouter account. Try again in ${retryAfterSeconds} s.`, { retryAfterSeconds });
    }
  }

  /** Takes one of the account's places for a running request; throws TOO_MANY_STREAMS when none is free. */
  async #startCompletion(account: string): Promise<Release> {
    const max = this.#policy.maxConcurrentStreams;
    if (max === undefined) return () => {};
    const key = `${this.#prefix}streams:${account}`;
    const lease = randomUUID();
    if (!(await this.#store.acquireLease(key, lease, max, LEASE_MS))) {
      throw new GatewayError(ErrorCode.TOO_MANY_STREAMS, `At most ${max} completion${max === 1 ? "" : "s"} may run at once for this OpenRouter account.`);
    }
    this.#leases.set(lease, key);
    this.#renewal ??= setInterval(() => this.#renew(), RENEW_EVERY_MS).unref();
    return once(() => {
      this.#leases.delete(lease);
      if (this.#leases.size === 0) this.#stopRenewal();
      // Should the store not answer now, the lease lapses on its own.
      this.#store.releaseLease(key, lease).catch(() => {});
    });
  }

  /** Stops renewing leases (the gateway is closing). */
  close(): void {
    this.#stopRenewal();
  }

  #renew(): void {
    // A renewal the store misses is tried again next time; the lease outlives two misses.
    for (const [lease, key] of this.#leases) this.#store.renewLease(key, lease, LEASE_MS).catch(() => {});
  }

  #stopRenewal(): void {
    clearInterval(this.#renewal);
    this.#renewal = undefined;
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
