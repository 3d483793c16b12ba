import type { RequestHandler } from "express";

/**
 * CORS with credentials for the allowed origins only: the exact origin is echoed (never `*`,
 * never a reflected or suffix-matched one) with `Vary: Origin`, so caches keep answers apart.
 */
export function cors(allowedOrigins: ReadonlySet<string>): RequestHandler {
  return (req, res, next) => {
    res.vary("Origin");
    const origin = req.get("origin");
    if (origin === undefined || !allowedOrigins.has(origin)) return next();
    res.setHeader("access-control-allow-origin", origin);
    res.setHeader("access-control-allow-credentials", "true");
    if (req.method === "OPTIONS" && req.get("access-control-request-method") !== undefined) {
      res.setHeader("access-control-allow-methods", "GET, POST");
      res.setHeader("access-control-allow-headers", "content-type, apollo-require-preflight, x-apollo-operation-name, x-request-id");
      res.setHeader("access-control-max-age", "600");
      res.status(204).end();
      return;
    }
    res.setHeader("access-control-expose-headers", "retry-after, x-request-id");
    next();
  };
}
