import type { Response } from "express";
import { waitAtMost } from "../util/wait-at-most.js";

/** What closing does to a completion still running past the bound. */
export interface CutOnClose {
  /** Called just before its response is destroyed, so that its log line says why it ended. */
  cutOnClose(): void;
}

/**
 * The proxied completions this gateway is answering, each from its arrival until its response
 * closes, so that closing the gateway lets them end instead of cutting them: once closing has
 * begun no completion is admitted, and those admitted before get until a bound to end. Past it
 * their connections are destroyed, so that no cut answer looks complete.
 */
export class CompletionsInFlight {
  /**
   * The running completions, in no order: one that ends is replaced by the last. Not a Map keyed
   * by response: V8 rebuilds the table of a Map this busy every few dozen completions, and a
   * discarded table still points at the responses it held, so young collections kept them and
   * everything they reference, and moved it to the old generation. That was a fifth of all a
   * completion allocates, and a full collection every half second (docs/performance.md).
   */
  readonly #running: Running[] = [];
  /** Wakes close() once the last completion has ended. */
  #drained: (() => void) | undefined;
  #closing: Promise<void> | undefined;

  /** Counts a completion in until `res` closes; false once closing has begun (the caller refuses it). */
  admit(res: Response, completion: CutOnClose): boolean {
    if (this.#closing !== undefined) return false;
    // Gone already (the client left while the request waited): nothing left to wait for.
    if (res.closed) return true;
    const running: Running = { res, completion, index: this.#running.length };
    this.#running.push(running);
    res.on("close", () => this.#ended(running));
    return true;
  }

  /**
   * Stops admitting completions, waits for those running to end, at most `graceMs`, and cuts
   * those still running then. Later calls share the first.
   */
  close(graceMs: number): Promise<void> {
    this.#closing ??= this.#drain(graceMs);
    return this.#closing;
  }

  #ended(running: Running): void {
    if (this.#running[running.index] !== running) return;
    const last = this.#running.pop()!;
    if (last !== running) {
      this.#running[running.index] = last;
      last.index = running.index;
    }
    if (this.#running.length === 0) this.#drained?.();
  }

  async #drain(graceMs: number): Promise<void> {
    if (this.#running.length === 0) return;
    await waitAtMost(graceMs, (wake) => (this.#drained = wake));
    this.#drained = undefined;
    // Each cut one's forwarding sees its client gone and aborts its upstream request; its lease
    // is released as its response closes, or lapses should the store be closed by then. Cutting
    // one takes it out of the list, so the list is copied first.
    for (const { res, completion } of [...this.#running]) {
      completion.cutOnClose();
      res.destroy();
    }
  }
}

interface Running {
  readonly res: Response;
  readonly completion: CutOnClose;
  /** Where it is in the list. */
  index: number;
}
