import type { ErrorRequestHandler, Response } from "express";
import { ErrorCode, GatewayError, toGatewayError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { ThrottledErrorLog } from "../throttled-error-log.js";
import { sendJson } from "./send-json.js";

/** The REST body for an error (SPEC §4): `{"error": "<words>", "code": "<CODE>"}` plus extras. */
export function sendRestError(res: Response, error: GatewayError, extra: Record<string, unknown> = {}): void {
  if (error.retryAfterSeconds !== undefined) res.setHeader("retry-after", String(error.retryAfterSeconds));
  const body: Record<string, unknown> = { ...extra, error: error.message, code: error.code };
  if (error.retryAfterSeconds !== undefined) body.retry_after = error.retryAfterSeconds;
  sendJson(res, body, error.httpStatus);
}

/**
 * The last handler: every error that reaches Express leaves as SPEC §3's vocabulary, in GraphQL's
 * shape on /graphql and in REST's elsewhere. No message, stack or upstream detail goes out.
 */
export function errorResponder(logger: Logger, storeErrors: ThrottledErrorLog): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const coded = fromHttpError(error) ?? toGatewayError(error);
    if (coded.code === ErrorCode.INTERNAL_SERVER_ERROR || coded.code === ErrorCode.SESSION_STORE_UNAVAILABLE) {
      const cause = coded.originalError ?? error;
      const fields = { reqId: req.id, code: coded.code, err: { name: (cause as Error)?.name, message: (cause as Error)?.message } };
      // Every request fails this way while Redis is down: that one is logged a line a second.
      if (coded.code === ErrorCode.SESSION_STORE_UNAVAILABLE) storeErrors.error(fields, "request failed");
      else logger.error(fields, "request failed");
    }
    // An error after the answer went out (a failed session write at the very end) is logged
    // above and goes no further: Express's final handler would print its stack to stderr.
    if (res.headersSent) return;
    if (req.path === "/graphql" || req.baseUrl.endsWith("/graphql")) {
      if (coded.retryAfterSeconds !== undefined) res.setHeader("retry-after", String(coded.retryAfterSeconds));
      sendJson(res, { errors: [{ message: coded.message, extensions: { code: coded.code, ...(coded.retryAfterSeconds !== undefined ? { retryAfter: coded.retryAfterSeconds } : {}) } }] }, coded.httpStatus);
      return;
    }
    sendRestError(res, coded, req.path.endsWith("/validate-key") ? { valid: false } : {});
  };
}

/** body-parser's errors carry a status and a type; map them to coded errors with the same status. */
export function fromHttpError(error: unknown): GatewayError | undefined {
  if (typeof error !== "object" || error === null || !("type" in error) || !("status" in error)) return undefined;
  const type = (error as { type: unknown }).type;
  if (type === "entity.parse.failed") return new GatewayError(ErrorCode.BAD_USER_INPUT, "The request body is not valid JSON.");
  if (type === "entity.too.large") return new StatusError(413, "The request body is too large.");
  if (type === "encoding.unsupported" || type === "charset.unsupported") return new StatusError(415, "The request body's encoding is not supported.");
  return new GatewayError(ErrorCode.BAD_USER_INPUT);
}

/** BAD_USER_INPUT answered with a more precise HTTP status than 400 (413, 415). */
export class StatusError extends GatewayError {
  readonly #status: number;
  constructor(status: number, message: string) {
    super(ErrorCode.BAD_USER_INPUT, message);
    this.#status = status;
  }
  override get httpStatus(): number {
    return this.#status;
  }
}
