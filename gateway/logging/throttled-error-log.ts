import type { Logger } from "./logger.js";

/**
 * Error lines for a failure that every request meets while it lasts, such as the session store
 * being unreachable: the first is written at once, then at most one per interval, each saying
 * how many like it were held back since the last. A line per request during an outage would
 * bury the log in the same words while the service is already struggling (the access log still
 * has every failed request, and the Redis connection logs when it goes down and comes back).
 */
export class ThrottledErrorLog {
  readonly #logger: Logger;
  readonly #everyMs: number;
  #lastAt = -Infinity;
  #heldBack = 0;

  constructor(logger: Logger, options: { readonly everyMs?: number } = {}) {
    this.#logger = logger;
    this.#everyMs = options.everyMs ?? 1_000;
  }

  error(fields: Record<string, unknown>, message: string): void {
    const now = Date.now();
    if (now - this.#lastAt < this.#everyMs) {
      this.#heldBack++;
      return;
    }
    this.#logger.error(this.#heldBack === 0 ? fields : { ...fields, heldBack: this.#heldBack }, message);
    this.#lastAt = now;
    this.#heldBack = 0;
  }
}
