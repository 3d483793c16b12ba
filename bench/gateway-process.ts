/**
 * The gateway under load, in a process of its own so that its RSS and CPU profile are its own:
 * configuration from the environment exactly as `npm start` reads it, the standalone app served
 * as `npm start` serves it, listening on loopback at PORT.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { loadConfig } from "../gateway/config.js";
import { expressServerOptions } from "../gateway/http/express-server-options.js";
import { createLogger } from "../gateway/logging/logger.js";
import { createStandaloneApp } from "../gateway/server/standalone-app.js";
import { LOOPBACK, serveParent } from "./child.js";

const config = loadConfig(process.env);
const { app, gateway } = createStandaloneApp(config, createLogger(config.logLevel));
if (!(await gateway.whenConnected(10_000))) throw new Error("bench gateway: Redis did not become ready within 10 s");

const server = createServer(expressServerOptions(app), app);
await new Promise<void>((resolve) => server.listen(config.port, LOOPBACK, resolve));

serveParent({ port: (server.address() as AddressInfo).port }, async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await gateway.close();
});
