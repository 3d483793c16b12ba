import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";
import type { Logger } from "pino";
import type { RedisConfig } from "../config.js";
import type { StoreMetrics } from "../metrics/recorders.js";
import { instrumentRedis } from "../metrics/redis-commands.js";
import { coalesceWrites } from "./coalesced-writes.js";

/** One Redis, a Sentinel-managed one, or a Redis Cluster: every command the gateway sends touches one key, so all three answer alike. */
export type RedisClient = Redis | Cluster;

/**
 * An ioredis connection that fails fast instead of hanging, to one Redis (REDIS_URL), the master
 * a Sentinel group names (REDIS_SENTINELS), or a Redis Cluster (REDIS_CLUSTER_NODES).
 *
 * ioredis's defaults queue commands while disconnected and retry each one 20 times, so an outage
 * turns into requests that hang for over a minute; here a command fails at once when the link is
 * down, and within `commandTimeoutMs` when Redis accepts connections but does not answer (a hung
 * or paused server), while the connection keeps reconnecting in the background.
 * @see https://github.com/redis/ioredis#offline-queue
 * @see https://github.com/redis/ioredis#cluster
 * @see https://github.com/redis/ioredis#sentinel
 */
export function connectRedis(target: RedisConfig | string, logger: Logger, options: { commandTimeoutMs?: number; metrics?: StoreMetrics } = {}): RedisClient {
  const config: RedisConfig = typeof target === "string" ? { mode: "standalone", url: target } : target;
  const commandTimeoutMs = options.commandTimeoutMs ?? 1_000;
  const failFast = {
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: commandTimeoutMs,
    // Not ioredis's auto-pipelining: coalesceWrites (below) sends a turn's commands in one write.
    enableAutoPipelining: false,
  } satisfies RedisOptions;
  // Reconnect forever, backing off to one attempt a second: the outage ends when Redis is back.
  const backOff = (attempt: number) => Math.min(attempt * 100, 1_000);

  let redis: RedisClient;
  switch (config.mode) {
    case "standalone":
      redis = new Redis(config.url, { ...failFast, enableOfflineQueue: false, retryStrategy: backOff, lazyConnect: false });
      break;
    case "sentinel": {
      const credentials = { username: config.username, password: config.password };
      redis = new Redis({
        ...failFast,
        enableOfflineQueue: false,
        retryStrategy: backOff,
        sentinels: config.sentinels.map((node) => ({ host: node.host, port: node.port })),
        name: config.name,
        sentinelCommandTimeout: commandTimeoutMs,
        sentinelRetryStrategy: backOff,
        // Sentinels commonly share the master's password (and TLS); one set of settings serves both.
        ...credentials,
        sentinelUsername: credentials.username,
        sentinelPassword: credentials.password,
        ...(config.tls ? { tls: {}, enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
      });
      break;
    }
    case "cluster": {
      const clusterOptions: ClusterOptions = {
        // Fail fast while the cluster is not ready (no slot map yet, or every node lost).
        enableOfflineQueue: false,
        clusterRetryStrategy: backOff,
        slotsRefreshTimeout: commandTimeoutMs,
        // Each redirection or CLUSTERDOWN retry waits retryDelayOn* (100 ms): keep the worst case near a second.
        maxRedirections: 6,
        // Not enableOfflineQueue nor retryStrategy here: ioredis connects to each node lazily and
        // needs its queue for the first command, and drops lost nodes to follow the slot map.
        // commandTimeout still bounds every command.
        redisOptions: {
          ...failFast,
          username: config.username,
          password: config.password,
          ...(config.tls ? { tls: {} } : {}),
        },
        // With TLS the certificate names the host, not the address it resolves to.
        ...(config.tls ? { dnsLookup: (address: string, callback: (error: Error | null, address: string) => void) => callback(null, address) } : {}),
      };
      redis = new Cluster(
        config.nodes.map((node) => ({ host: node.host, port: node.port })),
        clusterOptions,
      );
      break;
    }
  }

  coalesceWrites(redis);
  if (options.metrics !== undefined) instrumentRedis(redis, options.metrics);
  // Say each change of state once rather than an error line per reconnect attempt.
  let up: boolean | undefined;
  redis.on("ready", () => {
    if (up !== true) logger.info({ event: "redis.ready", mode: config.mode }, "Redis connection ready");
    up = true;
  });
  redis.on("error", (error: Error) => {
    if (up !== false) logger.error({ event: "redis.down", mode: config.mode, err: { message: error.message } }, "Redis unreachable; session requests answer SESSION_STORE_UNAVAILABLE until it is back");
    up = false;
  });
  if (redis instanceof Cluster) {
    // One node lost while the others serve: its slots answer errors until the cluster fails over.
    const reported = new Set<string>();
    redis.on("ready", () => reported.clear());
    redis.on("node error", (error: Error, node: string) => {
      if (reported.has(node)) return;
      reported.add(node);
      logger.warn({ event: "redis.node_error", node, err: { message: error.message } }, "A Redis Cluster node is unreachable");
    });
  }
  return redis;
}
