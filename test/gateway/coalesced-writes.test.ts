import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import type { Cluster, Redis } from "ioredis";
import { pino } from "pino";
import { connectRedis, type RedisClient } from "../../gateway/session/redis-connection.js";
import { redisClusterToolsMissing, startRedisCluster } from "../support/redis-cluster.js";
import { startRedisServer } from "../support/redis-server.js";
import { waitFor } from "../support/wait-for.js";

/** The ways Node's TCP handle writes to the socket (each one system call), as Node names them. */
const HANDLE_WRITES = ["writev", "writeBuffer", "writeUtf8String", "writeLatin1String", "writeAsciiString", "writeUcs2String"];

/**
 * Counts the writes a socket makes to the operating system, letting each through unchanged. (A
 * reader at the other end cannot count them: on loopback, writes made in one turn of the event
 * loop all arrive before it reads.)
 */
function countWrites(socket: Socket): () => number {
  const handle = (socket as unknown as { _handle: Record<string, (...args: unknown[]) => unknown> })._handle;
  let writes = 0;
  for (const name of HANDLE_WRITES) {
    const write = handle[name];
    if (typeof write !== "function") continue;
    handle[name] = function (this: unknown, ...args: unknown[]) {
      writes++;
      return write.apply(this, args);
    };
  }
  return () => writes;
}

/** A Redis of each kind the gateway connects to, with the sockets its commands go out on. */
interface Shape {
  readonly name: string;
  readonly skip: string | false;
  start(): Promise<{ readonly client: RedisClient; sockets(): Socket[]; close(): Promise<void> }>;
}

const missingTools = redisClusterToolsMissing();
const silent = pino({ level: "silent" });

const SHAPES: readonly Shape[] = [
  {
    name: "one Redis",
    skip: false,
    async start() {
      const redis = await startRedisServer({ private: true });
      const client = connectRedis(redis.url, silent) as Redis;
      return { client, sockets: () => [client.stream as Socket], close: () => redis.close() };
    },
  },
  {
    name: "a Redis Cluster (each node's connection)",
    skip: missingTools === undefined ? false : `skipped: ${missingTools}`,
    async start() {
      const cluster = await startRedisCluster({ masters: 3 });
      const client = connectRedis({ mode: "cluster", nodes: cluster.ports.map((port) => ({ host: "127.0.0.1", port })), tls: false }, silent) as Cluster;
      // The connection to the master that owns the tests' slot (the others may have none yet).
      const owner = await cluster.ownerOf("{coalesce}:a");
      const sockets = () => client.nodes("master").filter((node) => node.options.port === owner).map((node) => node.stream as Socket);
      return { client, sockets, close: () => cluster.close() };
    },
  },
];

for (const shape of SHAPES) {
  describe(`the gateway's Redis client, on ${shape.name}`, { skip: shape.skip }, () => {
    let started: Awaited<ReturnType<Shape["start"]>>;
    let client: RedisClient;
    let writes: () => number;

    before(async () => {
      started = await shape.start();
      client = started.client;
      await waitFor(() => client.status === "ready");
      // Every key of these tests shares a hash tag: on a Cluster, one slot, one node.
      await client.set("{coalesce}:a", "1");
      await client.set("{coalesce}:b", "2");
      const sockets = started.sockets();
      assert.equal(sockets.length, 1, "one connection the commands go out on");
      const counters = sockets.map(countWrites);
      writes = () => counters.reduce((sum, count) => sum + count(), 0);
    });
    after(async () => {
      client?.disconnect();
      await started?.close();
    });

    it("sends the commands of one turn of the event loop in one write, and answers each with its own reply", async () => {
      const before = writes();
      // As the session reads of requests that arrive together: issued in one turn, none awaited.
      const replies = await Promise.all([client.get("{coalesce}:a"), client.get("{coalesce}:b"), client.get("{coalesce}:none"), client.incr("{coalesce}:n"), client.get("{coalesce}:a")]);
      assert.deepEqual(replies, ["1", "2", null, 1, "1"]);
      assert.equal(writes() - before, 1, "five commands, one write");
    });

    it("answers a command Redis refuses with its error, and the others of its write with their replies", async () => {
      await client.set("{coalesce}:text", "x");
      const before = writes();
      const [refused, answered] = await Promise.allSettled([client.incr("{coalesce}:text"), client.get("{coalesce}:b")]);
      assert.equal(refused.status, "rejected");
      assert.match(String((refused as PromiseRejectedResult).reason), /not an integer/);
      assert.deepEqual(answered, { status: "fulfilled", value: "2" });
      assert.equal(writes() - before, 1, "two commands, one write");
    });

    it("sends a command of a later turn in a write of its own, without waiting for a command to go with", async () => {
      const before = writes();
      assert.equal(await client.get("{coalesce}:a"), "1");
      assert.equal(await client.get("{coalesce}:b"), "2");
      assert.equal(writes() - before, 2);
    });
  });
}
