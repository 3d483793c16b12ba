import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import type { Logger } from "../logging/logger.js";
import { redactText } from "../logging/redact.js";

declare module "express-serve-static-core" {
  interface Request {
    id?: string;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * A request id (the caller's `X-Request-Id` when well formed, else a new one), echoed back, and
 * one log line per request. Only the path is logged: query strings carry OAuth codes and states.
 * The path is the client's to choose, so it may hold a secret too (a key pasted into a URL): it is
 * logged redacted.
 */
export function requestLog(logger: Logger): RequestHandler {
  // Every field of this line is built right here, from values that cannot hold a secret or (the
  // path) are redacted as text, so it skips the logger's redaction pass, which would cost more
  // than the rest of the line.
  const accessLog = logger.child({}, { redact: { paths: [] } });
  return (req, res, next) => {
    // Already logged: a gateway path the router did not answer, reaching the app's own log.
    if (req.id !== undefined) return next();
    const offered = req.get("x-request-id");
    const id = offered !== undefined && REQUEST_ID.test(offered) ? offered : randomUUID();
    req.id = id;
    res.setHeader("x-request-id", id);
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      accessLog.info(
        { reqId: id, method: req.method, path: redactText(req.originalUrl.split("?")[0]!), status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 },
        "request",
      );
    });
    next();
  };
}
