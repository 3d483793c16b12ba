import type { RequestHandler } from "express";

const GATEWAY_HEADERS = "content-type, apollo-require-preflight, x-apollo-operation-name, x-request-id";

export interface CorsOptions {
  /**
   * Allow, in a preflight, the request headers it asks for rather than the gateway's own list.
   * For the proxy: OpenAI-style clients send headers of their own (`authorization`,
   * `x-stainless-*`), and the proxy forwards none of a caller's headers upstream.
   */
  readonly allowRequestedHeaders?: boolean;
}

/**
 * CORS with credentials for the allowed origins only: the exact origin is echoed (never `*`,
 * never a reflected or suffix-matched one) with `Vary: Origin`, so caches keep answers apart.
 */
export function cors(allowedOrigins: ReadonlySet<string>, options: CorsOptions = {}): RequestHandler {
  return (req, res, next) => {
    res.vary("Origin");
    const origin = req.get("origin");
    if (origin === undefined || !allowedOrigins.has(origin)) return next();
    res.setHeader("access-control-allow-origin", origin);
    res.setHeader("access-control-allow-credentials", "true");
    if (req.method === "OPTIONS" && req.get("access-control-request-method") !== undefined) {
      res.setHeader("access-control-allow-methods", "GET, POST");
      const requested = options.allowRequestedHeaders ? req.get("access-control-request-headers") : undefined;
      if (options.allowRequestedHeaders) res.vary("Access-Control-Request-Headers");
      res.setHeader("access-control-allow-headers", requested ?? GATEWAY_HEADERS);
      res.setHeader("access-control-max-age", "600");
      res.status(204).end();
      return;
    }
    res.setHeader("access-control-expose-headers", "retry-after, x-request-id");
    next();
  };
}
