import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";

export interface UpstreamRequest {
  readonly method: "GET" | "POST";
  readonly headers: OutgoingHttpHeaders;
  readonly body?: string;
  /** Aborts the request, and the reading of its answer, at once. */
  readonly signal: AbortSignal;
}

/**
 * Connections to OpenRouter: Node's own HTTP client over keep-alive agents, one per scheme.
 *
 * Not `fetch`: undici and its web streams took about 30 MB more of the gateway's memory than
 * node:http for the same calls (loaded on the first sign-in), and a fifth of a sign-in's CPU.
 * Nothing here follows a redirect: OpenRouter's API does not send one, and an answer that does
 * is not OpenRouter's.
 */
export class UpstreamConnections {
  readonly #http = new HttpAgent({ keepAlive: true });
  readonly #https = new HttpsAgent({ keepAlive: true });

  /** Resolves with the answer once its headers arrived; rejects when no answer came (refused, reset, aborted). */
  request(url: string, options: UpstreamRequest): Promise<IncomingMessage> {
    const secure = url.startsWith("https:");
    const send = secure ? httpsRequest : httpRequest;
    const headers = options.body === undefined ? options.headers : { ...options.headers, "content-length": Buffer.byteLength(options.body) };
    return new Promise((resolve, reject) => {
      const req = send(url, { method: options.method, headers, agent: secure ? this.#https : this.#http, signal: options.signal }, resolve);
      req.once("error", reject);
      req.end(options.body);
    });
  }

  /** Closes every connection: call once no request is running (the gateway's close()). */
  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }
}

/**
 * An answer's body, whole, up to `limit` bytes; rejects beyond that, or when the answer is cut
 * short or its request aborted.
 */
export async function readBody(answer: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of answer as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      answer.destroy();
      throw new RangeError(`answer larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  if (!answer.complete) throw new Error("answer cut short");
  return Buffer.concat(chunks, size);
}
