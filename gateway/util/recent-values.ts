/** Expired entries are swept at most this often, so a busy memo does not arm a timer per entry. */
const SWEEP_EVERY_MS = 1_000;

/**
 * A bounded memo of recently computed values, for work whose result depends on nothing but its
 * key (a verified cookie, a decrypted token, a key's model list): at most `limit` entries, the
 * oldest dropped first.
 * With `maxAgeMs`, an entry is never returned past that age, and is deleted within a second of
 * it even if nothing asks again: a memo of plaintext must not keep it after its time.
 */
export class RecentValues<Value> {
  /** In insertion order, which is also the order of `since`: a key set again moves to the end. */
  readonly #entries = new Map<string, { readonly value: Value; readonly since: number }>();
  readonly #limit: number;
  readonly #maxAgeMs: number;
  #sweep: NodeJS.Timeout | undefined;

  constructor(options: { readonly limit: number; readonly maxAgeMs?: number }) {
    this.#limit = options.limit;
    this.#maxAgeMs = options.maxAgeMs ?? Infinity;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): Value | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (this.#maxAgeMs === Infinity || Date.now() - entry.since < this.#maxAgeMs) return entry.value;
    this.#entries.delete(key);
    return undefined;
  }

  set(key: string, value: Value): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#limit) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, { value, since: Date.now() });
    if (this.#maxAgeMs !== Infinity) this.#sweepLater();
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Arms one timer for when the oldest entry expires; it re-arms itself while entries remain. */
  #sweepLater(): void {
    const oldest = this.#entries.values().next().value;
    if (this.#sweep !== undefined || oldest === undefined) return;
    const delay = Math.max(SWEEP_EVERY_MS, oldest.since + this.#maxAgeMs - Date.now());
    this.#sweep = setTimeout(() => {
      this.#sweep = undefined;
      const now = Date.now();
      for (const [key, entry] of this.#entries) {
        if (now - entry.since < this.#maxAgeMs) break;
        this.#entries.delete(key);
      }
      this.#sweepLater();
    }, delay);
    // A pending sweep never keeps the process alive.
    this.#sweep.unref();
  }
}
