import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type OutgoingHttpHeaders, type RequestOptions } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { urlToHttpOptions } from "node:url";

/**
 * How long a connection to OpenRouter may sit unused in the pool before it is closed: shorter
 * than servers commonly keep an idle connection, so that a request is rarely sent on one the
 * server is closing (undici, behind `fetch`, keeps them 4 s too). A shorter
 * `Keep-Alive: timeout=` from the server wins: Node's Agent reads it.
 */
const IDLE_SOCKET_MS = 4_000;

/**
 * The proxy's connections to one OpenRouter URL: `node:http` or `node:https` by the URL's
 * protocol, through a keep-alive Agent of the proxy's own, so that a completion reuses a warm
 * connection (and its TLS session) rather than opening one. Node streams, not `fetch`: undici and
 * the web streams it is read through cost more CPU per streamed chunk than the rest of the proxy.
 */
export class UpstreamConnections {
  readonly #target: RequestOptions;
  readonly #agent: HttpAgent;
  readonly #request: typeof httpRequest;

  /** `url`: an absolute http(s) URL (OPENROUTER_API_BASE, checked at start-up, plus a path). */
  constructor(url: string) {
    const parsed = new URL(url);
    const https = parsed.protocol === "https:";
    const options = { keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: "lifo" as const };
    this.#agent = https ? new HttpsAgent(options) : new HttpAgent(options);
    this.#request = https ? httpsRequest : httpRequest;
    // Parsed once: every request names the same host, port and path.
    this.#target = { ...urlToHttpOptions(parsed), agent: this.#agent };
  }

  /**
   * Starts a POST to the URL; the caller writes the body and owns the request from here. Throws
   * at once on a header value Node refuses (a character outside Latin-1), as `fetch` did.
   */
  post(headers: OutgoingHttpHeaders): ClientRequest {
    return this.#request({ ...this.#target, method: "POST", headers });
  }

  /** Closes every connection, pooled or in use (the gateway is closing). */
  close(): void {
    this.#agent.destroy();
  }
}
