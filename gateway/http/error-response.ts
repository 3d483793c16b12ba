import type { ErrorRequestHandler, Response } from "express";
import { ErrorCode, GatewayError, causeForLog, errorBody, toGatewayError } from "../errors.js";
import type { Logger } from "../logging/logger.js";
import type { ThrottledErrorLog } from "../logging/throttled-error-log.js";
import { sendJson } from "./send-json.js";

/** Sends an error in the shape of the surface it answers, with `Retry-After` when there is a wait. */
function sendError(res: Response, error: GatewayError, body: unknown): void {
  if (error.retryAfterSeconds !== undefined) res.setHeader("retry-after", String(error.retryAfterSeconds));
  sendJson(res, body, error.httpStatus);
}

/**
 * The last handler: every error that reaches Express leaves as the gateway's vocabulary, in
 * GraphQL's shape on /graphql and in REST's elsewhere. No message, stack or upstream detail goes out.
 */
export function errorResponder(logger: Logger, storeErrors: ThrottledErrorLog): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const coded = fromHttpError(error) ?? toGatewayError(error);
    if (coded.code === ErrorCode.INTERNAL_SERVER_ERROR || coded.code === ErrorCode.SESSION_STORE_UNAVAILABLE) {
      const fields = { reqId: req.id, code: coded.code, err: causeForLog(coded.cause ?? error) };
      // Every request fails this way while Redis is down: that one is logged a line a second.
      if (coded.code === ErrorCode.SESSION_STORE_UNAVAILABLE) storeErrors.error(fields, "request failed");
      else logger.error(fields, "request failed");
    }
    // An error after the answer went out (a failed session write at the very end) is logged
    // above and goes no further: Express's final handler would print its stack to stderr.
    if (res.headersSent) return;
    if (req.path === "/graphql" || req.baseUrl.endsWith("/graphql")) {
      sendError(res, coded, { errors: [errorBody(coded, "graphql")] });
      return;
    }
    sendError(res, coded, errorBody(coded, "rest", req.path.endsWith("/validate-key") ? { valid: false } : {}));
  };
}

/** body-parser's errors carry a status and a type; map them to the coded errors with that status. */
function fromHttpError(error: unknown): GatewayError | undefined {
  if (typeof error !== "object" || error === null || !("type" in error) || !("status" in error)) return undefined;
  const type = (error as { type: unknown }).type;
  if (type === "entity.parse.failed") return new GatewayError(ErrorCode.BAD_USER_INPUT, "The request body is not valid JSON.");
  if (type === "entity.too.large") return new GatewayError(ErrorCode.PAYLOAD_TOO_LARGE);
  if (type === "encoding.unsupported" || type === "charset.unsupported") return new GatewayError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "The request body's encoding is not supported.");
  return new GatewayError(ErrorCode.BAD_USER_INPUT);
}
