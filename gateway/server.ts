import { existsSync } from "node:fs";
import { createServer } from "node:http";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { createLogger } from "./logger.js";
import { createStandaloneApp } from "./standalone-app.js";

/** How long in-flight requests get to finish after SIGTERM before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

// The standalone gateway: configuration from the environment (and .env when present), the
// router, and the demo host page at /.
if (existsSync(".env")) process.loadEnvFile(".env");

let config: Config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`openrouter-auth: invalid configuration: ${error.message}`);
    process.exit(1);
  }
  throw error;
}

const logger = createLogger(config.logLevel);
const { app, gateway } = createStandaloneApp(config, logger);

const server = createServer(app);
if (!(await gateway.whenConnected())) {
  logger.warn({ event: "redis.waiting" }, "Redis is not reachable yet: serving anyway; session requests answer SESSION_STORE_UNAVAILABLE until it is");
}
server.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : config.port;
  logger.info({ event: "listening", port }, `openrouter-auth gateway on http://${config.host ?? "localhost"}:${port}`);
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
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
  clearTimeout(forced);
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
