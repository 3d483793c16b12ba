import { join } from "node:path";
import express, { type Express } from "express";
import { createOpenRouterAuth, type OpenRouterAuthRouter } from "../app.js";
import type { Config } from "../config.js";
import { requestLog } from "../http/request-log.js";
import { securityHeaders } from "../http/security-headers.js";
import type { Logger } from "../logging/logger.js";
import { packageRoot } from "../util/package-root.js";

/**
 * The standalone gateway's Express app: the router, and the demo host page at `/`. Built into
 * `app` when given: the tests create the app and its server first, since the configuration
 * names the port the server got.
 */
export function createStandaloneApp(config: Config, logger: Logger, app: Express = express()): { app: Express; gateway: OpenRouterAuthRouter } {
  const gateway = createOpenRouterAuth({ config, logger });
  app.disable("x-powered-by");
  app.set("trust proxy", config.trustProxy);
  app.use(gateway);
  // The demo page (and any path not found) is this app's own, not the router's: it gets the
  // gateway's access log and headers here.
  app.use(requestLog(logger), securityHeaders({ hsts: config.cookie.secure }));
  app.use(express.static(join(packageRoot, "gateway", "public"), { index: "index.html" }));
  return { app, gateway };
}
