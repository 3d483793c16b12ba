import type { Cluster, Redis } from "ioredis";
import { isScriptNotLoaded } from "../store/script-not-loaded.js";
import type { StoreMetrics } from "./recorders.js";

/** What the counting needs of an ioredis command: how ioredis settles it (set as it is made). */
interface SentCommand {
  readonly name: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * What ioredis sends on its own as it connects and ignores the failure of: `CLIENT SETINFO`,
 * which Redis before 7.2 refuses. Counted, it would be an error on every connection.
 */
const NOT_COUNTED = new Set(["client"]);

/**
 * Counts every command the client sends (the gateway's own and connect-redis's, one by one or
 * in a pipeline) by timing it from sending until its reply or failure, and follows the
 * connection's state. ioredis has no event per command, but every command, whether pipelined or
 * not and on a Cluster too, goes through the client's `sendCommand`: that is wrapped, once per
 * client, and so are the command's own `resolve` and `reject`, through which ioredis settles it. Each command passes it once: a Cluster follows a redirection (MOVED, ASK) by sending the
 * command to the node's own connection, not through the Cluster's `sendCommand` again, and with
 * the offline queue off (redis-connection.ts) no command is queued to be sent a second time.
 * @see https://github.com/redis/ioredis/blob/main/lib/Redis.ts (sendCommand)
 */
export function instrumentRedis(redis: Redis | Cluster, metrics: StoreMetrics): void {
  metrics.up(redis.status === "ready");
  redis.on("ready", () => metrics.up(true));
  redis.on("close", () => metrics.up(false));
  redis.on("error", () => metrics.up(false));

  const client = redis as unknown as { sendCommand: (command: SentCommand, ...rest: unknown[]) => unknown };
  const send = client.sendCommand.bind(redis);
  client.sendCommand = (command, ...rest) => {
    if (!NOT_COUNTED.has(command.name)) {
      const series = metrics.command(command.name);
      const startedAt = process.hrtime.bigint();
      // Wrapped rather than listened to (`command.promise.then`): no promise and no microtask
      // more per command. A Cluster wraps `reject` in turn to follow a redirection, so what
      // reaches these is the command's final outcome.
      const { resolve, reject } = command;
      command.resolve = (value) => {
        series.answered(startedAt, false);
        resolve(value);
      };
      command.reject = (error) => {
        // A NOSCRIPT answer is the store loading a script, not a failure: else every restart would
        // show one failure per script and node.
        series.answered(startedAt, !isScriptNotLoaded(error));
        reject(error);
      };
    }
    return send(command, ...rest);
  };
}
