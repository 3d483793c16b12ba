import { Redis } from "ioredis";
import type { Logger } from "pino";

/**
 * An ioredis connection that fails fast instead of hanging. ioredis's defaults queue commands
 * while disconnected and retry each one 20 times, so an outage turns into requests that hang
 * for over a minute; here a command fails at once when the link is down, and within
 * `commandTimeoutMs` when Redis accepts connections but does not answer (a hung or paused
 * server), while the connection keeps reconnecting in the background.
 * @see https://github.com/redis/ioredis#offline-queue
 */
export function connectRedis(url: string, logger: Logger, options: { commandTimeoutMs?: number } = {}): Redis {
  const commandTimeoutMs = options.commandTimeoutMs ?? 1_000;
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: commandTimeoutMs,
    // Reconnect forever, backing off to one attempt a second: the outage ends when Redis is back.
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
    // Only our own session and counter keys live in this connection's keyspace.
    lazyConnect: false,
  });

  // Say each change of state once rather than an error line per reconnect attempt.
  let up: boolean | undefined;
  redis.on("ready", () => {
    if (up !== true) logger.info({ event: "redis.ready" }, "Redis connection ready");
    up = true;
  });
  redis.on("error", (error: Error) => {
    if (up !== false) logger.error({ event: "redis.down", err: { message: error.message } }, "Redis unreachable; session requests answer SESSION_STORE_UNAVAILABLE until it is back");
    up = false;
  });
  return redis;
}
