import { existsSync } from "node:fs";
import { ConfigError, DEVELOPMENT_HOST, loadConfig, type Config } from "../config.js";
import { serve } from "./listen.js";
import { createLogger } from "../logging/logger.js";
import { createStandaloneApp } from "./standalone-app.js";
import { listenForMetrics } from "./metrics-listener.js";

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

try {
  const { port } = await serve({ app, gateway, port: config.port, host: config.host, logger });
  // A gateway without Redis keeps sessions in this process (development): reachable from this machine only, unless HOST says otherwise.
  const where = config.host === DEVELOPMENT_HOST && config.redis === undefined ? " (loopback only: no REDIS_URL, so sessions live in this process; set HOST to listen elsewhere)" : "";
  logger.info({ event: "listening", host: config.host ?? "all interfaces", port }, `openrouter-auth gateway on http://${config.host ?? "localhost"}:${port}${where}`);
} catch (error) {
  console.error(`openrouter-auth: cannot listen on ${config.host ?? "all interfaces"}:${config.port}: ${(error as Error).message}`);
  process.exit(1);
}

if (config.metrics !== undefined && gateway.metrics !== undefined) {
  try {
    const { host, port } = await listenForMetrics(gateway.metrics, config.metrics);
    logger.info({ event: "metrics.listening", host, port }, `metrics on http://${host.includes(":") ? `[${host}]` : host}:${port}/metrics`);
  } catch (error) {
    console.error(`openrouter-auth: cannot serve metrics on ${config.metrics.host}:${config.metrics.port} (METRICS_PORT, METRICS_HOST): ${(error as Error).message}`);
    process.exit(1);
  }
}
