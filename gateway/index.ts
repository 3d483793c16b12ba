/**
 * `openrouter-auth/gateway`: mount the gateway in your own Express app and use the signed-in
 * user's key from your own routes.
 */
export { createOpenRouterAuth, getOpenRouterKey, type OpenRouterAuthOptions, type OpenRouterAuthRouter } from "./app.js";
export { loadConfig, ConfigError, type Config } from "./config.js";
export type { GatewayMetrics, ProxyMetrics } from "./metrics/recorders.js";
export { ErrorCode, GatewayError } from "./errors.js";
export { expressServerOptions } from "./http/express-server-options.js";
