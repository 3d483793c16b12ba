import type { ErrorRequestHandler, Response } from "express";
import { ErrorCode, GatewayError, toGatewayError } from "../errors.js";
import { fromHttpError } from "../http/error-response.js";
import type { Logger } from "../logger.js";
import { sendJson } from "../http/send-json.js";

/**
 * The proxy's own refusals in the shape OpenRouter and OpenAI-style clients use for errors,
 * `{"error":{"code":"<CODE>","message":"..."}}`, so that a client reads them exactly as it reads
 * an error OpenRouter sent through the proxy (those keep their numeric `code`).
 */
export function sendProxyError(res: Response, error: GatewayError): void {
  if (error.retryAfterSeconds !== undefined) res.setHeader("retry-after", String(error.retryAfterSeconds));
  sendJson(res, { error: { code: error.code, message: error.message } }, error.httpStatus);
}

/** The proxy's last handler: every failure leaves in the proxy's error shape, masked like the rest of the gateway's. */
export function proxyErrorResponder(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const coded = fromHttpError(error) ?? toGatewayError(error);
    if (coded.code === ErrorCode.INTERNAL_SERVER_ERROR || coded.code === ErrorCode.SESSION_STORE_UNAVAILABLE) {
      const cause = coded.originalError ?? error;
      logger.error({ reqId: req.id, code: coded.code, err: { name: (cause as Error)?.name, message: (cause as Error)?.message } }, "proxy request failed");
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendProxyError(res, coded);
  };
}
