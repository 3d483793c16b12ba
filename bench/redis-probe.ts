/**
 * What the bench reads from Redis itself: command counts (`INFO commandstats`), memory
 * (`INFO memory`, `MEMORY USAGE`), and the server's own capacity for given commands
 * (`redis-benchmark`, run against the same private server).
 */
import { execFile } from "node:child_process";
import { Redis } from "ioredis";

const BENCHMARK_TIMEOUT_MS = 60_000;

/** Commands the probe itself sends; never counted against the gateway. */
const PROBE_COMMANDS = new Set(["info", "dbsize", "memory", "ping", "client", "hello", "command", "config", "scan"]);

export class RedisProbe {
  readonly #redis: Redis;

  constructor(readonly url: string) {
    this.#redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  }

  /** Calls per command name so far (lower-case, probe commands left out). */
  async commandCalls(): Promise<Map<string, number>> {
    const text = await this.#redis.info("commandstats");
    const calls = new Map<string, number>();
    for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      const name = match[1]!.toLowerCase();
      if (!PROBE_COMMANDS.has(name)) calls.set(name, Number(match[2]));
    }
    return calls;
  }

  async usedMemory(): Promise<number> {
    const text = await this.#redis.info("memory");
    const match = /^used_memory:(\d+)/m.exec(text);
    if (match === null) throw new Error("bench: INFO memory has no used_memory");
    return Number(match[1]);
  }

  dbsize(): Promise<number> {
    return this.#redis.dbsize();
  }

  /** Bytes Redis accounts to one key (value, key name, and the key's overhead), exactly (SAMPLES 0). */
  async memoryUsage(key: string): Promise<number> {
    const bytes = (await this.#redis.call("MEMORY", "USAGE", key, "SAMPLES", "0")) as number | null;
    if (bytes === null) throw new Error(`bench: MEMORY USAGE found no key ${key}`);
    return bytes;
  }

  async firstKey(pattern: string): Promise<string> {
    let cursor = "0";
    do {
      const [next, keys] = await this.#redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      if (keys[0] !== undefined) return keys[0];
      cursor = next;
    } while (cursor !== "0");
    throw new Error(`bench: no key matches ${pattern}`);
  }

  get(key: string): Promise<string | null> {
    return this.#redis.get(key);
  }

  async version(): Promise<string> {
    const text = await this.#redis.info("server");
    return /^redis_version:(\S+)/m.exec(text)?.[1] ?? "unknown";
  }

  async close(): Promise<void> {
    await this.#redis.quit();
  }
}

/** Per-request command counts between two `commandCalls()` readings. */
export function perRequest(before: Map<string, number>, after: Map<string, number>, requests: number): Record<string, number> {
  const costs: Record<string, number> = {};
  for (const [name, calls] of after) {
    const delta = calls - (before.get(name) ?? 0);
    if (delta > 0) costs[name] = delta / requests;
  }
  return costs;
}

/**
 * Redis's own throughput for one exact command (e.g. ["GET", key]) on this machine:
 * `redis-benchmark` with its default 50 clients and no pipelining. Resolves to operations/s.
 */
export function redisBenchmark(port: number, command: readonly string[], requests: number): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(
      "redis-benchmark",
      ["-h", "127.0.0.1", "-p", String(port), "-q", "-n", String(requests), "-c", "50", ...command],
      { timeout: BENCHMARK_TIMEOUT_MS, killSignal: "SIGKILL", encoding: "utf8", maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`redis-benchmark ${command[0]} failed: ${stderr.trim() || error.message}`));
        // Progress lines end in "\r"; the result is the last "<N> requests per second" figure.
        const figures = [...stdout.matchAll(/([\d.]+) requests per second/g)];
        const last = figures.at(-1);
        if (last === undefined) return reject(new Error(`redis-benchmark ${command[0]}: no figure in its output: ${stdout.slice(-300)}`));
        resolve(Number(last[1]));
      },
    );
  });
}
