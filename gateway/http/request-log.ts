import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import type { ErrorCode } from "../errors.js";
import { accessLogOf, type Logger } from "../logging/logger.js";
import type { GatewayMetrics } from "../metrics/recorders.js";
import { redactPath, redactText } from "../logging/redact.js";
import type { RequestsInFlight } from "./requests-in-flight.js";

/** What a handler adds to its request's access-log line: values it built itself, never a header, a body or a key. */
export type AccessLogFields = Readonly<Record<string, string | number | boolean | undefined>>;

/**
 * A handler's say in its request's access-log line, asked once the response has closed (it
 * finished, or the client went away). A promise (which never rejects) holds the line back until
 * work that outlives the response has wound down: the proxy's upstream call, whose outcome comes
 * just after.
 */
export interface AccessLogNote {
  fieldsAt(status: number): AccessLogFields | Promise<AccessLogFields>;
}

declare module "express-serve-static-core" {
  interface Request {
    id?: string;
  }
  interface Response {
    /** Set by a handler whose request's log line says more than the request's own fields. */
    accessLogNote?: AccessLogNote;
    /** The vocabulary's code, when the gateway answered the request with an error itself (for the refusal metrics). */
    errorCode?: ErrorCode;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * A client's `X-Request-Id`, when it is short, of safe characters and shaped like no secret: it is
 * logged as it is and echoed back, so a key sent in it by mistake (or to plant one in the log)
 * must not be taken. Anything else gets an id of the gateway's own.
 */
function acceptedRequestId(offered: string | undefined): string | undefined {
  return offered !== undefined && REQUEST_ID.test(offered) && redactText(offered) === offered ? offered : undefined;
}
/** The status logged for a request whose client left before any answer was sent ("client closed request", as nginx logs it). */
export const CLIENT_CLOSED_REQUEST = 499;

/**
 * A request id (the caller's `X-Request-Id` when well formed, else a new one), echoed back, and
 * one log line per request, written when its response closes, so that a client who leaves before
 * the end is logged too. Only the path is logged: query strings carry OAuth codes and states.
 * The path is the client's to choose, so it may hold a secret too (a key pasted into a URL, in
 * any percent-encoding): it is logged decoded and redacted.
 * With `inFlight`, each request is also counted there until its response closes, on this same
 * listener rather than one more per response; with `metrics`, its route's latency by status (and
 * a refusal by its code) are recorded there too.
 */
export function requestLog(logger: Logger, inFlight?: RequestsInFlight, metrics?: GatewayMetrics): RequestHandler {
  // Every field of this line is built right here, or by a handler from values of its own (an
  // AccessLogNote), none of which can hold a secret or (the path) which are redacted as text, so
  // it skips the logger's redaction pass, which would cost more than the rest of the line.
  const accessLog = accessLogOf(logger);
  const write = (line: object) => accessLog.info(line, "request");
  return (req, res, next) => {
    // Already logged: a gateway path the router did not answer, reaching the app's own log.
    if (req.id !== undefined) return next();
    const id = acceptedRequestId(req.get("x-request-id")) ?? randomUUID();
    req.id = id;
    res.setHeader("x-request-id", id);
    const started = process.hrtime.bigint();
    // The route is read now: by the time the response closes, Express has moved on from the path it matched.
    const route = metrics?.route(req);
    inFlight?.started();
    res.on("close", () => {
      inFlight?.ended();
      // A client that left before any answer was sent got none: not the 200 the response was merely preset to.
      const status = res.headersSent ? res.statusCode : CLIENT_CLOSED_REQUEST;
      const line = { reqId: id, method: req.method, path: redactPath(req.originalUrl.split("?")[0]!), status, ms: Number(process.hrtime.bigint() - started) / 1e6 };
      route?.ended(status, line.ms / 1000, res.errorCode);
      const note = res.accessLogNote;
      if (note === undefined) return write(line);
      // Added to the line itself: on Node 20, building `{ ...line, ...fields }` costs 8-9 µs by
      // itself, and the line so built took 21-24 µs to write through pino, against 8-10 µs for
      // the same fields assigned.
      const fields = note.fieldsAt(line.status);
      if (fields instanceof Promise) void fields.then((more) => write(Object.assign(line, more)));
      else write(Object.assign(line, fields));
    });
    next();
  };
}
