import type { KeyValueStore } from "./key-value-store.js";

export interface MemoryStoreOptions {
  /** At most this many keys; a write beyond it drops the key written longest ago. */
  readonly maxEntries?: number;
  /** How often expired keys are dropped. */
  readonly sweepEveryMs?: number;
  readonly now?: () => number;
}

/**
 * About 10,000 sessions of under a kilobyte each: enough for development on one machine, and
 * a flood of sign-in starts cannot grow the process past some megabytes.
 */
const DEFAULT_MAX_ENTRIES = 10_000;
const DEFAULT_SWEEP_EVERY_MS = 10_000;

/**
 * The in-process store, for development without Redis: one process, lost on restart. A write
 * costs the same however many keys there are: expired keys are dropped by a timer, not by the
 * writes, and a full store drops the key written longest ago (the Map keeps write order).
 */
export class MemoryStore implements KeyValueStore {
  readonly #entries = new Map<string, { value: string; expiresAt: number }>();
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: MemoryStoreOptions = {}) {
    this.#maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.#now = options.now ?? Date.now;
    this.#sweeper = setInterval(() => this.#sweep(), options.sweepEveryMs ?? DEFAULT_SWEEP_EVERY_MS);
    // The timer alone must not keep a process (or a test run) alive.
    this.#sweeper.unref();
  }

  /** How many keys are held, expired ones the timer has not dropped yet included. */
  get size(): number {
    return this.#entries.size;
  }

  async get(key: string): Promise<string | null> {
    return this.#live(key)?.value ?? null;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.#write(key, value, this.#now() + ttlMs);
  }

  async replaceIf(key: string, expected: string, value: string, ttlMs: number | "keep"): Promise<boolean> {
    const entry = this.#live(key);
    if (entry === undefined || entry.value !== expected) return false;
    this.#write(key, value, ttlMs === "keep" ? entry.expiresAt : this.#now() + ttlMs);
    return true;
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.#live(key) !== undefined) return false;
    this.#write(key, value, this.#now() + ttlMs);
    return true;
  }

  async swap(key: string, value: string, ttlMs: number): Promise<string | null> {
    const previous = this.#live(key)?.value ?? null;
    this.#write(key, value, this.#now() + ttlMs);
    return previous;
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  async take(key: string): Promise<string | null> {
    const value = this.#live(key)?.value ?? null;
    this.#entries.delete(key);
    return value;
  }

  async increment(key: string, windowMs: number): Promise<{ count: number; ttlMs: number }> {
    const now = this.#now();
    const entry = this.#live(key);
    const count = (entry === undefined ? 0 : Number(entry.value)) + 1;
    const expiresAt = entry?.expiresAt ?? now + windowMs;
    this.#write(key, String(count), expiresAt);
    return { count, ttlMs: expiresAt - now };
  }

  async addTo(key: string, amount: number, windowMs: number): Promise<{ total: number; ttlMs: number }> {
    const now = this.#now();
    const entry = this.#live(key);
    const total = (entry === undefined ? 0 : Number(entry.value)) + amount;
    const expiresAt = entry?.expiresAt ?? now + windowMs;
    this.#write(key, String(total), expiresAt);
    return { total, ttlMs: expiresAt - now };
  }

  async addToSoon(key: string, amount: number, windowMs: number): Promise<void> {
    await this.addTo(key, amount, windowMs);
  }

  async readTally(key: string): Promise<{ total: number; ttlMs: number } | null> {
    const entry = this.#live(key);
    return entry === undefined ? null : { total: Number(entry.value), ttlMs: entry.expiresAt - this.#now() };
  }

  async acquireLease(key: string, id: string, max: number, leaseMs: number): Promise<boolean> {
    const now = this.#now();
    const leases = this.#liveLeases(key, now);
    if (leases.size >= max) return false;
    leases.set(id, now + leaseMs);
    this.#writeLeases(key, leases);
    return true;
  }

  async renewLease(key: string, id: string, leaseMs: number): Promise<boolean> {
    const now = this.#now();
    const leases = this.#liveLeases(key, now);
    if (!leases.has(id)) return false;
    leases.set(id, now + leaseMs);
    this.#writeLeases(key, leases);
    return true;
  }

  async releaseLease(key: string, id: string): Promise<void> {
    const leases = this.#liveLeases(key, this.#now());
    if (!leases.delete(id)) return;
    if (leases.size === 0) this.#entries.delete(key);
    else this.#writeLeases(key, leases);
  }

  async acceptsWrites(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#entries.clear();
  }

  #live(key: string): { value: string; expiresAt: number } | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined || entry.expiresAt > this.#now()) return entry;
    this.#entries.delete(key);
    return undefined;
  }

  /** The leases under `key` that have not lapsed: id → when it lapses. */
  #liveLeases(key: string, now: number): Map<string, number> {
    const value = this.#live(key)?.value;
    const leases = new Map<string, number>(value === undefined ? [] : (JSON.parse(value) as [string, number][]));
    for (const [id, lapsesAt] of leases) if (lapsesAt <= now) leases.delete(id);
    return leases;
  }

  /**
   * A key's leases are one entry (as they are one sorted set in Redis), so that they count
   * against the same bound and expire, with the last of them, like every other key.
   */
  #writeLeases(key: string, leases: Map<string, number>): void {
    this.#write(key, JSON.stringify([...leases]), Math.max(...leases.values()));
  }

  #write(key: string, value: string, expiresAt: number): void {
    // Deleted first so that the key moves to the end of the write order.
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, { value, expiresAt });
  }

  #sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }
}
