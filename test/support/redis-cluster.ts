/**
 * Redis beyond one server, for the scale-out tests:
 * - a real Redis Cluster: N masters (no replicas), each a private `redis-server --cluster-enabled
 *   yes` on 127.0.0.1, joined with `redis-cli --cluster create`, ready once every node reports
 *   `cluster_state:ok`;
 * - a Sentinel watching a private master (`redis-server <conf> --sentinel`).
 * Every wait is a bounded poll; only the processes started here are stopped, by pid.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { followOutput, ping } from "./redis-server.js";

const HOST = "127.0.0.1";
/** A cluster node also listens on port + 10000 (the cluster bus). */
const BUS_OFFSET = 10_000;
const PORT_RANGE = { from: 20_000, to: 50_000 };
const READY_TIMEOUT_MS = 10_000;
const CLUSTER_OK_TIMEOUT_MS = 20_000;
const POLL_MS = 50;
const CLI_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const LOG_TAIL_CHARS = 4_000;

export interface RedisClusterHandle {
  readonly ports: readonly number[];
  /** "127.0.0.1:P1,127.0.0.1:P2,..." (what REDIS_CLUSTER_NODES takes) */
  readonly nodesEnv: string;
  /** One command on one node through redis-cli (no redirects followed), without the final newline. */
  command(port: number, ...args: string[]): Promise<string>;
  /** The port of the master that serves `key`'s hash slot. */
  ownerOf(key: string): Promise<number>;
  /** Keys matching `pattern` on every node. */
  keys(pattern: string): Promise<string[]>;
  /** FLUSHALL on every master. */
  flushAll(): Promise<void>;
  /** Stops one node (SIGTERM by pid, bounded wait): an outage of the slots it serves. */
  stopNode(port: number): Promise<void>;
  close(): Promise<void>;
}

/** Whether this machine can run the cluster tests: redis-cli (for `--cluster create`) and redis-server. */
export function redisClusterToolsMissing(): string | undefined {
  for (const tool of ["redis-cli", "redis-server"]) {
    if (spawnSync(tool, ["--version"], { stdio: "ignore" }).status !== 0) return `${tool} is not installed`;
  }
  return undefined;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.unref();
    probe.once("error", () => resolve(false));
    probe.listen(port, HOST, () => probe.close(() => resolve(true)));
  });
}

/** A port that is free now, and whose cluster-bus port is free too. */
async function freeClusterPort(taken: ReadonlySet<number>): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = PORT_RANGE.from + Math.floor(Math.random() * (PORT_RANGE.to - PORT_RANGE.from));
    if (taken.has(port) || taken.has(port + BUS_OFFSET)) continue;
    if ((await portIsFree(port)) && (await portIsFree(port + BUS_OFFSET))) return port;
  }
  throw new Error("redis-cluster test support: found no free port pair in 100 tries");
}

function redisCli(args: string[], timeoutMs = CLI_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("redis-cli", args, { timeout: timeoutMs, killSignal: "SIGKILL", encoding: "utf8" }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`redis-cli ${args.join(" ")} failed: ${stderr.trim() || stdout.trim() || (error.killed ? `no answer within ${timeoutMs} ms` : `exit code ${error.code}`)}`));
        return;
      }
      resolve(stdout.replace(/\r?\n$/, ""));
    });
  });
}

async function poll(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`redis-cluster test support: ${what} within ${timeoutMs} ms`);
}

interface Node {
  readonly port: number;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  log: string;
}

function startNode(port: number, args: string[]): Node {
  const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
  const node: Node = {
    port,
    child,
    log: "",
    exited: new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.once("error", (error) => {
        node.log += `\n${error.message}`;
        resolve();
      });
    }),
  };
  followOutput(child, (chunk) => {
    node.log = (node.log + chunk).slice(-LOG_TAIL_CHARS);
  });
  return node;
}

