import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders } from "node:http";
import type { Response } from "express";
import { ErrorCode, GatewayError } from "../errors.js";
import { sendJson } from "../http/send-json.js";
import type { CompletionRequest } from "./policy.js";
import type { UpstreamConnections } from "../openrouter/upstream-connections.js";

export interface ForwardOptions {
  /** The gateway's connections to OpenRouter. */
  readonly upstream: UpstreamConnections;
  /** The session's key: sent upstream as the bearer, and kept out of everything sent back. */
  readonly apiKey: string;
  readonly completion: CompletionRequest;
  /** `HTTP-Referer` and the app's title (`X-Title`, `X-OpenRouter-Title`), when known. */
  readonly referer: string | undefined;
  readonly title: string | undefined;
  readonly idleTimeoutMs: number;
}

/** How a forwarded completion went, for the proxy's log line. */
export interface ForwardResult {
  /** OpenRouter's status, when it answered. */
  readonly upstreamStatus: number | undefined;
  /** Bytes of OpenRouter's answer passed on to the client. */
  readonly bytes: number;
  readonly outcome: "completed" | "upstream-error" | "client-left" | "upstream-failed";
}

/** An upstream error body is a few hundred bytes; anything longer is not passed on whole. */
const ERROR_BODY_LIMIT = 64 * 1024;

class IdleTimeout extends Error {
  override name = "IdleTimeout";
}

/**
 * Sends the completion to OpenRouter with the session's key and passes the answer on as it
 * arrives: every chunk is written as soon as it comes, and OpenRouter's answer is paused only
 * while the client's socket is full, so a stream reaches the client at the pace OpenRouter sends
 * it. The upstream request (its connection) is destroyed as soon as the client goes away, and
 * when OpenRouter falls silent for `idleTimeoutMs`.
 * @throws UPSTREAM_UNAVAILABLE (as a rejection) when OpenRouter gives no answer at all
 */
export function forwardCompletion(res: Response, options: ForwardOptions): Promise<ForwardResult> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(options.completion.body);
    let upstreamStatus: number | undefined;
    let bytes = 0;
    let settled = false;
    let timedOut = false;
    /** Whether a 2xx answer is being passed on (rather than an error's body read). */
    let streaming = false;
    let request: ClientRequest;
    try {
      request = options.upstream.open("POST", "/chat/completions", upstreamHeaders(options, Buffer.byteLength(body)));
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
      if (settle()) resolve({ upstreamStatus, bytes, outcome });
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
    const holdWritesThisTurn = () => {
      if (holding) return;
      holding = true;
      res.cork();
      setImmediate(() => {
        holding = false;
        // end() has already sent everything, and let go of the socket.
        if (!res.writableEnded) res.uncork();
      });
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
      idle.refresh();
      // A socket cut under the answer: Node emits both, and "error" only to a listener.
      answer.on("error", () => {});
      // 204 and 205 carry no body: no completion either.
      if (status < 200 || status > 299 || status === 204 || status === 205) {
        readLimited(answer, request, idle, (text) => {
          if (settled) return;
          passOnError(res, answer, text, options.apiKey);
          done("upstream-error");
        });
        return;
      }

      streaming = true;
      holdWritesThisTurn();
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
      res.flushHeaders();
      answer.on("data", (chunk: Buffer) => {
        idle.refresh();
        bytes += chunk.byteLength;
        holdWritesThisTurn();
        if (!res.write(chunk)) answer.pause();
      });
      res.on("drain", () => answer.resume());
      answer.on("end", () => {
        res.end();
        done("completed");
      });
      answer.on("close", () => {
        if (!answer.complete) cut();
      });
    });

    request.end(body);
  });
}

function upstreamHeaders(options: ForwardOptions, contentLength: number): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {
    authorization: `Bearer ${options.apiKey}`,
    "content-type": "application/json",
    "content-length": contentLength,
    accept: options.completion.stream ? "text/event-stream" : "application/json",
    // Passed on as it comes, never decoded here; and a compressed stream may be held back by the
    // compressor, while events are small anyway.
    "accept-encoding": "identity",
  };
  // OpenRouter's app attribution. The title goes under both names OpenRouter reads: `X-Title`,
  // the one its attribution docs first gave, and `X-OpenRouter-Title`, the one its SDKs now send.
  // @see https://openrouter.ai/docs/app-attribution
  if (options.referer !== undefined) headers["http-referer"] = options.referer;
  if (options.title !== undefined) {
    headers["x-title"] = options.title;
    headers["x-openrouter-title"] = options.title;
  }
  return headers;
}

/**
 * Reads at most ERROR_BODY_LIMIT bytes of an answer and hands them on; past the limit, or when
 * the answer breaks off or falls silent, what arrived is all there is. A body left unread is not
 * drained: its connection is destroyed instead of going back to the pool.
 */
function readLimited(answer: IncomingMessage, request: ClientRequest, idle: NodeJS.Timeout, then: (text: string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    then(Buffer.concat(chunks).subarray(0, ERROR_BODY_LIMIT).toString("utf8"));
  };
  answer.on("data", (chunk: Buffer) => {
    idle.refresh();
    chunks.push(chunk);
    size += chunk.byteLength;
    if (size >= ERROR_BODY_LIMIT) {
      finish();
      request.destroy();
    }
  });
  answer.on("end", finish);
  answer.on("close", finish);
}

/**
 * An error OpenRouter answered keeps its status and its `{"error":{...}}` body. A body that is
 * not OpenRouter's JSON (a proxy's HTML page) is replaced by one in that shape, and the key is
 * struck from whatever is passed on, should an upstream ever echo it.
 */
function passOnError(res: Response, answer: IncomingMessage, received: string, apiKey: string): void {
  const status = answer.statusCode ?? 502;
  const text = received.split(apiKey).join("[redacted]");
  let body: unknown;
  try {
    body = JSON.parse(text);
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
