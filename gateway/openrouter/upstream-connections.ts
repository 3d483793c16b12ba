import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders, type RequestOptions } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { urlToHttpOptions } from "node:url";

/**
 * How long a connection to OpenRouter may sit unused in the pool before it is closed: shorter
 * than servers commonly keep an idle connection, so that a request is rarely sent on one the
 * server is closing (undici, behind `fetch`, keeps them 4 s too). A shorter
 * `Keep-Alive: timeout=` from the server wins: Node's Agent reads it.
 */
const IDLE_SOCKET_MS = 4_000;

export interface UpstreamExchange {
  readonly method: "GET" | "POST";
  readonly headers: OutgoingHttpHeaders;
  readonly body?: string;
  /** Aborts the request, and the reading of its answer, at once. */
  readonly signal: AbortSignal;
}

/**
 * The gateway's connections to OpenRouter's API (OPENROUTER_API_BASE): `node:http` or
 * `node:https` by the base's protocol, through one keep-alive Agent, so that a sign-in's key
 * check and a proxied completion reuse warm connections (and their TLS sessions).
 *
 * Node streams, not `fetch`: undici and its web streams cost more CPU per streamed chunk than the
 * rest of the proxy, a fifth of a sign-in's CPU, and about 30 MB more of the gateway's memory than
 * node:http for the same calls. Nothing here follows a redirect: OpenRouter's API sends none, and
 * an answer that does is not OpenRouter's.
 */
export class UpstreamConnections {
  /** What every request names of the API base, parsed once: see the constructor. */
  readonly #protocol: string | null;
  readonly #hostname: string;
  readonly #port: string | number | undefined;
  readonly #auth: string | undefined;
  readonly #basePath: string;
  /** The `Host` header, for requests whose headers are a list (Node adds it only to an object's). */
  readonly #host: string;
  readonly #agent: HttpAgent;
  readonly #request: typeof httpRequest;

  /** `apiBase`: an absolute http(s) URL, checked at start-up. */
  constructor(apiBase: string) {
    const parsed = new URL(apiBase);
    const https = parsed.protocol === "https:";
    const options = { keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: "lifo" as const };
    this.#agent = https ? new HttpsAgent(options) : new HttpAgent(options);
    this.#request = https ? httpsRequest : httpRequest;
    // Parsed once: every request names the same host and port. Only what a request needs, which
    // Node copies twice for every request (into the request, then for the Agent): not the URL's
    // href, hash, search and pathname.
    const { protocol, hostname, port, auth } = urlToHttpOptions(parsed);
    this.#protocol = protocol ?? null;
    this.#hostname = hostname ?? "";
    this.#port = port === "" || port === null ? undefined : port;
    this.#auth = auth ?? undefined;
    this.#basePath = parsed.pathname.replace(/\/$/, "");
    // As Node writes it for an object's headers: the port only when it is not the protocol's own
    // (which the URL leaves out), an IPv6 address in brackets.
    this.#host = parsed.host;
  }

  /**
   * Starts a request to `path` under the API base; the caller writes the body and owns the
   * request from here. Throws at once on a header value Node refuses (a character outside
   * Latin-1), as `fetch` did.
   *
   * `headers` as a list (`[name, value, name, value, …]`), for the proxy's requests: Node then
   * writes the request's head from the list at once, with every name and value checked as for an
   * object, rather than storing each header with `setHeader` first. The `Host` header is added here.
   */
  open(method: "GET" | "POST", path: string, headers: OutgoingHttpHeaders | readonly string[], signal?: AbortSignal): ClientRequest {
    const sent = isHeaderList(headers) ? ["host", this.#host, ...headers] : headers;
    // Written out rather than spread from a base object: on Node 20 a spread with properties
    // after it cost about 5 µs, every completion's and every key check's.
    const options: RequestOptions = { protocol: this.#protocol, hostname: this.#hostname, port: this.#port, auth: this.#auth, agent: this.#agent, path: this.#basePath + path, method, headers: sent };
    if (signal !== undefined) options.signal = signal;
    return this.#request(options);
  }

  /** A whole request: resolves with the answer once its headers arrived; rejects when none came (refused, reset, aborted). */
  exchange(path: string, options: UpstreamExchange): Promise<IncomingMessage> {
    const headers = options.body === undefined ? options.headers : { ...options.headers, "content-length": Buffer.byteLength(options.body) };
    return new Promise((resolve, reject) => {
      const request = this.open(options.method, path, headers, options.signal);
      request.once("response", resolve);
      request.once("error", reject);
      request.end(options.body);
    });
  }

  /** Closes every connection, pooled or in use (the gateway is closing). */
  close(): void {
    this.#agent.destroy();
  }
}

function isHeaderList(headers: OutgoingHttpHeaders | readonly string[]): headers is readonly string[] {
  return Array.isArray(headers);
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
