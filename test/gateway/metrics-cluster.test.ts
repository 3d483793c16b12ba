import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Cluster } from "ioredis";
import { pino } from "pino";
import { PREFIX } from "../../gateway/metrics/definitions.js";
import { createGatewayMetrics } from "../../gateway/metrics/registry.js";
import type { GatewayMetrics } from "../../gateway/metrics/recorders.js";
import { connectRedis } from "../../gateway/session/redis-connection.js";
import { parsePrometheusText, valueOf } from "../support/prometheus-text.js";
import { redisClusterToolsMissing, startRedisCluster, type RedisClusterHandle } from "../support/redis-cluster.js";
import { waitFor } from "../support/wait-for.js";

const missingTools = redisClusterToolsMissing();
const GETS = `${PREFIX}session_store_command_duration_seconds_count`;

describe("the session store's command metrics on a Redis Cluster", { skip: missingTools === undefined ? false : `skipped: ${missingTools}` }, () => {
  let cluster: RedisClusterHandle;
  let metrics: GatewayMetrics;
  let client: Cluster;
  /** GETs a master refused (a MOVED is a rejected call in INFO commandstats). */
  const redirectedGets = async (port: number) => Number(/cmdstat_get:.*rejected_calls=(\d+)/.exec(await cluster.command(port, "INFO", "commandstats"))?.[1] ?? 0);
  const gets = async () => valueOf(parsePrometheusText(await metrics.registry.metrics()), GETS, { command: "get" });

  before(async () => {
    cluster = await startRedisCluster({ masters: 3 });
    metrics = createGatewayMetrics({ allowedModels: undefined });
    client = connectRedis({ mode: "cluster", nodes: cluster.ports.map((port) => ({ host: "127.0.0.1", port })), tls: false }, pino({ level: "silent" }), { metrics: metrics.store }) as Cluster;
    await waitFor(() => client.status === "ready");
  });
  after(async () => {
    client?.disconnect();
    await cluster?.close();
  });

  it("count a command redirected to the slot's new master (MOVED) once, not once per node it went to", async () => {
    const key = "moved-test:key";
    assert.equal(await client.get(key), null, "the client learns the slot's master");
    const from = await cluster.ownerOf(key);
    const to = cluster.ports.find((port) => port !== from)!;
    // The slot (empty) changes hands behind the client's back: its next GET goes to the old master first.
    const slot = await cluster.command(from, "CLUSTER", "KEYSLOT", key);
    const newOwner = await cluster.command(to, "CLUSTER", "MYID");
    for (const port of [to, ...cluster.ports.filter((port) => port !== to)]) assert.equal(await cluster.command(port, "CLUSTER", "SETSLOT", slot, "NODE", newOwner), "OK");
    const before = await gets();
    const movedBefore = await redirectedGets(from);
    assert.equal(await client.get(key), null);
    assert.equal((await redirectedGets(from)) - movedBefore, 1, "the GET went to the old master first, which redirected it");
    assert.equal(await cluster.ownerOf(key), to);
    assert.equal((await gets()) - before, 1);
  });
});
