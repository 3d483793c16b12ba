import type { ReactiveControllerHost } from "lit";

/** The life of one piece of async work, as `@lit/task` names it. */
export type TaskStatus = "initial" | "pending" | "complete" | "error";

/**
 * Async work owned by a Lit host, shaped like `@lit/task`'s `Task` (which is not a dependency,
 * for the bundle's size): the latest run wins, each run gets its own `AbortSignal`, and the status
 * says where the work stands. The host re-renders whenever the status changes.
 */
export class Task<TArgs extends unknown[], TResult> {
  /** Where the latest run stands; `initial` again after an abort. */
  status: TaskStatus = "initial";
  /** What the latest complete run resolved to. */
  value?: TResult;
  /** Why the latest run failed, when its status is `error`. */
  error?: unknown;

  private controller?: AbortController;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly work: (signal: AbortSignal, ...args: TArgs) => Promise<TResult>,
  ) {}

  /**
   * Runs the work, aborting a run in flight first. Resolves once this run is over; a run that was
   * aborted or superseded changes nothing, so its caller reads `status` to learn what happened
   * (still `pending`: a newer run is in flight).
   */
  async run(...args: TArgs): Promise<void> {
    this.abort();
    const controller = (this.controller = new AbortController());
    this.status = "pending";
    this.host.requestUpdate();
    try {
      const value = await this.work(controller.signal, ...args);
      if (controller.signal.aborted) return;
      this.status = "complete";
      this.value = value;
    } catch (error) {
      if (controller.signal.aborted) return;
      this.status = "error";
      this.error = error;
    }
    this.controller = undefined;
    this.host.requestUpdate();
  }

  /** Aborts the run in flight, if any; the status goes back to `initial`. */
  abort(): void {
    if (!this.controller) return;
    this.controller.abort();
    this.controller = undefined;
    this.status = "initial";
    this.host.requestUpdate();
  }
}
