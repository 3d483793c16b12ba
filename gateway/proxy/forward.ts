import type { ClientRequest, IncomingMessage } from "node:http";
import type { Response } from "express";
import { ErrorCode, GatewayError, errorBody } from "../errors.js";
import { sendJson } from "../http/send-json.js";
import type { UpstreamConnections } from "../openrouter/upstream-connections.js";
import { UsageReader, type Usage } from "./cost-reader.js";
import type { ProxyEndpoint } from "./endpoints.js";
import { KeyRedactor, redactKeyInJson } from "./key-redactor.js";
import { isAllowed, type ProxyRequest } from "./policy.js";

export interface ForwardOptions {
  /** The gateway's connections to OpenRouter. */
  readonly upstream: UpstreamConnections;
  /** The session's key: sent upstream as the bearer, and kept out of everything sent back. */
  readonly apiKey: string;
  readonly endpoint: ProxyEndpoint;
  readonly request: ProxyRequest;
  /**
   * What to read of the answer's `usage` as it passes: nothing, its cost (an endpoint that spends,
   * with a spend budget set), or its cost and tokens too (with metrics on).
   */
  readonly readUsage: "none" | "cost" | "cost-and-tokens";
  /** PROXY_ALLOWED_MODELS: what OpenRouter's model list is narrowed to (the "models" answer). */
  readonly allowedModels: readonly string[] | undefined;
  /** `HTTP-Referer` and the app's title (`X-Title`, `X-OpenRouter-Title`), when known. */
  readonly referer: string | undefined;
  readonly title: string | undefined;
  readonly idleTimeoutMs: number;
}

/** How a forwarded request went, for the proxy's log line and the spend budget. */
export interface ForwardResult {
  /** OpenRouter's status, when it answered. */
  readonly upstreamStatus: number | undefined;
  /** Bytes of OpenRouter's answer passed on to the client. */
  readonly bytes: number;
  readonly outcome: "completed" | "upstream-error" | "client-left" | "upstream-failed";
  /** `usage.cost` (credits) as the answer gave it, when it was read (`readUsage`) and it came. */
  readonly cost: number | undefined;
  /** The answer's usage as far as it was read (`readUsage`). */
  readonly usage: Usage | undefined;
  /** When OpenRouter's answer began (`process.hrtime.bigint()`), when it did. */
  readonly firstByteAt: bigint | undefined;
}

/** An upstream error body is a few hundred bytes; anything longer is not passed on whole. */
const ERROR_BODY_LIMIT = 64 * 1024;
/** OpenRouter's model list is some hundreds of kilobytes; it is read whole only to be narrowed. */
const MODEL_LIST_LIMIT = 32 * 1024 * 1024;

class IdleTimeout extends Error {
  override name = "IdleTimeout";
}

/**
 * Sends the request to OpenRouter with the session's key and passes the answer on as it
 * arrives: every chunk is written as soon as it comes (but for the tail of a chunk that could be
 * the start of the key, held until the next one shows it is not: KeyRedactor), and OpenRouter's
 * answer is paused only while the client's socket is full, so a stream reaches the client at the
 * pace OpenRouter sends it. The answer's `usage` is read as it passes (UsageReader). The
 * upstream request (its connection) is destroyed as soon as the client goes away, and when
 * OpenRouter falls silent for `idleTimeoutMs`. OpenRouter's model list is read whole when it is
 * to be narrowed to the allowed models.
 * @throws UPSTREAM_UNAVAILABLE (as a rejection) when OpenRouter gives no answer at all
 */
