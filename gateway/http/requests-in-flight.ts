import { waitAtMost } from "../util/wait-at-most.js";

/**
 * How many requests the gateway is answering, each from its arrival until its response closes, so
 * that closing the gateway lets them end instead of failing them halfway (a GraphQL operation
 * reaching a stopped Apollo, a sign-in losing its session write to a closed Redis): once closing
 * has begun the gateway takes no request (its handlers ask {@link closing}), and close() waits for
 * those running, up to a bound. A count, not a collection of the requests: with each response (or
 * a record of it) kept in a Map or a Set, a REST status read took about 1.5 to 2 times the CPU
 * (b/f by CPU per request 0.65-0.80 against 1.1-1.4 in interleaved `npm run bench -- --quick`
 * runs), most of it in the garbage collector. Requests that can outlast the bound, proxied
 * completions, are tracked and cut by the proxy itself (proxy/completions-in-flight.ts).
 */
export class RequestsInFlight {
  #running = 0;
  /** Wakes close() once the last request has ended. */
  #drained: (() => void) | undefined;
  #closing: Promise<void> | undefined;

  /** Whether closing has begun: the gateway takes no request from now on. */
  get closing(): boolean {
    return this.#closing !== undefined;
  }

  /** Counts a request in, until {@link ended}: told by the access log, which sees every gateway request begin and end. */
  started(): void {
    this.#running++;
  }

  /** Counts a request out: its response closed. */
  ended(): void {
    if (--this.#running === 0) this.#drained?.();
  }

  /** Stops taking requests and resolves once none is running, or after `graceMs`. Later calls share the first. */
  close(graceMs: number): Promise<void> {
    this.#closing ??= this.#drain(graceMs);
    return this.#closing;
  }

  async #drain(graceMs: number): Promise<void> {
    if (this.#running === 0) return;
    await waitAtMost(graceMs, (wake) => (this.#drained = wake));
    this.#drained = undefined;
  }
}
