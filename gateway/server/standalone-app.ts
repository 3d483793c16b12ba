import { join } from "node:path";
import express, { type Express } from "express";
import { createOpenRouterAuth, type OpenRouterAuthOptions, type OpenRouterAuthRouter } from "../app.js";
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
export function createStandaloneApp(
  config: Config,
  logger: Logger,
  app: Express = express(),
  options: { readonly https?: boolean } & Pick<OpenRouterAuthOptions, "now" | "shutdownGraceMs"> = {},
): { app: Express; gateway: OpenRouterAuthRouter } {
  const gateway = createOpenRouterAuth({ config, logger, now: options.now, shutdownGraceMs: options.shutdownGraceMs });
  if (config.cookie.secure && config.trustProxy === 0 && options.https !== true) {
    // Served over plain HTTP with no proxy trusted to say https: every sign-in would be refused
    // (INSECURE_TRANSPORT), since browsers drop a Secure cookie on such a request.
    logger.warn(
      { event: "config.insecure_transport" },
      "Session cookies are Secure but this server speaks plain HTTP and TRUST_PROXY is not set: sign-ins will be refused. Put it behind a TLS proxy and set TRUST_PROXY, or set COOKIE_SECURE=false for local development.",
    );
  }
  app.disable("x-powered-by");
  app.set("trust proxy", config.trustProxy);
  app.use(gateway);
  // The demo page (and any path not found) is this app's own, not the router's: it gets the
  // gateway's access log and headers here.
  app.use(requestLog(logger), securityHeaders({ hsts: config.cookie.secure }));
  app.use(express.static(join(packageRoot, "gateway", "public"), { index: "index.html" }));
  return { app, gateway };
}
