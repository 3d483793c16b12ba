/**
 * A Redis for gateway tests: the one `REDIS_URL` names (CI may provide it), or a private
 * `redis-server` on a spare port that only this process uses and may stop, pause and restart.
 * Like connect-redis's own `testdata/server.ts`, but with a bounded readiness poll.
 */
import { execFile, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createConnection, createServer } from "node:net";
import type { AddressInfo } from "node:net";

export interface RedisServerHandle {
  /** "redis://127.0.0.1:PORT" */
  readonly url: string;
  readonly port: number;
  /** True when REDIS_URL was honoured: then stop/start/pause/resume throw a clear error. */
  readonly external: boolean;
  /** SIGTERM by pid, wait for exit (bounded). */
  stop(): Promise<void>;
  /** Start again on the same port (data is not kept: --save "" --appendonly no). */
  start(): Promise<void>;
  /** SIGSTOP: Redis hangs (accepts TCP, never answers). */
  pause(): void;
  /** SIGCONT */
  resume(): void;
  /** FLUSHALL, for isolation between tests (works in both modes). */
  flushAll(): Promise<void>;
  /**
   * Run one command through `redis-cli -u url` and return its raw output, without the final
   * newline (for TTL, GET, KEYS, INFO in assertions). An error reply comes back as its text
   * ("ERR ..."), as redis-cli prints it; rejects when redis-cli itself fails or times out.
   */
  command(...args: string[]): Promise<string>;
  /** Stop for good (no-op when external). */
  close(): Promise<void>;
}

const HOST = "127.0.0.1";
const READY_TIMEOUT_MS = 10_000;
const READY_POLL_MS = 50;
const PING_TIMEOUT_MS = 500;
const STOP_TIMEOUT_MS = 5_000;
const KILL_TIMEOUT_MS = 2_000;
const CLI_TIMEOUT_MS = 5_000;
const LOG_TAIL_CHARS = 4_000;

/** A port the OS says is free right now (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once("error", reject);
    probe.listen(0, HOST, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Passes a spawned server's output to `onOutput` (for the tail shown when it fails to start),
 * without letting the child or its pipes keep the test process alive: exit hooks kill it.
 */
export function followOutput(child: ChildProcess, onOutput: (chunk: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding("utf8");
    stream?.on("data", onOutput);
  }
  child.unref();
  for (const stream of [child.stdout, child.stderr]) (stream as { unref?: () => void } | null)?.unref?.();
}

/** One raw RESP PING to 127.0.0.1; resolves true on "+PONG", false on anything else (refused, error, silence). */
export function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port });
    let reply = "";
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), PING_TIMEOUT_MS);
    socket.setEncoding("utf8");
    socket.once("connect", () => socket.write("*1\r\n$4\r\nPING\r\n"));
    socket.on("data", (chunk: string) => {
      reply += chunk;
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
    });
    socket.once("error", () => done(false));
    socket.once("close", () => done(false));
  });
}

function redisCli(url: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "redis-cli",
      ["--no-auth-warning", "-u", url, ...args],
      { timeout: CLI_TIMEOUT_MS, killSignal: "SIGKILL", encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error) {
          // error.message repeats the command line, which holds the URL and maybe a password.
          const reason = stderr.trim() || (error.killed ? `no answer within ${CLI_TIMEOUT_MS} ms` : `exit code ${error.code}`);
          reject(new Error(`redis-cli ${args.join(" ")} failed: ${reason}`));
          return;
        }
        resolve(stdout.replace(/\r?\n$/, ""));
      },
    );
  });
}

async function flushAll(url: string): Promise<void> {
  const reply = await redisCli(url, ["FLUSHALL"]);
  if (reply !== "OK") throw new Error(`redis-server test support: FLUSHALL answered ${JSON.stringify(reply)}`);
}

