import type { Request, RequestHandler } from "express";
import express from "express";
import { ErrorCode, GatewayError } from "../errors.js";

/**
 * The `Content-Type` values nearly every client sends with JSON (fetch, the OpenAI SDKs,
 * GraphQL clients), exactly as sent: for these the type and the charset (UTF-8) are known
 * without parsing the header. Any other value, however equivalent, takes body-parser's way.
 */
const PLAIN_JSON_TYPES: ReadonlySet<string> = new Set(["application/json", "application/json; charset=utf-8", "application/json;charset=utf-8", "application/json; charset=UTF-8", "application/json;charset=UTF-8"]);

/**
 * The gateway's JSON body reader, for /graphql, the REST paths and the proxy: refuses a POST
 * body that is not JSON (415, before anything else runs: a form post cannot reach these paths),
 * then leaves `req.body` exactly as `express.json({ limit, strict: true })` (body-parser 2)
 * would, its errors already in the gateway's vocabulary.
 *
 * The common request (no `Transfer-Encoding`, a `Content-Length` within the limit, a plain JSON
 * type, no `Content-Encoding`) is read here: when its body is already in (it usually is, by the
 * time the session was read), in one synchronous `read()` with no listener, and otherwise from
 * its chunks; then one UTF-8 decoding and one `JSON.parse`. Everything else (a compressed body,
 * another charset or spelling of the type, a chunked body, a length over the limit) goes to
 * `express.json` itself, whose errors the error responder maps (error-response.ts), so each rare
 * case answers as body-parser answers it: body-parser's generic machinery cost about 7 µs of a
 * GraphQL status request and 17 µs of a proxied completion.
 */
export function jsonBody(limit: number): RequestHandler {
  const stock = express.json({ limit });
  return function readJsonBody(req, res, next) {
    const headers = req.headers;
    const type = headers["content-type"];
    const plainJson = type !== undefined && PLAIN_JSON_TYPES.has(type);
    const declared = headers["content-length"];
    const chunked = headers["transfer-encoding"] !== undefined;
    // A POST with a body must be JSON.
    if (req.method === "POST" && !plainJson && (chunked || Number(declared ?? 0) > 0) && !req.is("application/json")) {
      return next(new GatewayError(ErrorCode.UNSUPPORTED_MEDIA_TYPE));
    }
    // body-parser 2 leaves a request alone once its stream is over (a host's own parser read it
    // before the router; on-finished's `isFinished`), and then sets no `body`.
    const socket = req.socket;
    if ((req as { upgrade?: boolean }).upgrade === true || !socket || !socket.readable || (req.complete && !req.readable)) return next();
    if (!("body" in (req as object))) req.body = undefined;
    // No body at all (type-is's `hasBody`): `req.body` stays undefined.
    if (!chunked && (declared === undefined || Number.isNaN(Number(declared)))) return next();
    const encoding = headers["content-encoding"];
    const length = Number(declared);
    if (!plainJson || chunked || length > limit || (encoding !== undefined && encoding.toLowerCase() !== "identity")) return stock(req, res, next);
    if (req.complete && req.readableLength === length && !req.readableFlowing) {
      // All of it is buffered: taken at once, and the stream ends (as after body-parser's read).
      // One read() takes it all up to the stream's high-water mark (64 KiB); Node 26 returns no
      // more than that from one call, so a larger body is read until the buffer is empty.
      const first = req.read() as Buffer | null;
      if (first === null || first.length === length) return parsed(req, next, first);
      const chunks = [first];
      for (let chunk = req.read() as Buffer | null; chunk !== null; chunk = req.read() as Buffer | null) chunks.push(chunk);
      return parsed(req, next, Buffer.concat(chunks));
    }
    readChunks(req, length, next);
  };
}

/** Reads a body still arriving, chunk by chunk; a request cut short is answered as body-parser answers it. */
function readChunks(req: Request, length: number, next: (error?: unknown) => void): void {
  const chunks: Buffer[] = [];
  let received = 0;
  const onData = (chunk: Buffer) => {
    chunks.push(chunk);
    received += chunk.length;
  };
  const onEnd = () => {
    stop();
    // Node's parser ends a request at its `Content-Length`: a shorter body never ends, it closes.
    if (received !== length) return next(new GatewayError(ErrorCode.BAD_USER_INPUT));
    parsed(req, next, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received));
  };
  // The client went away (or the server's request timeout cut it): no answer will reach it, but
  // the request still ends, and nothing waits for a body that will not come.
  const onClose = () => {
    stop();
    next(new GatewayError(ErrorCode.BAD_USER_INPUT));
  };
  const stop = () => {
    req.off("data", onData);
    req.off("end", onEnd);
    req.off("close", onClose);
  };
  req.on("data", onData);
  req.on("end", onEnd);
  req.on("close", onClose);
}

/** Sets `req.body` to the body's JSON, or passes on why it is not JSON. */
function parsed(req: Request, next: (error?: unknown) => void, body: Buffer | null): void {
  // iconv-lite, which body-parser decodes with, drops a UTF-8 byte order mark.
  const text = body === null ? "" : body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? body.toString("utf8", 3) : body.toString("utf8");
  // An empty body is `{}`, as body-parser has it ("a common client-side mistake").
  if (text.length === 0) {
    req.body = {};
    return next();
  }
  // Strict, as body-parser: an object or an array at the top level.
  if (!startsObjectOrArray(text)) return next(new GatewayError(ErrorCode.BAD_USER_INPUT, NOT_JSON));
  try {
    req.body = JSON.parse(text);
  } catch {
    return next(new GatewayError(ErrorCode.BAD_USER_INPUT, NOT_JSON));
  }
  next();
}

const NOT_JSON = "The request body is not valid JSON.";

/** Whether the first character past JSON's whitespace (RFC 8259: space, tab, LF, CR) opens an object or an array. */
function startsObjectOrArray(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) return true;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return false;
}
