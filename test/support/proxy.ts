import assert from "node:assert/strict";
import { HttpClient } from "./http-client.js";
import type { TestStack } from "./gateway.js";

/** The proxy's OpenAI-compatible base path. */
export const PROXY = "/api/v1/openrouter/proxy";

const VALIDATE = "mutation($k: String!) { validateKey(apiKey: $k) { valid } }";

/** A browser profile signed in with `key` on the gateway at `url`. */
export async function signedIn(url: string, key: string): Promise<HttpClient> {
  const browser = new HttpClient(url);
  const response = await browser.graphql(VALIDATE, { k: key });
  assert.equal((response.body as { data?: { validateKey?: { valid?: boolean } } }).data?.validateKey?.valid, true, JSON.stringify(response.body));
  return browser;
}

/** A request to the proxy at `url`, as `browser` (its cookie) when given. */
export function proxyFetch(
  url: string,
  browser: HttpClient | undefined,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  const cookie = browser?.cookieHeader();
  if (cookie) headers.set("cookie", cookie);
  const method = init.method ?? (init.body === undefined ? "GET" : "POST");
  if (init.body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
  return fetch(`${url}${PROXY}${path}`, {
    method,
    headers,
    ...(init.body === undefined ? {} : { body: typeof init.body === "string" ? init.body : JSON.stringify(init.body) }),
    signal: init.signal ?? AbortSignal.timeout(15_000),
  });
}

/** One server-sent event: its `event:` name (when it has one) and its `data:` payload. */
export interface ServerSentEvent {
  readonly event: string | undefined;
  readonly data: string;
}

/** The events of a whole event stream, comment lines left out. */
export function parseEvents(text: string): ServerSentEvent[] {
  return text
    .split("\n\n")
    .map((block) => block.split("\n").filter((line) => line !== "" && !line.startsWith(":")))
    .filter((lines) => lines.length > 0)
    .map((lines) => ({
      event: lines.find((line) => line.startsWith("event: "))?.slice(7),
      data: lines.filter((line) => line.startsWith("data: ")).map((line) => line.slice(6)).join("\n"),
    }));
}

/** The requests the stand-in got on `path` (under its API base) so far. */
export function upstreamCalls(stack: TestStack, path: string) {
  return stack.stub.requests.filter((request) => request.path === `/api/v1${path}`);
}

/** Asserts the proxy's own error shape and code. */
export async function assertProxyError(response: Response, status: number, code: string): Promise<void> {
  assert.equal(response.status, status);
  const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
  assert.deepEqual(Object.keys(body), ["error"]);
  assert.equal(body.error?.code, code);
  assert.equal(typeof body.error?.message, "string");
}
