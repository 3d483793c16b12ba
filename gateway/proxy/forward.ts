import { once } from "node:events";
import type { Response } from "express";
import { ErrorCode, GatewayError } from "../errors.js";
import { sendJson } from "../http/send-json.js";
import type { CompletionRequest } from "./policy.js";

export interface ForwardOptions {
  /** OPENROUTER_API_BASE */
  readonly apiBase: string;
  /** The session's key: sent upstream as the bearer, and kept out of everything sent back. */
  readonly apiKey: string;
  readonly completion: CompletionRequest;
  /** `HTTP-Referer` and `X-Title`, when known. */
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
 * arrives: every chunk is written as soon as it comes, waiting only while the client's socket is
 * full, so a stream reaches the client at the pace OpenRouter sends it. The upstream request is
 * aborted as soon as the client goes away, and when OpenRouter falls silent for `idleTimeoutMs`.
 */
export async function forwardCompletion(res: Response, options: ForwardOptions): Promise<ForwardResult> {
  const controller = new AbortController();
  let clientLeft = false;
  const onClose = () => {
    if (res.writableFinished) return;
    clientLeft = true;
    controller.abort();
  };
  res.once("close", onClose);
  const idle = setTimeout(() => controller.abort(new IdleTimeout()), options.idleTimeoutMs);
  let upstreamStatus: number | undefined;
  let bytes = 0;
  try {
    let upstream: globalThis.Response;
    try {
      upstream = await fetch(`${options.apiBase}/chat/completions`, {
        method: "POST",
        headers: upstreamHeaders(options),
        body: JSON.stringify(options.completion.body),
        signal: controller.signal,
      });
    } catch (cause) {
      if (clientLeft) return { upstreamStatus, bytes, outcome: "client-left" };
      const message = controller.signal.reason instanceof IdleTimeout ? "OpenRouter did not answer in time. Try again shortly." : undefined;
      throw new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, message, { cause });
    }
    upstreamStatus = upstream.status;
    idle.refresh();

    if (!upstream.ok || upstream.body === null) {
      await passOnError(res, upstream, options.apiKey);
      return { upstreamStatus, bytes, outcome: "upstream-error" };
    }

    res.statusCode = upstream.status;
    res.setHeader("content-type", upstream.headers.get("content-type") ?? "application/json");
    res.setHeader("cache-control", "no-store");
    // Tells nginx and its kin not to hold the answer back to send it in one piece.
    res.setHeader("x-accel-buffering", "no");
    res.flushHeaders();
    try {
      for await (const chunk of upstream.body as AsyncIterable<Uint8Array>) {
        idle.refresh();
        bytes += chunk.byteLength;
        if (!res.write(chunk)) await once(res, "drain", { signal: controller.signal });
      }
    } catch {
      // The answer is cut short: end the connection rather than the response, so that the
      // client sees a broken answer and not a complete-looking one.
      res.destroy();
      return { upstreamStatus, bytes, outcome: clientLeft ? "client-left" : "upstream-failed" };
    }
    res.end();
    return { upstreamStatus, bytes, outcome: "completed" };
  } finally {
    clearTimeout(idle);
    res.off("close", onClose);
  }
}

function upstreamHeaders(options: ForwardOptions): Record<string, string> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${options.apiKey}`,
    "content-type": "application/json",
    accept: options.completion.stream ? "text/event-stream" : "application/json",
  };
  // A compressed stream may be held back by the compressor; events are small anyway.
  if (options.completion.stream) headers["accept-encoding"] = "identity";
  // OpenRouter's app attribution.
  // @see https://openrouter.ai/docs/app-attribution
  if (options.referer !== undefined) headers["http-referer"] = options.referer;
  if (options.title !== undefined) headers["x-title"] = options.title;
  return headers;
}

/**
 * An error OpenRouter answered keeps its status and its `{"error":{...}}` body. A body that is
 * not OpenRouter's JSON (a proxy's HTML page) is replaced by one in that shape, and the key is
 * struck from whatever is passed on, should an upstream ever echo it.
 */
async function passOnError(res: Response, upstream: globalThis.Response, apiKey: string): Promise<void> {
  const text = (await readLimited(upstream)).split(apiKey).join("[redacted]");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (typeof body !== "object" || body === null || !("error" in body)) {
    body = { error: { code: upstream.status, message: `OpenRouter answered with HTTP ${upstream.status}.`, metadata: {} } };
  }
  const retryAfter = upstream.headers.get("retry-after");
  if (retryAfter !== null && /^\d{1,6}$/.test(retryAfter)) res.setHeader("retry-after", retryAfter);
  // A failed answer is never a 2xx, and a 1xx or 3xx from OpenRouter is no answer: both become 502.
  const status = upstream.status >= 400 && upstream.status <= 599 ? upstream.status : 502;
  sendJson(res, body, status);
}

async function readLimited(upstream: globalThis.Response): Promise<string> {
  if (upstream.body === null) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of upstream.body as AsyncIterable<Uint8Array>) {
      chunks.push(chunk);
      size += chunk.byteLength;
      if (size >= ERROR_BODY_LIMIT) break;
    }
  } catch {
    // What arrived is all there is.
  }
  return Buffer.concat(chunks).subarray(0, ERROR_BODY_LIMIT).toString("utf8");
}
