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
  readonly #running = new Map<Response, CutOnClose>();
  /** One "close" listener for every response (`this` is the response that closed), not one each. */
  readonly #ended: (this: Response) => void;
  /** Wakes close() once the last completion has ended. */
  #drained: (() => void) | undefined;
  #closing: Promise<void> | undefined;

  constructor() {
    const running = this.#running;
    const wake = () => this.#drained?.();
    this.#ended = function (this: Response) {
      running.delete(this);
      if (running.size === 0) wake();
    };
  }

  /** Counts a completion in until `res` closes; false once closing has begun (the caller refuses it). */
  admit(res: Response, completion: CutOnClose): boolean {
    if (this.#closing !== undefined) return false;
    // Gone already (the client left while the request waited): nothing left to wait for.
    if (res.closed) return true;
    this.#running.set(res, completion);
    res.on("close", this.#ended);
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

  async #drain(graceMs: number): Promise<void> {
    if (this.#running.size === 0) return;
    await waitAtMost(graceMs, (wake) => (this.#drained = wake));
    this.#drained = undefined;
    // Each cut one's forwarding sees its client gone and aborts its upstream request; its lease
    // is released as its response closes, or lapses should the store be closed by then.
    for (const [res, completion] of this.#running) {
      completion.cutOnClose();
      res.destroy();
    }
  }
}