export function forwardRequest(res: Response, options: ForwardOptions): Promise<ForwardResult> {
  return new Promise((resolve, reject) => {
    const { endpoint, request: asked } = options;
    const body = asked.body === undefined ? undefined : JSON.stringify(asked.body);
    const costs = options.readUsage === "none" ? undefined : new UsageReader({ tokens: options.readUsage === "cost-and-tokens" });
    let firstByteAt: bigint | undefined;
    let upstreamStatus: number | undefined;
    let bytes = 0;
    let settled = false;
    let timedOut = false;
    /** Whether a 2xx answer is being passed on (rather than an error's body read). */
    let streaming = false;
    let request: ClientRequest;
    try {
      request = options.upstream.open(endpoint.method, endpoint.path + asked.search, upstreamHeaders(options, body === undefined ? undefined : Buffer.byteLength(body)));
    } catch (cause) {
      reject(new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, undefined, { cause }));
      return;
    }

    const idle = setTimeout(() => {
      timedOut = true;
      request.destroy(new IdleTimeout());
    }, options.idleTimeoutMs);
    /** Whether this call is the one that settles the outcome (each path may race the others). */
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(idle);
      res.off("close", onClientClose);
      return true;
    };
    const done = (outcome: ForwardResult["outcome"]) => {
      if (!settle()) return;
      const usage = costs?.usage;
      resolve({ upstreamStatus, bytes, outcome, cost: usage?.credits, usage, firstByteAt });
    };
    // The answer is cut short: end the connection rather than the response, so that the client
    // sees a broken answer and not a complete-looking one.
    const cut = () => {
      request.destroy();
      res.destroy();
      done("upstream-failed");
    };
    // "close" after the response has finished is its normal end; before, the client went away.
    const onClientClose = () => {
      if (res.writableFinished) return;
      request.destroy();
      done("client-left");
    };
    res.once("close", onClientClose);
    // What arrives together leaves together: the answer's head, the events read with it and, when
    // it came too, the answer's end go to the client in one write at the end of this turn of the
    // event loop, rather than one write each (each a system call, and on loopback the receiver's
    // work too). Nothing waits for more to arrive.
    let holding = false;
    const release = () => {
      if (!holding) return;
      holding = false;
      res.uncork();
    };
    const holdWritesThisTurn = () => {
      if (holding) return;
      holding = true;
      res.cork();
      setImmediate(release);
    };

    // Always listened to: a request destroyed after the outcome is settled still emits its error.
    request.on("error", (cause) => {
      if (settled) return;
      // Once OpenRouter has answered, the answer's own end says how it went: an error's body is
      // passed on as far as it came (readLimited), a stream is cut.
      if (upstreamStatus !== undefined) {
        if (streaming) cut();
        return;
      }
      if (!settle()) return;
      const message = timedOut ? "OpenRouter did not answer in time. Try again shortly." : undefined;
      reject(new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, message, { cause }));
    });

    request.on("response", (answer: IncomingMessage) => {
      const status = answer.statusCode ?? 502;
      upstreamStatus = status;
      firstByteAt = process.hrtime.bigint();
      idle.refresh();
      // A socket cut under the answer: Node emits both, and "error" only to a listener.
      answer.on("error", () => {});
      // 204 and 205 carry no body: no completion either.
      if (status < 200 || status > 299 || status === 204 || status === 205) {
        readLimited(answer, request, idle, ERROR_BODY_LIMIT, (text) => {
          if (settled) return;
          passOnError(res, answer, text.toString("utf8"), options.apiKey);
          done("upstream-error");
        });
        return;
      }

      if (endpoint.answer === "models" && options.allowedModels !== undefined) {
        const allowed = options.allowedModels;
        readLimited(answer, request, idle, MODEL_LIST_LIMIT, (text, whole) => {
          if (settled) return;
          const list = whole ? narrowedModelList(text, allowed, options.apiKey) : undefined;
          if (list === undefined) {
            const error = new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, "OpenRouter's model list could not be read. Try again shortly.");
            sendJson(res, errorBody(error, "proxy"), error.httpStatus);
            done("upstream-failed");
            return;
          }
          sendJson(res, list, status);
          bytes = Number(res.getHeader("content-length") ?? 0);
          done("completed");
        });
        return;
      }

      streaming = true;
      res.statusCode = status;
      res.setHeader("content-type", answer.headers["content-type"] ?? "application/json");
      // Asked for identity; should a server compress anyway, the bytes go on as they are, labelled.
      const encoding = answer.headers["content-encoding"];
      if (encoding !== undefined) res.setHeader("content-encoding", encoding);
      res.setHeader("cache-control", "no-store");
      // Tells nginx and its kin not to hold the answer back to send it in one piece.
      res.setHeader("x-accel-buffering", "no");
      // Leaves at the end of this turn even when no event came with it: the client learns at once
      // that OpenRouter took the completion.
      holdWritesThisTurn();
      res.flushHeaders();
      const redactor = new KeyRedactor(options.apiKey);
      answer.on("data", (chunk: Buffer) => {
        idle.refresh();
        costs?.read(chunk);
        const passed = redactor.push(chunk);
        if (passed.byteLength === 0) return;
        bytes += passed.byteLength;
        holdWritesThisTurn();
        if (!res.write(passed)) answer.pause();
      });
      res.on("drain", () => answer.resume());
      answer.on("end", () => {
        const held = redactor.end();
        bytes += held.byteLength;
        if (held.byteLength > 0) res.write(held);
        // Released before the end: from Node 22 on, a response keeps what is written while it is
        // corked in a buffer of its own, which end() does not send. The socket itself stays corked
        // meanwhile, so that what is released and the answer's end (the last chunk) leave in one
        // write, not two: end() uncorks the socket, and the uncork after it is for a Node that
        // does not.
        const socket = res.socket;
        socket?.cork();
        release();
        res.end();
        socket?.uncork();
        done("completed");
      });
      answer.on("close", () => {
        if (!answer.complete) cut();
      });
    });

    request.end(body);
  });
}

