import { existsSync } from "node:fs";
import { ConfigError, loadConfig, type Config } from "../config.js";
import { serve } from "./listen.js";
import { createLogger } from "../logging/logger.js";
import { createStandaloneApp } from "./standalone-app.js";

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
  logger.info({ event: "listening", port }, `openrouter-auth gateway on http://${config.host ?? "localhost"}:${port}`);
} catch (error) {
  console.error(`openrouter-auth: cannot listen on ${config.host ?? "all interfaces"}:${config.port}: ${(error as Error).message}`);
  process.exit(1);
}
