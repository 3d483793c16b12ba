/**
 * The child side of the bench's process protocol (over Node's IPC channel): a child announces
 * itself once it listens, reports its own peak RSS on request, and stops cleanly when told to
 * (a clean exit is what lets `--cpu-prof` write its profile).
 */

/** What a child sends once it is ready to take load. */
export interface ReadyMessage {
  readonly type: "ready";
  readonly info: Record<string, string | number>;
}

/** What a child answers to `{ type: "stats" }`. */
export interface StatsMessage {
  readonly type: "stats";
  /** Peak resident set size of this process so far (getrusage's ru_maxrss). */
  readonly maxRssBytes: number;
  readonly rssBytes: number;
  /** CPU time this process has used so far (user + system), in microseconds. */
  readonly cpuMicros: number;
  /** V8's heap right now (where RSS goes): reserved, in use, and memory outside it (buffers). */
  readonly heapTotalBytes: number;
  readonly heapUsedBytes: number;
  readonly externalBytes: number;
}

export type ParentMessage = { readonly type: "stats" } | { readonly type: "stop" };

/** Announces the child, then serves the parent's requests until told to stop. */
export function serveParent(info: Record<string, string | number>, close: () => Promise<void>): void {
  if (process.send === undefined) throw new Error("a bench child must be started by bench/run.ts (no IPC channel)");
  const send = process.send.bind(process);
  process.on("message", (message: ParentMessage) => {
    if (message.type === "stats") {
      const usage = process.resourceUsage();
      const memory = process.memoryUsage();
      const stats: StatsMessage = {
        type: "stats",
        maxRssBytes: usage.maxRSS * 1024,
        rssBytes: memory.rss,
        cpuMicros: usage.userCPUTime + usage.systemCPUTime,
        heapTotalBytes: memory.heapTotal,
        heapUsedBytes: memory.heapUsed,
        externalBytes: memory.external,
      };
      send(stats);
    } else if (message.type === "stop") {
      close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    }
  });
  // The parent went away without saying stop: do not outlive it.
  process.on("disconnect", () => process.exit(0));
  const ready: ReadyMessage = { type: "ready", info };
  send(ready);
}

/** The port a baseline listens on, from PORT (default 0: any free port), as the gateway reads it. */
export function portFromEnv(): number {
  const raw = process.env.PORT ?? "0";
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) throw new Error(`PORT must be a port number (got "${raw}")`);
  return port;
}

/** Every bench server listens on loopback only. */
export const LOOPBACK = "127.0.0.1";
