/**
 * The child side of the bench's process protocol (over Node's IPC channel): a child announces
 * itself once it listens, reports its own peak RSS on request, samples what it allocates between
 * two requests of the parent's (`--alloc`), and stops cleanly when told to (a clean exit is what
 * lets `--cpu-prof` write its profile).
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";

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

/** What a child answers to `allocations-start` and `allocations-stop`, once done. */
export interface AllocationsMessage {
  readonly type: "allocations";
}

export type ParentMessage =
  | { readonly type: "stats" }
  | { readonly type: "stop" }
  /**
   * Starts V8's sampling heap profiler, keeping the samples of objects the GC has since freed too:
   * all that was allocated; with `survivorsOnly`, only what outlived a young-generation collection
   * (what was copied, then promoted to the old generation, or is still alive).
   */
  | { readonly type: "allocations-start"; readonly survivorsOnly: boolean }
  /** Stops it and writes the profile (`.heapprofile`, as Chrome DevTools reads it) to `file`. */
  | { readonly type: "allocations-stop"; readonly file: string };

/** One sample per this many bytes allocated, on average: fine enough for a few kilobytes per request. */
const ALLOCATION_SAMPLING_BYTES = 1024;

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
    } else if (message.type === "allocations-start" || message.type === "allocations-stop") {
      sampleAllocations(message).then(() => send({ type: "allocations" } satisfies AllocationsMessage));
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

let inspector: Session | undefined;

async function sampleAllocations(message: Extract<ParentMessage, { type: "allocations-start" | "allocations-stop" }>): Promise<void> {
  if (message.type === "allocations-start") {
    inspector = new Session();
    inspector.connect();
    // Without the two include* options, samples of freed objects are dropped: only what is alive
    // at the end would be counted. (They are newer than @types/node's description of the protocol.)
    const options = { samplingInterval: ALLOCATION_SAMPLING_BYTES, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !message.survivorsOnly };
    await inspector.post("HeapProfiler.startSampling", options);
    return;
  }
  const { profile } = (await inspector!.post("HeapProfiler.stopSampling")) as { profile: unknown };
  inspector!.disconnect();
  writeFileSync(message.file, JSON.stringify(profile));
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