/** OpenRouter's `{"data":[…]}` with only the allowed models, the key struck from it; undefined when it is not that shape. */
function narrowedModelList(text: Buffer, allowed: readonly string[], apiKey: string): unknown {
  let list: unknown;
  try {
    list = redactKeyInJson(JSON.parse(text.toString("utf8")), apiKey);
  } catch {
    return undefined;
  }
  if (typeof list !== "object" || list === null || !Array.isArray((list as { data?: unknown }).data)) return undefined;
  const models = (list as { data: unknown[] }).data;
  return { ...list, data: models.filter((model) => typeof model === "object" && model !== null && typeof (model as { id?: unknown }).id === "string" && isAllowed((model as { id: string }).id, allowed)) };
}

/**
 * The request's headers as a list (UpstreamConnections.open adds `Host`): none of the caller's,
 * only these.
 */
function upstreamHeaders(options: ForwardOptions, contentLength: number | undefined): string[] {
  const headers = ["authorization", `Bearer ${options.apiKey}`];
  if (contentLength !== undefined) headers.push("content-type", "application/json", "content-length", String(contentLength));
  headers.push(
    "accept",
    options.request.stream ? "text/event-stream" : "application/json",
    // Passed on as it comes, never decoded here; and a compressed stream may be held back by the
    // compressor, while events are small anyway.
    "accept-encoding",
    "identity",
  );
  // OpenRouter's app attribution. The title goes under both names OpenRouter reads: `X-Title`,
  // the one its attribution docs first gave, and `X-OpenRouter-Title`, the one its SDKs now send.
  // @see https://openrouter.ai/docs/app-attribution
  if (options.referer !== undefined) headers.push("http-referer", options.referer);
  if (options.title !== undefined) headers.push("x-title", options.title, "x-openrouter-title", options.title);
  return headers;
}

/**
 * Reads at most `limit` bytes of an answer and hands them on, with whether that was all of it;
 * past the limit, or when the answer breaks off or falls silent, what arrived is all there is. A
 * body left unread is not drained: its connection is destroyed instead of going back to the pool.
 */
function readLimited(answer: IncomingMessage, request: ClientRequest, idle: NodeJS.Timeout, limit: number, then: (body: Buffer, whole: boolean) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    then(Buffer.concat(chunks).subarray(0, limit), size < limit && answer.complete);
  };
  answer.on("data", (chunk: Buffer) => {
    idle.refresh();
    chunks.push(chunk);
    size += chunk.byteLength;
    if (size >= limit) {
      finish();
      request.destroy();
    }
  });
  answer.on("end", finish);
  answer.on("close", finish);
}

/**
 * An error OpenRouter answered keeps its status and its `{"error":{...}}` body. A body that is
 * not OpenRouter's JSON (a proxy's HTML page) is replaced by one in that shape, and the key, in
 * any encoding, is struck from every string of whatever is passed on, should an upstream ever echo it.
 */
function passOnError(res: Response, answer: IncomingMessage, received: string, apiKey: string): void {
  const status = answer.statusCode ?? 502;
  let body: unknown;
  try {
    // Struck out of what the client reads, once JSON's escapes are read: `\u0073k-or-…` is the key too.
    body = redactKeyInJson(JSON.parse(received), apiKey);
  } catch {
    body = undefined;
  }
  if (typeof body !== "object" || body === null || !("error" in body)) {
    body = { error: { code: status, message: `OpenRouter answered with HTTP ${status}.`, metadata: {} } };
  }
  const retryAfter = answer.headers["retry-after"];
  if (retryAfter !== undefined && /^\d{1,6}$/.test(retryAfter)) res.setHeader("retry-after", retryAfter);
  // A failed answer is never a 2xx, and a 1xx or 3xx from OpenRouter is no answer: both become 502.
  sendJson(res, body, status >= 400 && status <= 599 ? status : 502);
}