async function stopNode(node: Node): Promise<void> {
  if (node.child.exitCode !== null || node.child.signalCode !== null) return;
  node.child.kill("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const inTime = await Promise.race([node.exited.then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), STOP_TIMEOUT_MS)))]);
  clearTimeout(timer);
  if (!inTime) {
    node.child.kill("SIGKILL");
    await node.exited;
  }
}

/**
 * The servers one handle starts: killed if the test process exits without closing them, and
 * stopped (by pid) with their folder removed on close.
 */
function ownedNodes(dir: string): { nodes: Node[]; close(): Promise<void> } {
  const nodes: Node[] = [];
  const killOnExit = () => {
    for (const node of nodes) if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill("SIGKILL");
  };
  process.on("exit", killOnExit);
  return {
    nodes,
    async close() {
      await Promise.all(nodes.map(stopNode));
      process.off("exit", killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts `masters` cluster nodes, creates the cluster, and resolves once every node says `cluster_state:ok`. */
export async function startRedisCluster(options: { masters?: number } = {}): Promise<RedisClusterHandle> {
  const masters = options.masters ?? 3;
  const dir = mkdtempSync(join(tmpdir(), "openrouter-auth-cluster-"));
  const { nodes, close } = ownedNodes(dir);

  try {
    const taken = new Set<number>();
    for (let i = 0; i < masters; i++) {
      const port = await freeClusterPort(taken);
      taken.add(port).add(port + BUS_OFFSET);
      nodes.push(
        startNode(port, [
          "--port", String(port),
          "--bind", HOST,
          "--cluster-enabled", "yes",
          "--cluster-config-file", join(dir, `nodes-${port}.conf`),
          "--cluster-node-timeout", "5000",
          "--dir", dir,
          "--save", "",
          "--appendonly", "no",
          "--daemonize", "no",
          "--loglevel", "warning",
        ]),
      );
    }
    for (const node of nodes) {
      await poll(`redis-server on port ${node.port} did not answer PING`, READY_TIMEOUT_MS, async () => {
        if (node.child.exitCode !== null) throw new Error(`redis-server on port ${node.port} exited during start-up:\n${node.log.trim()}`);
        return ping(node.port);
      });
    }
    await redisCli(["--cluster", "create", ...nodes.map((node) => `${HOST}:${node.port}`), "--cluster-replicas", "0", "--cluster-yes"], 30_000);
    for (const node of nodes) {
      await poll(`node ${node.port} did not report cluster_state:ok`, CLUSTER_OK_TIMEOUT_MS, async () =>
        (await redisCli(["-h", HOST, "-p", String(node.port), "CLUSTER", "INFO"])).includes("cluster_state:ok"),
      );
    }
  } catch (error) {
    await close();
    throw error;
  }

  const ports = nodes.map((node) => node.port);
  const command = (port: number, ...args: string[]) => redisCli(["-h", HOST, "-p", String(port), ...args]);
  return {
    ports,
    nodesEnv: ports.map((port) => `${HOST}:${port}`).join(","),
    command,
    async ownerOf(key) {
      const slot = Number(await command(ports[0]!, "CLUSTER", "KEYSLOT", key));
      // CLUSTER NODES: "<id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot or range>..."
      for (const line of (await command(ports[0]!, "CLUSTER", "NODES")).split("\n")) {
        const fields = line.trim().split(" ");
        if (!fields[2]?.includes("master")) continue;
        const owns = fields.slice(8).some((range) => {
          const [from, to = from] = range.split("-").map(Number);
          return from !== undefined && to !== undefined && slot >= from && slot <= to;
        });
        if (owns) return Number(fields[1]!.split("@")[0]!.split(":").at(-1));
      }
      throw new Error(`redis-cluster test support: no master owns slot ${slot}`);
    },
    async keys(pattern) {
      const found = await Promise.all(ports.map((port) => command(port, "--scan", "--pattern", pattern)));
      return found.flatMap((text) => text.split("\n")).filter((key) => key !== "");
    },
    async flushAll() {
      await Promise.all(ports.map((port) => command(port, "FLUSHALL")));
    },
    async stopNode(port) {
      const node = nodes.find((candidate) => candidate.port === port);
      if (node === undefined) throw new Error(`redis-cluster test support: no node on port ${port}`);
      await stopNode(node);
    },
    close,
  };
}

export interface RedisSentinelHandle {
  /** The master's port. */
  readonly masterPort: number;
  /** "127.0.0.1:PORT" of the sentinel (what REDIS_SENTINELS takes). */
  readonly sentinelsEnv: string;
  /** The master name the sentinel monitors (what REDIS_SENTINEL_NAME takes). */
  readonly name: string;
  /** One command on the master through redis-cli. */
  command(...args: string[]): Promise<string>;
  close(): Promise<void>;
}

/** A private master and one Sentinel monitoring it; resolves once the sentinel names the master. */
export async function startRedisSentinel(options: { name?: string } = {}): Promise<RedisSentinelHandle> {
  const name = options.name ?? "sessions";
  const dir = mkdtempSync(join(tmpdir(), "openrouter-auth-sentinel-"));
  const { nodes, close } = ownedNodes(dir);

  try {
    const taken = new Set<number>();
    const masterPort = await freeClusterPort(taken);
    taken.add(masterPort).add(masterPort + BUS_OFFSET);
    const sentinelPort = await freeClusterPort(taken);
    const master = startNode(masterPort, ["--port", String(masterPort), "--bind", HOST, "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"]);
    nodes.push(master);
    await poll(`redis-server on port ${masterPort} did not answer PING`, READY_TIMEOUT_MS, async () => {
      if (master.child.exitCode !== null) throw new Error(`redis-server on port ${masterPort} exited during start-up:\n${master.log.trim()}`);
      return ping(masterPort);
    });
    // Sentinel rewrites its configuration file, so it gets one of its own.
    const conf = join(dir, "sentinel.conf");
    writeFileSync(conf, [`port ${sentinelPort}`, `bind ${HOST}`, `dir ${dir}`, `sentinel monitor ${name} ${HOST} ${masterPort} 1`, ""].join("\n"));
    const sentinel = startNode(sentinelPort, [conf, "--sentinel", "--daemonize", "no", "--loglevel", "warning"]);
    nodes.push(sentinel);
    await poll(`the sentinel on port ${sentinelPort} did not name master ${name}`, READY_TIMEOUT_MS, async () => {
      if (sentinel.child.exitCode !== null) throw new Error(`the sentinel on port ${sentinelPort} exited during start-up:\n${sentinel.log.trim()}`);
      if (!(await ping(sentinelPort))) return false;
      const address = await redisCli(["-h", HOST, "-p", String(sentinelPort), "SENTINEL", "GET-MASTER-ADDR-BY-NAME", name]).catch(() => "");
      return address.split("\n").join(":") === `${HOST}:${masterPort}`;
    });
    return {
      masterPort,
      sentinelsEnv: `${HOST}:${sentinelPort}`,
      name,
      command: (...args) => redisCli(["-h", HOST, "-p", String(masterPort), ...args]),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
