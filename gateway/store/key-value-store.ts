/**
 * The few things the gateway asks of a store: short records that always expire, read, replaced
 * only if unchanged, taken once, counters, and leases. Two implementations: Redis (shared by every
 * instance; production) and an in-process one (development). Every failure of a store reaches
 * callers as SESSION_STORE_UNAVAILABLE, raised by the implementation and nowhere else.
 */
export interface KeyValueStore {
  get(key: string): Promise<string | null>;
  /** Stores a value that expires after `ttlMs`. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /**
   * Replaces the value only if the key still holds `expected` (a sign-out in between, or any
   * other write, makes it a no-op). `ttlMs` "keep" leaves the expiry as it is.
   * @returns whether the write happened
   */
  replaceIf(key: string, expected: string, value: string, ttlMs: number | "keep"): Promise<boolean>;
  /**
   * Stores a value only where the key holds none (a new session id, never one a sign-out marked).
   * @returns whether the write happened
   */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /**
   * Stores a value whatever the key held, in one step with reading what it held (a sign-out
   * learns where a sign-in it raced moved the session to).
   * @returns the value replaced, or null when there was none
   */
  swap(key: string, value: string, ttlMs: number): Promise<string | null>;
  delete(key: string): Promise<void>;
  /** Reads and deletes in one step: of two callers racing for a key, one gets the value. */
  take(key: string): Promise<string | null>;
  /**
   * Adds one to a counter that starts at zero and expires `windowMs` after its first count.
   * @returns the count, and the milliseconds until the counter expires
   */
  increment(key: string, windowMs: number): Promise<{ count: number; ttlMs: number }>;
  /**
   * Adds `amount` (any positive number, not only whole ones) to a tally that starts at zero and
   * expires `windowMs` after its first addition.
   * @returns the tally, and the milliseconds until it expires
   */
  addTo(key: string, amount: number, windowMs: number): Promise<{ total: number; ttlMs: number }>;
  /**
   * {@link addTo} for a caller that needs no answer (a completion's cost, counted once it is
   * over): Redis gets it with the next command the store sends, in the same write, or a few
   * milliseconds later when none comes first, rather than in a round trip of its own.
   * Resolves once it is counted.
   */
  addToSoon(key: string, amount: number, windowMs: number): Promise<void>;
  /**
   * A tally kept by {@link addTo} or a counter kept by {@link increment}, as it stands.
   * @returns its value and the milliseconds until it expires; null when there is none (never counted, or expired)
   */
  readTally(key: string): Promise<{ total: number; ttlMs: number } | null>;
  /**
   * Takes one of at most `max` places under `key` for `id`, held for `leaseMs` unless renewed.
   * A holder that dies without releasing its place loses it when the lease lapses.
   * @returns whether the place was taken (false: all `max` are held)
   */
  acquireLease(key: string, id: string, max: number, leaseMs: number): Promise<boolean>;
  /**
   * Holds a place taken by {@link acquireLease} for another `leaseMs`.
   * @returns whether `id` still held its place
   */
  renewLease(key: string, id: string, leaseMs: number): Promise<boolean>;
  /** Gives back the place `id` holds under `key`; a place not held is left as it is. */
  releaseLease(key: string, id: string): Promise<void>;
  /** Whether the store takes writes now (a small key with a short TTL): what `/readyz` reports. */
  acceptsWrites(): Promise<boolean>;
  close(): Promise<void>;
}
