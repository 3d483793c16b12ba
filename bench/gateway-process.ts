/**
 * The gateway under load, in a process of its own so that its RSS and CPU profile are its own:
 * configuration from the environment exactly as `npm start` reads it, the standalone app served
 * as `npm start` serves it, listening on loopback at PORT, and with METRICS_PORT set the metrics
 * listener beside it, as `npm start` opens it (its port is announced as `metricsPort`).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { loadConfig } from "../gateway/config.js";
import { expressServerOptions } from "../gateway/http/express-server-options.js";
import { createLogger } from "../gateway/logging/logger.js";
import { listenForMetrics } from "../gateway/server/metrics-listener.js";
import { createStandaloneApp } from "../gateway/server/standalone-app.js";
import { LOOPBACK, serveParent } from "./child.js";

const config = loadConfig(process.env);
const { app, gateway } = createStandaloneApp(config, createLogger(config.logLevel));
if (!(await gateway.whenConnected(10_000))) throw new Error("bench gateway: Redis did not become ready within 10 s");

const server = createServer(expressServerOptions(app), app);
await new Promise<void>((resolve) => server.listen(config.port, LOOPBACK, resolve));
const metrics = config.metrics !== undefined && gateway.metrics !== undefined ? await listenForMetrics(gateway.metrics, config.metrics) : undefined;

serveParent({ port: (server.address() as AddressInfo).port, ...(metrics === undefined ? {} : { metricsPort: metrics.port }) }, async () => {
  await metrics?.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await gateway.close();
});
