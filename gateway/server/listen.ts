import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Express } from "express";
import { SHUTDOWN_GRACE_MS, type OpenRouterAuthRouter } from "../app.js";
import { expressServerOptions } from "../http/express-server-options.js";
import type { Logger } from "../logging/logger.js";

export interface ServeOptions {
  /** The Express app that mounts the gateway router. */
  readonly app: Express;
  readonly gateway: OpenRouterAuthRouter;
  readonly port: number;
  /** Interface to listen on; undefined lets Node choose (all interfaces). */
  readonly host: string | undefined;
  readonly logger: Logger;
  /** Runs on the way out, once the gateway has closed (the demo stops its OpenRouter stand-in here). */
  readonly onStopped?: () => Promise<void>;
}

/** A gateway that is listening, and stops cleanly on SIGTERM or SIGINT (Ctrl-C). */
export interface Serving {
  readonly server: Server;
  /** The port actually bound (differs from the option when it was 0). */
  readonly port: number;
}

/**
 * Serves the gateway over HTTP: waits (bounded) for the session store, listens, and on SIGTERM or
 * SIGINT stops taking connections, lets requests in flight finish, closes GraphQL and Redis, and
 * exits. Rejects when the port cannot be bound (e.g. EADDRINUSE), so the caller can say so in one line.
 */
export async function serve(options: ServeOptions): Promise<Serving> {
  const { app, gateway, logger } = options;
  const server = createServer(expressServerOptions(app), app);
  if (!(await gateway.whenConnected())) {
    logger.warn({ event: "redis.waiting" }, "Redis is not reachable yet: serving anyway; session requests answer SESSION_STORE_UNAVAILABLE until it is");
  }
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let stopping = false;
  async function shutdown(signal: NodeJS.Signals): Promise<void> {
    if (stopping) return;
    stopping = true;
    logger.info({ event: "shutdown", signal }, "stopping: no new connections, finishing requests in flight");
    const forced = setTimeout(() => {
      logger.error({ event: "shutdown.forced" }, "requests still running after the grace period; exiting");
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    forced.unref();
    server.closeIdleConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await gateway.close();
    await options.onStopped?.();
    clearTimeout(forced);
    process.exit(0);
  }
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));

  return { server, port };
}
