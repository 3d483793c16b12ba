import type { ErrorRequestHandler, Response } from "express";
import { ErrorCode, GatewayError, causeForLog, errorBody, toGatewayError } from "../errors.js";
import type { Logger } from "../logging/logger.js";
import type { ThrottledErrorLog } from "../logging/throttled-error-log.js";
import { sendJson } from "./send-json.js";

/** Sends an error in the shape of the surface it answers, with `Retry-After` when there is a wait. */
export function sendError(res: Response, error: GatewayError, body: unknown): void {
  res.errorCode = error.code;
  if (error.retryAfterSeconds !== undefined) res.setHeader("retry-after", String(error.retryAfterSeconds));
  sendJson(res, body, error.httpStatus);
}

/**
 * The last handler: every error that reaches Express leaves as the gateway's vocabulary, in
 * GraphQL's shape on /graphql, the proxy's under its path, and REST's elsewhere. No message, stack or upstream detail goes out.
 */
export function errorResponder(logger: Logger, storeErrors: ThrottledErrorLog, options: { readonly surface?: "proxy" } = {}): ErrorRequestHandler {
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
    if (res.headersSent) {
      // A stream cut short (the proxy's) must end visibly, not look like a complete answer.
      if (!res.writableEnded) res.destroy();
      return;
    }
    if (options.surface === "proxy") {
      sendError(res, coded, errorBody(coded, "proxy"));
      return;
    }
    if (req.path === "/graphql" || req.baseUrl.endsWith("/graphql")) {
      sendError(res, coded, { errors: [errorBody(coded, "graphql")] });
      return;
    }
    sendError(res, coded, errorBody(coded, "rest", req.path.endsWith("/validate-key") ? { valid: false } : {}));
  };
}

/** body-parser's errors carry a status and a type; map them to the coded errors with that status. */
export function fromHttpError(error: unknown): GatewayError | undefined {
  if (typeof error !== "object" || error === null || !("status" in error)) return undefined;
  if (isDecompressionError(error)) return new GatewayError(ErrorCode.BAD_USER_INPUT, "The request body could not be decompressed.");
  if (!("type" in error)) return undefined;
  const type = (error as { type: unknown }).type;
  if (type === "entity.parse.failed") return new GatewayError(ErrorCode.BAD_USER_INPUT, "The request body is not valid JSON.");
  if (type === "entity.too.large") return new GatewayError(ErrorCode.PAYLOAD_TOO_LARGE);
  if (type === "encoding.unsupported" || type === "charset.unsupported") return new GatewayError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "The request body's encoding is not supported.");
  return new GatewayError(ErrorCode.BAD_USER_INPUT);
}

/**
 * A body that is not what its `Content-Encoding` says (gzip, deflate or br that does not
 * decompress): body-parser passes zlib's own error on with status 400 but, unlike its other
 * errors, no `type`. zlib's errors carry its error number and a code: `Z_DATA_ERROR`,
 * `Z_BUF_ERROR` (truncated), `ERR__ERROR_FORMAT_…` (Brotli), `ZSTD_error_…` (zstd, newer Node).
 */
function isDecompressionError(error: object): boolean {
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  return typeof errno === "number" && typeof code === "string" && /^(Z_|ERR__|ERR_BROTLI|ZSTD_)/.test(code);
}

