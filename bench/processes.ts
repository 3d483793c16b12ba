/**
 * The parent side of the bench's process protocol (see child.ts): start a server script in a
 * Node process of its own, wait (bounded) for it to say it listens, ask it for its peak RSS, and
 * stop it by pid. Children write their stdout (the gateway's request log) to /dev/null, as a
 * log shipper would take it off their hands; stderr is kept to explain a failed start.
 */
import { fork, type ChildProcess } from "node:child_process";
import { openSync, closeSync } from "node:fs";
import { join } from "node:path";
import type { AllocationsMessage, ParentMessage, ReadyMessage, StatsMessage } from "./child.js";

const READY_TIMEOUT_MS = 30_000;
/** For stats, and for an allocation profile (written as JSON: tens of megabytes for a measured run). */
const ANSWER_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const STDERR_TAIL_CHARS = 4_000;

/**
 * The children still running, killed by one listener should the bench end first: a listener per
 * child went past Node's warning threshold (10), as a run has a dozen children at once.
 */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export interface BenchChild {
  readonly name: string;
  readonly pid: number;
  /** What the child announced (port, URLs, ...). */
  readonly info: Record<string, string | number>;
  stats(): Promise<StatsMessage>;
  /**
   * Samples what the child allocates while `during` runs, and writes the profile to `file` (see
   * child.ts); with `survivorsOnly`, only what outlives a young-generation collection.
   */
  sampleAllocations<T>(file: string, during: () => Promise<T>, survivorsOnly?: boolean): Promise<T>;
  /** Asks the child to stop cleanly (so `--cpu-prof` writes its profile), then SIGKILLs it by pid after a bound. */
  stop(): Promise<void>;
}

/**
 * Runs `bench/<script>.js` from the compiled tree (see compile.ts) on plain node, with `env`
 * added to this process's environment.
 */
export async function startChild(buildDir: string, name: string, script: string, env: Record<string, string>, execArgv: string[] = []): Promise<BenchChild> {
  const devNull = openSync("/dev/null", "w");
  let child: ChildProcess;
  try {
    child = fork(join(buildDir, "bench", `${script}.js`), [], {
      execArgv,
      env: { ...process.env, ...env },
      stdio: ["ignore", devNull, "pipe", "ipc"],
    });
  } finally {
    closeSync(devNull);
  }
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
  });
  // Killed should the bench end first (see `running`); forgotten once it has exited.
  running.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      running.delete(child);
      resolve();
    }),
  );

  const info = await new Promise<Record<string, string | number>>((resolve, reject) => {
    const timer = setTimeout(() => fail(`did not get ready within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    const onMessage = (message: ReadyMessage) => {
      if (message.type !== "ready") return;
      cleanup();
      resolve(message.info);
    };
    const onExit = (code: number | null) => fail(`exited during start-up (code ${code})`);
    function cleanup() {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
    }
    function fail(why: string) {
      cleanup();
      child.kill("SIGKILL");
      reject(new Error(`bench: ${name} (${script}) ${why}:\n${stderr.trim()}`));
    }
    child.on("message", onMessage);
    child.once("exit", onExit);
  });

  /** Sends `message` and waits, bounded, for the child's answer of type `answer`. */
  function ask<Answer extends StatsMessage | AllocationsMessage>(message: ParentMessage, answer: Answer["type"]): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.off("message", onMessage);
        reject(new Error(`bench: ${name} did not answer ${message.type} within ${ANSWER_TIMEOUT_MS} ms`));
      }, ANSWER_TIMEOUT_MS);
      const onMessage = (received: Answer) => {
        if (received.type !== answer) return;
        clearTimeout(timer);
        child.off("message", onMessage);
        resolve(received);
      };
      child.on("message", onMessage);
      child.send(message);
    });
  }

  return {
    name,
    pid: child.pid!,
    info,
    async sampleAllocations<T>(file: string, during: () => Promise<T>, survivorsOnly = false): Promise<T> {
      await ask({ type: "allocations-start", survivorsOnly }, "allocations");
      const result = await during();
      await ask({ type: "allocations-stop", file }, "allocations");
      return result;
    },
    stats() {
      return ask({ type: "stats" }, "stats");
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.send({ type: "stop" });
        let timer: NodeJS.Timeout | undefined;
        const inTime = await Promise.race([exited.then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), STOP_TIMEOUT_MS)))]);
        clearTimeout(timer);
        if (!inTime) {
          child.kill("SIGKILL");
          await exited;
        }
      }
    },
  };
}