function externalHandle(url: string): RedisServerHandle {
  const parsed = new URL(url);
  const port = parsed.port ? Number(parsed.port) : 6379;
  const refuse = (what: string): never => {
    throw new Error(
      `redis-server test support: cannot ${what} the external Redis named by REDIS_URL; ` +
        "call startRedisServer({ private: true }) in tests that stop, pause or restart Redis",
    );
  };
  return {
    url,
    port,
    external: true,
    stop: async () => refuse("stop"),
    start: async () => refuse("start"),
    pause: () => refuse("pause"),
    resume: () => refuse("resume"),
    flushAll: () => flushAll(url),
    command: (...args) => redisCli(url, args),
    close: async () => {},
  };
}

class PrivateRedis implements RedisServerHandle {
  readonly url: string;
  readonly external = false;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private paused = false;
  private closed = false;
  private log = "";
  private readonly killOnExit = () => {
    if (this.child?.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  };

  constructor(readonly port: number) {
    this.url = `redis://${HOST}:${port}`;
    process.on("exit", this.killOnExit);
  }

  async start(): Promise<void> {
    if (this.closed) throw new Error("redis-server test support: this server was closed");
    if (this.child) return;
    this.log = "";
    this.paused = false;
    const child = spawn(
      "redis-server",
      ["--port", String(this.port), "--bind", HOST, "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    this.child = child;
    this.exited = new Promise<void>((resolve) => {
      child.once("exit", () => {
        if (this.child === child) this.child = undefined;
        resolve();
      });
      // A spawn failure (redis-server not on PATH) emits "error" and maybe no "exit".
      child.once("error", (error) => {
        this.log += `\n${error.message}`;
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });
    followOutput(child, (chunk) => {
      this.log = (this.log + chunk).slice(-LOG_TAIL_CHARS);
    });

    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.child !== child) {
        throw new Error(`redis-server on port ${this.port} exited during start-up:\n${this.log.trim()}`);
      }
      if (await ping(this.port)) return;
      await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
    }
    await this.stop();
    throw new Error(`redis-server on port ${this.port} did not answer PING within ${READY_TIMEOUT_MS} ms:\n${this.log.trim()}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill("SIGTERM");
    // A stopped process only acts on SIGTERM once continued.
    if (this.paused) child.kill("SIGCONT");
    this.paused = false;
    if (await this.waitForExit(STOP_TIMEOUT_MS)) return;
    child.kill("SIGKILL");
    if (!(await this.waitForExit(KILL_TIMEOUT_MS))) {
      throw new Error(`redis-server (pid ${child.pid}) did not exit after SIGKILL`);
    }
  }

  pause(): void {
    if (!this.child) throw new Error("redis-server test support: cannot pause, the server is not running");
    this.child.kill("SIGSTOP");
    this.paused = true;
  }

  resume(): void {
    if (!this.child) throw new Error("redis-server test support: cannot resume, the server is not running");
    this.child.kill("SIGCONT");
    this.paused = false;
  }

  flushAll(): Promise<void> {
    return flushAll(this.url);
  }

  command(...args: string[]): Promise<string> {
    return redisCli(this.url, args);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.stop();
    } finally {
      process.off("exit", this.killOnExit);
    }
  }

  private async waitForExit(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const exited = await Promise.race([this.exited.then(() => true as const), timeout]);
    clearTimeout(timer);
    return exited;
  }
}

/**
 * Honours `REDIS_URL` when set, unless `options.private` is true (fault tests need a server of
 * their own that they may stop). Otherwise starts `redis-server` on a spare port and resolves once
 * it answers PING.
 */
export async function startRedisServer(options: { private?: boolean } = {}): Promise<RedisServerHandle> {
  const external = process.env.REDIS_URL;
  if (external && !options.private) return externalHandle(external);

  // The port is free when probed but another process may take it before redis-server binds:
  // try a few ports before giving up.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const server = new PrivateRedis(await freePort());
    try {
      await server.start();
      return server;
    } catch (error) {
      lastError = error;
      await server.close().catch(() => {});
    }
  }
  throw lastError;
}
