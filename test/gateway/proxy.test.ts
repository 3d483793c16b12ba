import assert from "node:assert/strict";
import { request, type IncomingMessage } from "node:http";
import { after, afterEach, before, describe, it } from "node:test";
import OpenAI from "openai";
import { loadConfig } from "../../gateway/config.js";
import { KEY_PREFIX } from "../../gateway/session/session-store.js";
import { accountIdOf } from "../../gateway/proxy/account-id.js";
import { TEST_SECRETS, startTestStack, type TestGateway, type TestStack } from "../support/gateway.js";
import { HttpClient } from "../support/http-client.js";
import { configRefusal } from "../support/config-refusal.js";
import { waitFor } from "../support/wait-for.js";

const PROXY = "/api/v1/openrouter/proxy";
const COMPLETIONS = `${PROXY}/chat/completions`;
const UPSTREAM = "/api/v1/chat/completions";
const PAGE = "http://page.example";
const OTHER_PAGE = "http://evil.example";
const VALIDATE = "mutation($k: String!) { validateKey(apiKey: $k) { valid } }";
/** How the proxy's limits name an account in Redis: never the key. */
const accountId = accountIdOf(TEST_SECRETS.SESSION_SECRET);
const QUESTION = { model: "openai/gpt-4o", messages: [{ role: "user", content: "Say hello" }] };

/** An access-log line, as the gateway writes it. */
interface LogLine {
  readonly msg: string;
  readonly reqId?: string;
  readonly method?: string;
  readonly path?: string;
  readonly status?: number;
  readonly ms?: number;
  readonly model?: string;
  readonly stream?: boolean;
  readonly upstreamStatus?: number;
  readonly outcome?: string;
  readonly bytes?: number;
  readonly event?: string;
}

/** `promise`, or nothing once `ms` have passed: holds a stream without ever hanging a test. */
function atMost(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** A latch a test opens once. */
function latch(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Reads an event stream as it arrives: the data payloads and comment lines so far, and a way to wait for more. */
class EventReader {
  readonly data: string[] = [];
  readonly comments: string[] = [];
  /** Whether the stream broke off (the connection was cut, or the test aborted it) rather than ended. */
  broken = false;
  #buffer = "";
  #waiters: Array<() => void> = [];
  readonly done: Promise<void>;

  constructor(response: Response, onData: (payload: string) => void = () => {}) {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    this.done = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          this.#buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = this.#buffer.indexOf("\n")) !== -1) {
            const line = this.#buffer.slice(0, end);
            this.#buffer = this.#buffer.slice(end + 1);
            if (line.startsWith(":")) this.comments.push(line);
            if (line.startsWith("data: ")) {
              this.data.push(line.slice(6));
              onData(line.slice(6));
            }
          }
          for (const wake of this.#waiters.splice(0)) wake();
        }
      } catch {
        this.broken = true;
      } finally {
        for (const wake of this.#waiters.splice(0)) wake();
      }
    })();
  }

  /** Resolves once `count` data lines have arrived (or the stream ended), within 10 s at most. */
  async untilData(count: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (this.data.length < count && Date.now() < deadline) {
      const more = new Promise<void>((resolve) => this.#waiters.push(resolve));
      const ended = await Promise.race([more.then(() => false), this.done.then(() => true), new Promise((resolve) => setTimeout(resolve, 100, false))]);
      if (ended) break;
    }
  }

  contents(): string[] {
    return this.data.filter((line) => line !== "[DONE]").map((line) => JSON.parse(line).choices[0].delta.content as string);
  }
}

describe("the OpenRouter proxy", () => {
  let stack: TestStack;
  /** Every gateway a test started, so that the last test can read all their logs. */
  const gateways: TestGateway[] = [];

  before(async () => {
    stack = await startTestStack({ env: { ALLOWED_ORIGINS: PAGE } });
    gateways.push(stack.gateway);
  });
  afterEach(async () => {
    stack.stub.setFault("none");
    stack.stub.setChatPace({});
    await stack.closeOthers();
  });
  after(() => stack.close());

  /** Another gateway on the same Redis and stand-in, with settings of its own (`undefined` unsets one). */
  async function gatewayWith(env: Record<string, string | undefined>, options: { shutdownGraceMs?: number } = {}): Promise<TestGateway> {
    const gateway = await stack.startAnother(env, options);
    gateways.push(gateway);
    return gateway;
  }

  async function signedIn(key = stack.stub.testKeys.valid, url = stack.gatewayUrl): Promise<HttpClient> {
    const browser = new HttpClient(url);
    const response = await browser.graphql(VALIDATE, { k: key });
    assert.equal(response.body.data?.validateKey.valid, true, JSON.stringify(response.body.errors));
    return browser;
  }

  /** A request to the proxy as `browser` (its cookie), on `url` (by default the stack's gateway). */
  function ask(
    browser: HttpClient | undefined,
    body: unknown,
    init: { url?: string; headers?: Record<string, string>; signal?: AbortSignal; method?: string } = {},
  ): Promise<Response> {
    const headers = new Headers({ "content-type": "application/json", ...init.headers });
    const cookie = browser?.cookieHeader();
    if (cookie) headers.set("cookie", cookie);
    return fetch(`${init.url ?? stack.gatewayUrl}${COMPLETIONS}`, {
      method: init.method ?? "POST",
      headers,
      body: typeof body === "string" ? body : JSON.stringify(body),
      signal: init.signal ?? AbortSignal.timeout(15_000),
    });
  }

  const upstreamCalls = () => stack.stub.requests.filter((request) => request.path === UPSTREAM);

  /** The access-log lines `gateway` wrote for the request with this `X-Request-Id`. */
  function logLinesOf(gateway: TestGateway, reqId: string): LogLine[] {
    return gateway.logs.map((line) => JSON.parse(line) as LogLine).filter((line) => line.reqId === reqId);
  }

  /** Asserts a completion's access-log line: the request's fields and the completion's. */
  function assertCompletionLine(line: LogLine, expected: { status: number; outcome: string; stream: boolean; model?: string }): void {
    assert.equal(line.msg, "request");
    assert.equal(line.method, "POST");
    assert.equal(line.path, COMPLETIONS);
    assert.equal(line.status, expected.status);
    assert.equal(line.outcome, expected.outcome);
    assert.equal(line.model, expected.model ?? QUESTION.model);
    assert.equal(line.stream, expected.stream);
    assert.equal(typeof line.ms, "number");
    assert.equal(typeof line.bytes, "number");
  }

  /** Asserts the proxy's own error shape and code, and that nothing new went upstream. */
  async function assertRefused(response: Response, status: number, code: string, callsBefore: number): Promise<void> {
    assert.equal(response.status, status);
    const body = await response.json();
    assert.deepEqual(Object.keys(body), ["error"]);
    assert.equal(body.error.code, code);
    assert.equal(typeof body.error.message, "string");
    assert.equal(upstreamCalls().length, callsBefore, "nothing went upstream");
  }

  describe("forwarding", () => {
    it("forwards a completion with the session's key and answers with OpenRouter's JSON and status", async () => {
      const browser = await signedIn();
      const response = await ask(browser, QUESTION);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("cache-control"), "no-store");
      const body = await response.json();
      assert.equal(body.object, "chat.completion");
      assert.equal(body.choices[0].message.content, "Echo: Say hello");
      const upstream = upstreamCalls().at(-1)!;
      assert.equal(upstream.bearer, stack.stub.testKeys.valid);
      assert.deepEqual(upstream.body, QUESTION);
      // The proxy's headers go as a list, to which Node adds no Host of its own.
      assert.equal(upstream.host, new URL(stack.stub.apiBase).host);
    });

    it("never forwards the caller's own Authorization header: OpenRouter sees the session's key", async () => {
      const browser = await signedIn(stack.stub.testKeys.unlimited);
      const response = await ask(browser, QUESTION, { headers: { authorization: `Bearer ${stack.stub.testKeys.valid}` } });
      assert.equal(response.status, 200);
      assert.equal(upstreamCalls().at(-1)!.bearer, stack.stub.testKeys.unlimited);
    });

    it("answers 401 UNAUTHENTICATED to a signed-out caller, even one with a key of its own, and sends nothing upstream", async () => {
      const calls = upstreamCalls().length;
      await assertRefused(await ask(undefined, QUESTION), 401, "UNAUTHENTICATED", calls);
      await assertRefused(await ask(undefined, QUESTION, { headers: { authorization: `Bearer ${stack.stub.testKeys.valid}` } }), 401, "UNAUTHENTICATED", calls);
      const signedOut = await signedIn();
      await signedOut.graphql("mutation { logout { authenticated } }");
      await assertRefused(await ask(signedOut, QUESTION), 401, "UNAUTHENTICATED", calls);
    });

    it("answers a request that is not a JSON object with 400, in its error shape, and sends nothing upstream", async () => {
      const browser = await signedIn();
      const calls = upstreamCalls().length;
      await assertRefused(await ask(browser, "[1, 2]"), 400, "BAD_USER_INPUT", calls);
      await assertRefused(await ask(browser, "{not json"), 400, "BAD_USER_INPUT", calls);
      await assertRefused(await ask(browser, { ...QUESTION, stream: "yes" }), 400, "BAD_USER_INPUT", calls);
      await assertRefused(await ask(browser, "model=x", { headers: { "content-type": "application/x-www-form-urlencoded" } }), 415, "UNSUPPORTED_MEDIA_TYPE", calls);
    });

    it("refuses a chunked non-JSON body (no Content-Length) with 415 like a sized one, and sends nothing upstream", async () => {
      const browser = await signedIn();
      const calls = upstreamCalls().length;
      const status = await new Promise<number>((resolve, reject) => {
        const chunked = request(`${stack.gatewayUrl}${COMPLETIONS}`, { method: "POST", headers: { "content-type": "text/plain", "transfer-encoding": "chunked", cookie: browser.cookieHeader() } });
        chunked.once("response", (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        chunked.once("error", reject);
        chunked.write(JSON.stringify(QUESTION).slice(0, 10));
        chunked.end(JSON.stringify(QUESTION).slice(10));
      });
      assert.equal(status, 415);
      assert.equal(upstreamCalls().length, calls);
    });

    it("answers 404 NOT_FOUND to every path and method it does not serve, GET or POST, and sends nothing upstream", async () => {
      const browser = await signedIn();
      const before = stack.stub.requests.length;
      const headers = { cookie: browser.cookieHeader(), "content-type": "application/json" };
      for (const [method, path] of [
        ["POST", "/audio/speech"],
        ["POST", "/chat/completions/extra"],
        ["POST", "/key"],
        ["POST", "/models"],
        ["GET", "/chat/completions"],
        ["GET", "/credits"],
        ["DELETE", "/chat/completions"],
      ] as const) {
        const response = await fetch(`${stack.gatewayUrl}${PROXY}${path}`, { method, headers, ...(method === "POST" ? { body: JSON.stringify(QUESTION) } : {}) });
        assert.equal(response.status, 404, `${method} ${path}`);
        assert.equal((await response.json()).error.code, "NOT_FOUND");
      }
      assert.equal(stack.stub.requests.length, before, "nothing went upstream");
    });
  });

  describe("streaming", () => {
    it("passes each chunk on as the stand-in sends it: the client reads one before the next is sent", async () => {
      const browser = await signedIn();
      const order: string[] = [];
      let reader!: EventReader;
      const reading = latch();
      // The stand-in sends each chunk after the first only once the client has read the one
      // before, or after 3 s: a proxy that held chunks back would see them all sent first.
      stack.stub.setChatPace({
        chunks: 3,
        intervalMs: 0,
        beforeChunk: async (index) => {
          await atMost(reading.promise.then(() => reader.untilData(index)), 3_000);
          order.push(`sent ${index + 1}`);
        },
      });
      order.push("sent 1");
      const response = await ask(browser, { ...QUESTION, stream: true });
      assert.equal(response.status, 200);
      reader = new EventReader(response, (payload) => {
        if (payload !== "[DONE]" && JSON.parse(payload).choices[0].finish_reason === null) order.push(`received ${order.filter((entry) => entry.startsWith("received")).length + 1}`);
      });
      reading.open();
      await reader.done;
      assert.deepEqual(order, ["sent 1", "received 1", "sent 2", "received 2", "sent 3", "received 3"]);
      assert.equal(reader.contents().join(""), "Echo: Say hello");
    });

    it("passes comment lines and [DONE] through, uncompressed, with no-store and no buffering by proxies in front", async () => {
      const browser = await signedIn();
      const response = await ask(browser, { ...QUESTION, stream: true }, { headers: { "accept-encoding": "gzip, br" } });
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
      assert.equal(response.headers.get("cache-control"), "no-store");
      assert.equal(response.headers.get("x-accel-buffering"), "no");
      assert.equal(response.headers.get("content-encoding"), null);
      const reader = new EventReader(response);
      await reader.done;
      assert.ok(reader.comments.includes(": OPENROUTER PROCESSING"));
      assert.equal(reader.data.at(-1), "[DONE]");
    });

    it("aborts the upstream request as soon as the client goes away, and logs the request once, with the bytes streamed until then", async () => {
      const browser = await signedIn();
      const hold = latch();
      stack.stub.setChatPace({ chunks: 3, intervalMs: 0, beforeChunk: () => atMost(hold.promise, 10_000) });
      const controller = new AbortController();
      const reqId = "abandoned-stream";
      const response = await ask(browser, { ...QUESTION, stream: true }, { signal: controller.signal, headers: { "x-request-id": reqId } });
      const reader = new EventReader(response);
      await reader.untilData(1);
      const upstream = upstreamCalls().length - 1;
      assert.equal(stack.stub.requests.filter((request) => request.path === UPSTREAM)[upstream]!.aborted, false);
      controller.abort();
      await waitFor(() => upstreamCalls()[upstream]!.aborted);
      hold.open();
      assert.equal(upstreamCalls()[upstream]!.chunksSent, 1);
      await waitFor(() => logLinesOf(stack.gateway, reqId).length > 0);
      const [logged, ...more] = logLinesOf(stack.gateway, reqId);
      assert.deepEqual(more, [], "one line for the request");
      assertCompletionLine(logged!, { status: 200, outcome: "client-left", stream: true });
      assert.ok(logged!.bytes! > 0);
    });

    it("holds OpenRouter's answer back while the client reads nothing, rather than keeping it: it waits in the stand-in", async () => {
      const browser = await signedIn();
      const hold = latch();
      // "Echo: " and 58 letters, one a chunk, each padded to 1 MB: far more than the connections
      // between the stand-in and the client hold. The stand-in writes on without waiting for its
      // connection (one chunk every 5 ms, time enough for a proxy that keeps everything to take
      // each), and holds the last chunk back so that its answer is not over yet.
      stack.stub.setChatPace({ chunks: 64, intervalMs: 5, padding: 1_048_576, beforeChunk: (index) => (index === 63 ? atMost(hold.promise, 10_000) : undefined) });
      const body = JSON.stringify({ ...QUESTION, stream: true, messages: [{ role: "user", content: "x".repeat(58) }] });
      const asking = request(`${stack.gatewayUrl}${COMPLETIONS}`, {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), cookie: browser.cookieHeader() },
      });
      try {
        // Never read: Node stops reading the socket once its buffer is full.
        const response = await new Promise<IncomingMessage>((resolve, reject) => {
          asking.once("response", resolve).once("error", reject);
          asking.end(body);
        });
        assert.equal(response.statusCode, 200);
        const upstream = upstreamCalls().length - 1;
        await waitFor(() => upstreamCalls()[upstream]!.chunksSent === 63, 10_000);
        const queued = upstreamCalls()[upstream]!.maxQueuedBytes!;
        assert.ok(queued > 16 * 1_048_576, `only ${queued} bytes of 63 MB ever waited in the stand-in: the gateway kept the rest`);
        asking.destroy();
        await waitFor(() => upstreamCalls()[upstream]!.aborted);
      } finally {
        asking.destroy();
        hold.open();
      }
    });
  });

  describe("upstream errors", () => {
    it("keep their status and OpenRouter's error body when they come before the first byte", async () => {
      const browser = await signedIn();
      const unknown = await ask(browser, { ...QUESTION, model: "no/such-model", stream: true });
      assert.equal(unknown.status, 400);
      assert.deepEqual(await unknown.json(), { error: { code: 400, message: "no/such-model is not a valid model ID", metadata: {} } });

      stack.stub.setFault("rate-limited", { retryAfterSeconds: 9, paths: [UPSTREAM] });
      const limited = await ask(browser, { ...QUESTION, stream: true });
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get("retry-after"), "9");
      assert.equal((await limited.json()).error.code, 429);

      stack.stub.setFault("server-error", { status: 503, paths: [UPSTREAM] });
      const failed = await ask(browser, QUESTION);
      assert.equal(failed.status, 503);
      const text = await failed.text();
      assert.equal(JSON.parse(text).error.code, 503);
      assert.doesNotMatch(text, /sk-or-/);
    });

    it("answer 502 UPSTREAM_UNAVAILABLE when OpenRouter cannot be reached", async () => {
      const browser = await signedIn();
      stack.stub.setFault("down", { paths: [UPSTREAM] });
      const response = await ask(browser, { ...QUESTION, stream: true });
      assert.equal(response.status, 502);
      assert.equal((await response.json()).error.code, "UPSTREAM_UNAVAILABLE");
    });

    it("after the first byte cut the client's connection, so that the answer cannot look complete: OpenRouter broke off, or fell silent past PROXY_IDLE_TIMEOUT_MS", async () => {
      const gateway = await gatewayWith({ PROXY_IDLE_TIMEOUT_MS: "1000" });
      const browser = await signedIn();
      // The stand-in closes its connection after the first chunk.
      stack.stub.setChatPace({ chunks: 3, intervalMs: 0, beforeChunk: () => Promise.reject(new Error("gone")) });
      const brokenOff = new EventReader(await ask(browser, { ...QUESTION, stream: true }, { url: gateway.url }));
      await brokenOff.done;
      assert.equal(brokenOff.broken, true);
      assert.equal(brokenOff.data.length, 1);

      // The stand-in holds its second chunk for longer than the idle timeout.
      const hold = latch();
      stack.stub.setChatPace({ chunks: 3, intervalMs: 0, beforeChunk: () => atMost(hold.promise, 10_000) });
      const silent = new EventReader(await ask(browser, { ...QUESTION, stream: true }, { url: gateway.url }));
      try {
        await silent.done;
        assert.equal(silent.broken, true);
        assert.equal(silent.data.length, 1);
        await waitFor(() => upstreamCalls().at(-1)!.aborted);
      } finally {
        hold.open();
      }
      await waitFor(() => gateway.logs.filter((line) => line.includes('"outcome":"upstream-failed"')).length === 2);
    });

    it("answer 502 UPSTREAM_UNAVAILABLE, and abort the upstream request, when OpenRouter stays silent past PROXY_IDLE_TIMEOUT_MS", async () => {
      const gateway = await gatewayWith({ PROXY_IDLE_TIMEOUT_MS: "1000" });
      const browser = await signedIn();
      stack.stub.setFault("slow", { delayMs: 30_000, paths: [UPSTREAM] });
      const response = await ask(browser, { ...QUESTION, stream: true }, { url: gateway.url });
      assert.equal(response.status, 502);
      assert.equal((await response.json()).error.code, "UPSTREAM_UNAVAILABLE");
      await waitFor(() => upstreamCalls().at(-1)!.aborted);
    });
  });

  describe("browsers", () => {
    it("get credentialed CORS on ALLOWED_ORIGINS, with a preflight that allows the headers OpenAI clients send", async () => {
      const preflight = await fetch(`${stack.gatewayUrl}${COMPLETIONS}`, {
        method: "OPTIONS",
        headers: { origin: PAGE, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type,x-stainless-os" },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get("access-control-allow-origin"), PAGE);
      assert.equal(preflight.headers.get("access-control-allow-credentials"), "true");
      assert.equal(preflight.headers.get("access-control-allow-headers"), "authorization,content-type,x-stainless-os");

      const browser = await signedIn();
      const response = await ask(browser, QUESTION, { headers: { origin: PAGE, "sec-fetch-site": "cross-site" } });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("access-control-allow-origin"), PAGE);
      assert.equal(response.headers.get("access-control-allow-credentials"), "true");
    });

    it("on another origin get 403 and no CORS, and nothing goes upstream", async () => {
      const browser = await signedIn();
      const calls = upstreamCalls().length;
      const preflight = await fetch(`${stack.gatewayUrl}${COMPLETIONS}`, {
        method: "OPTIONS",
        headers: { origin: OTHER_PAGE, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
      });
      assert.equal(preflight.headers.get("access-control-allow-origin"), null);
      const response = await ask(browser, { ...QUESTION, stream: true }, { headers: { origin: OTHER_PAGE, "sec-fetch-site": "cross-site" } });
      assert.equal(response.headers.get("access-control-allow-origin"), null);
      await assertRefused(response, 403, "FORBIDDEN_ORIGIN", calls);
    });
  });

  describe("policy", () => {
    it("refuses a body above 1 MB with 413 by default, and above PROXY_MAX_BODY_BYTES when set", async () => {
      const browser = await signedIn();
      const calls = upstreamCalls().length;
      const big = (bytes: number) => ({ ...QUESTION, messages: [{ role: "user", content: "x".repeat(bytes) }] });
      await assertRefused(await ask(browser, big(1_048_576)), 413, "PAYLOAD_TOO_LARGE", calls);

      const small = await gatewayWith({ PROXY_MAX_BODY_BYTES: "2048" });
      await assertRefused(await ask(browser, big(2_048), { url: small.url }), 413, "PAYLOAD_TOO_LARGE", calls);
      assert.equal((await ask(browser, big(1_000), { url: small.url })).status, 200);
    });

    it("refuses models outside PROXY_ALLOWED_MODELS, exact or by prefix, with 403 MODEL_NOT_ALLOWED before any upstream call", async () => {
      const gateway = await gatewayWith({ PROXY_ALLOWED_MODELS: "anthropic/claude-sonnet-4, openai/*" });
      const browser = await signedIn();
      const calls = upstreamCalls().length;
      await assertRefused(await ask(browser, { ...QUESTION, model: "google/gemini-2.5-pro", stream: true }, { url: gateway.url }), 403, "MODEL_NOT_ALLOWED", calls);
      await assertRefused(await ask(browser, { ...QUESTION, model: "anthropic/claude-3.5-haiku" }, { url: gateway.url }), 403, "MODEL_NOT_ALLOWED", calls);
      await assertRefused(await ask(browser, { messages: QUESTION.messages }, { url: gateway.url }), 403, "MODEL_NOT_ALLOWED", calls);
      await assertRefused(await ask(browser, { ...QUESTION, models: ["openai/gpt-4o-mini", "google/gemini-2.5-flash"] }, { url: gateway.url }), 403, "MODEL_NOT_ALLOWED", calls);

      assert.equal((await ask(browser, { ...QUESTION, model: "anthropic/claude-sonnet-4" }, { url: gateway.url })).status, 200);
      assert.equal((await ask(browser, { ...QUESTION, model: "openai/gpt-4o-mini" }, { url: gateway.url })).status, 200);
      assert.equal(upstreamCalls().length, calls + 2);
    });

    it("refuses max_tokens or max_completion_tokens above PROXY_MAX_TOKENS with 400, and sends the cap when none is asked for", async () => {
      const gateway = await gatewayWith({ PROXY_MAX_TOKENS: "500" });
      const browser = await signedIn();
      const calls = upstreamCalls().length;
      await assertRefused(await ask(browser, { ...QUESTION, max_tokens: 501 }, { url: gateway.url }), 400, "MAX_TOKENS_EXCEEDED", calls);
      await assertRefused(await ask(browser, { ...QUESTION, max_completion_tokens: 10_000, stream: true }, { url: gateway.url }), 400, "MAX_TOKENS_EXCEEDED", calls);

      assert.equal((await ask(browser, { ...QUESTION, max_tokens: 500 }, { url: gateway.url })).status, 200);
      assert.equal((upstreamCalls().at(-1)!.body as { max_tokens: number }).max_tokens, 500);
      assert.equal((await ask(browser, QUESTION, { url: gateway.url })).status, 200);
      assert.deepEqual(upstreamCalls().at(-1)!.body, { ...QUESTION, max_tokens: 500 });
    });

    it("limits requests per OpenRouter account and window with 429 RATE_LIMITED and Retry-After, shared by its sessions on instances on one Redis", async () => {
      const limits = { PROXY_RATE_LIMIT: "2", PROXY_RATE_WINDOW_SECONDS: "600" };
      const first = await gatewayWith(limits);
      const second = await gatewayWith(limits);
      const account = stack.stub.addAccount();
      const browser = await signedIn(account.key, first.url);
      // A second browser session with the same key, on the other instance.
      const sameKey = await signedIn(account.key, second.url);
      assert.equal((await ask(browser, QUESTION, { url: first.url })).status, 200);
      assert.equal((await ask(sameKey, QUESTION, { url: second.url })).status, 200);
      const calls = upstreamCalls().length;
      const refused = await ask(browser, QUESTION, { url: first.url });
      const retryAfter = Number(refused.headers.get("retry-after"));
      assert.ok(retryAfter > 0 && retryAfter <= 600, `Retry-After ${retryAfter}`);
      await assertRefused(refused, 429, "RATE_LIMITED", calls);
      await assertRefused(await ask(sameKey, QUESTION, { url: second.url }), 429, "RATE_LIMITED", calls);
      // A fresh session of the same account starts with nothing fresh.
      await assertRefused(await ask(await signedIn(account.key, first.url), QUESTION, { url: first.url }), 429, "RATE_LIMITED", calls);

      // Another key has its own window.
      const other = await signedIn(stack.stub.addAccount().key, second.url);
      assert.equal((await ask(other, QUESTION, { url: second.url })).status, 200);
      // Counted under the key's HMAC, never under the key.
      assert.equal(await stack.redis.command("GET", `${KEY_PREFIX}proxy:rate:${accountId(account.key)}`), "5", "two answered, three refused");
      assert.equal(await stack.redis.command("EXISTS", `${KEY_PREFIX}proxy:rate:${account.key}`), "0");
    });

    it("gives back the place a request took when it is refused RATE_LIMITED: the count of running requests in Redis returns to 0", async () => {
      const gateway = await gatewayWith({ PROXY_RATE_LIMIT: "1", PROXY_RATE_WINDOW_SECONDS: "600", PROXY_MAX_CONCURRENT_STREAMS: "1" });
      const account = stack.stub.addAccount();
      const browser = await signedIn(account.key, gateway.url);
      const streamsKey = `${KEY_PREFIX}proxy:streams:${accountId(account.key)}`;
      assert.equal((await ask(browser, QUESTION, { url: gateway.url })).status, 200);
      await waitFor(async () => (await stack.redis.command("ZCARD", streamsKey)) === "0");
      const calls = upstreamCalls().length;
      for (let attempt = 0; attempt < 3; attempt++) {
        await assertRefused(await ask(browser, QUESTION, { url: gateway.url }), 429, "RATE_LIMITED", calls);
        assert.equal(await stack.redis.command("ZCARD", streamsKey), "0", "the refused request holds no place");
      }
    });

    it("limits concurrent requests per OpenRouter account across its sessions and instances, and frees a place when its stream ends or its client leaves", async () => {
      const limits = { PROXY_MAX_CONCURRENT_STREAMS: "1" };
      const first = await gatewayWith(limits);
      const second = await gatewayWith(limits);
      const account = stack.stub.addAccount();
      const browser = await signedIn(account.key, first.url);
      const sameKey = await signedIn(account.key, second.url);
      const hold = latch();
      stack.stub.setChatPace({ chunks: 2, intervalMs: 0, beforeChunk: () => atMost(hold.promise, 10_000) });

      const controller = new AbortController();
      const running = new EventReader(await ask(browser, { ...QUESTION, stream: true }, { url: first.url, signal: controller.signal }));
      await running.untilData(1);
      const calls = upstreamCalls().length;
      await assertRefused(await ask(sameKey, { ...QUESTION, stream: true }, { url: second.url }), 429, "TOO_MANY_STREAMS", calls);
      await assertRefused(await ask(browser, QUESTION, { url: first.url }), 429, "TOO_MANY_STREAMS", calls);
      // Another key has places of its own.
      assert.equal((await ask(await signedIn(stack.stub.addAccount().key, first.url), QUESTION, { url: first.url })).status, 200);

      // Held in Redis with a TTL, so that a gateway that dies cannot hold the place for ever.
      const streamsKey = `${KEY_PREFIX}proxy:streams:${accountId(account.key)}`;
      const ttl = Number(await stack.redis.command("PTTL", streamsKey));
      assert.ok(ttl > 0 && ttl <= 60_000, `PTTL ${ttl}`);

      controller.abort();
      await waitFor(async () => (await stack.redis.command("ZCARD", streamsKey)) === "0");
      hold.open();
      stack.stub.setChatPace({ chunks: 2, intervalMs: 0 });
      const next = await ask(browser, { ...QUESTION, stream: true }, { url: second.url });
      assert.equal(next.status, 200);
      await new EventReader(next).done;
      await waitFor(async () => (await stack.redis.command("ZCARD", streamsKey)) === "0");
      assert.equal((await ask(browser, QUESTION, { url: first.url })).status, 200);
    });

    it("keeps both limits in the process when there is no Redis", async () => {
      const gateway = await gatewayWith({ REDIS_URL: undefined, PROXY_RATE_LIMIT: "3", PROXY_MAX_CONCURRENT_STREAMS: "1" });
      const browser = await signedIn(undefined, gateway.url);
      const hold = latch();
      stack.stub.setChatPace({ chunks: 2, intervalMs: 0, beforeChunk: () => atMost(hold.promise, 10_000) });
      const running = new EventReader(await ask(browser, { ...QUESTION, stream: true }, { url: gateway.url }));
      await running.untilData(1);
      const calls = upstreamCalls().length;
      await assertRefused(await ask(browser, QUESTION, { url: gateway.url }), 429, "TOO_MANY_STREAMS", calls);
      hold.open();
      await running.done;
      // The stream has ended: its place is free again, and this is the third request of the window.
      await waitFor(() => gateway.logs.some((line) => line.includes('"outcome":"completed"')));
      assert.equal((await ask(browser, QUESTION, { url: gateway.url })).status, 200);
      await assertRefused(await ask(browser, QUESTION, { url: gateway.url }), 429, "RATE_LIMITED", calls + 1);
    });

    it("is off with PROXY_ENABLED=false: 404 PROXY_DISABLED, and nothing goes upstream", async () => {
      const gateway = await gatewayWith({ PROXY_ENABLED: "false" });
      const browser = await signedIn(undefined, gateway.url);
      const calls = upstreamCalls().length;
      await assertRefused(await ask(browser, { ...QUESTION, stream: true }, { url: gateway.url }), 404, "PROXY_DISABLED", calls);
    });
  });

  describe("attribution", () => {
    it("sends HTTP-Referer from OPENROUTER_APP_URL, and OPENROUTER_APP_TITLE as X-Title and X-OpenRouter-Title", async () => {
      const gateway = await gatewayWith({ OPENROUTER_APP_URL: "https://app.example/chat", OPENROUTER_APP_TITLE: "Example Chat" });
      const browser = await signedIn();
      assert.equal((await ask(browser, QUESTION, { url: gateway.url, headers: { origin: PAGE } })).status, 200);
      const upstream = upstreamCalls().at(-1)!;
      assert.equal(upstream.referer, "https://app.example/chat");
      assert.equal(upstream.title, "Example Chat");
      assert.equal(upstream.openRouterTitle, "Example Chat");
    });

    it("sends the caller's allowed origin as HTTP-Referer when OPENROUTER_APP_URL is not set", async () => {
      const browser = await signedIn();
      assert.equal((await ask(browser, QUESTION, { headers: { origin: PAGE } })).status, 200);
      assert.equal(upstreamCalls().at(-1)!.referer, PAGE);
      assert.equal(upstreamCalls().at(-1)!.title, undefined);
      assert.equal(upstreamCalls().at(-1)!.openRouterTitle, undefined);
      assert.equal((await ask(browser, QUESTION)).status, 200);
      assert.equal(upstreamCalls().at(-1)!.referer, undefined);
    });
  });

  describe("closing the router while its HTTP server still serves (a host that closes it first)", () => {
    /**
     * A gateway that closes with `graceMs` of grace, and streams on it by one signed-in browser,
     * each of which the stand-in holds after its first chunk until `hold` opens.
     */
    async function heldStreams(graceMs: number) {
      const gateway = await gatewayWith({}, { shutdownGraceMs: graceMs });
      const browser = await signedIn(undefined, gateway.url);
      const hold = latch();
      stack.stub.setChatPace({ chunks: 3, intervalMs: 0, beforeChunk: () => atMost(hold.promise, 10_000) });
      const stream = async (reqId: string, signal?: AbortSignal) =>
        new EventReader(await ask(browser, { ...QUESTION, stream: true }, { url: gateway.url, headers: { "x-request-id": reqId }, ...(signal && { signal }) }));
      return { gateway, browser, hold, stream };
    }

    it("lets a stream in flight run to its end, [DONE] included, and refuses completions asked meanwhile with 503 SHUTTING_DOWN", { timeout: 20_000 }, async () => {
      const { gateway, browser, hold, stream } = await heldStreams(600_000);
      const running = await stream("runs-to-its-end");
      let closing: Promise<void>;
      let closed = false;
      try {
        await running.untilData(1);
        closing = gateway.gateway.close().then(() => {
          closed = true;
        });
        const calls = upstreamCalls().length;
        await assertRefused(await ask(browser, { ...QUESTION, stream: true }, { url: gateway.url }), 503, "SHUTTING_DOWN", calls);
        await assertRefused(await ask(undefined, QUESTION, { url: gateway.url }), 503, "SHUTTING_DOWN", calls);
        assert.equal(closed, false, "close() waits for the stream");
      } finally {
        hold.open();
      }
      await running.done;
      assert.equal(running.broken, false);
      assert.equal(running.data.at(-1), "[DONE]");
      assert.equal(running.contents().join(""), "Echo: Say hello");
      await closing;
    });

    it("cuts a stream still running past the bound, so that it cannot look complete, aborts it upstream, and resolves close()", { timeout: 20_000 }, async () => {
      const { gateway, hold, stream } = await heldStreams(100);
      const reqId = "cut-on-close";
      const running = await stream(reqId);
      try {
        await running.untilData(1);
        const upstream = upstreamCalls().length - 1;
        await gateway.gateway.close();
        await running.done;
        assert.equal(running.broken, true);
        assert.ok(!running.data.includes("[DONE]"));
        await waitFor(() => upstreamCalls()[upstream]!.aborted);
      } finally {
        hold.open();
      }
      await waitFor(() => logLinesOf(gateway, reqId).length > 0);
      const [line, ...more] = logLinesOf(gateway, reqId);
      assert.deepEqual(more, []);
      assertCompletionLine(line!, { status: 200, outcome: "gateway-closed", stream: true });
    });

    it("cuts every stream still running past the bound, and none that ended before, whichever order they ended in", { timeout: 20_000 }, async () => {
      const { gateway, hold, stream } = await heldStreams(100);
      const controller = new AbortController();
      try {
        const first = await stream("several-first");
        const left = await stream("several-left", controller.signal);
        const last = await stream("several-last");
        await Promise.all([first.untilData(1), left.untilData(1), last.untilData(1)]);
        // The one in the middle ends first: the client leaves.
        controller.abort();
        await waitFor(() => logLinesOf(gateway, "several-left").length === 1);
        await gateway.gateway.close();
        await Promise.all([first.done, last.done]);
        for (const cut of [first, last]) {
          assert.equal(cut.broken, true);
          assert.ok(!cut.data.includes("[DONE]"));
        }
      } finally {
        hold.open();
      }
      for (const reqId of ["several-first", "several-last"]) {
        await waitFor(() => logLinesOf(gateway, reqId).length > 0);
        assertCompletionLine(logLinesOf(gateway, reqId)[0]!, { status: 200, outcome: "gateway-closed", stream: true });
      }
      assert.equal(logLinesOf(gateway, "several-left")[0]!.outcome, "client-left");
    });

    it("resolves close() as soon as the last stream running ends, whichever order the others ended in", { timeout: 20_000 }, async () => {
      const { gateway, hold, stream } = await heldStreams(600_000);
      const leaving = [new AbortController(), new AbortController()];
      try {
        const staying = await stream("order-staying");
        const second = await stream("order-second", leaving[0]!.signal);
        const third = await stream("order-third", leaving[1]!.signal);
        await Promise.all([staying.untilData(1), second.untilData(1), third.untilData(1)]);
        // The later two leave, the one in the middle first; the first one asked stays.
        for (const [controller, reqId] of [[leaving[0]!, "order-second"], [leaving[1]!, "order-third"]] as const) {
          controller.abort();
          await waitFor(() => logLinesOf(gateway, reqId).length === 1);
        }
        let closed = false;
        void gateway.gateway.close().then(() => {
          closed = true;
        });
        assert.equal(closed, false);
        hold.open();
        await staying.done;
        assert.equal(staying.data.at(-1), "[DONE]");
        // Far within the bound of ten minutes: close() was woken, not timed out.
        await waitFor(() => closed);
      } finally {
        hold.open();
      }
    });

    it("resolves close() without waiting out the bound when no completion is running, however the earlier ones ended", { timeout: 20_000 }, async () => {
      const gateway = await gatewayWith({}, { shutdownGraceMs: 600_000 });
      const browser = await signedIn(undefined, gateway.url);
      const at = (reqId: string) => ({ url: gateway.url, headers: { "x-request-id": reqId } });
      await (await ask(browser, QUESTION, at("ended-json"))).text();
      await new EventReader(await ask(browser, { ...QUESTION, stream: true }, at("ended-stream"))).done;
      await (await ask(undefined, QUESTION, at("ended-refused"))).text();
      const hold = latch();
      stack.stub.setChatPace({ chunks: 3, intervalMs: 0, beforeChunk: () => atMost(hold.promise, 10_000) });
      const controller = new AbortController();
      try {
        const left = new EventReader(await ask(browser, { ...QUESTION, stream: true }, { ...at("ended-left"), signal: controller.signal }));
        await left.untilData(1);
        controller.abort();
        await waitFor(() => upstreamCalls().at(-1)!.aborted);
      } finally {
        hold.open();
      }
      // Each line is written once its response has closed: then none of them is running.
      for (const reqId of ["ended-json", "ended-stream", "ended-refused", "ended-left"]) await waitFor(() => logLinesOf(gateway, reqId).length === 1);
      await gateway.gateway.close();
    });
  });

  describe("access log", () => {
    it("writes one line per completion, streamed or not: the request's fields with the model, OpenRouter's status, the outcome and the bytes passed on", async () => {
      const browser = await signedIn();
      const streamed = await (await ask(browser, { ...QUESTION, stream: true }, { headers: { "x-request-id": "completed-stream" } })).text();
      assert.match(streamed, /^data: \[DONE\]$/m);
      const answered = await (await ask(browser, QUESTION, { headers: { "x-request-id": "completed-json" } })).text();
      assert.equal(JSON.parse(answered).object, "chat.completion");

      for (const [reqId, stream, text] of [
        ["completed-stream", true, streamed],
        ["completed-json", false, answered],
      ] as const) {
        await waitFor(() => logLinesOf(stack.gateway, reqId).some((line) => line.outcome !== undefined));
        const [line, ...more] = logLinesOf(stack.gateway, reqId);
        assert.deepEqual(more, [], `one line for ${reqId}`);
        assertCompletionLine(line!, { status: 200, outcome: "completed", stream });
        assert.equal(line!.upstreamStatus, 200);
        assert.equal(line!.bytes, Buffer.byteLength(text));
      }
    });

    it("writes one line for a refused completion, with the outcome and no bytes", async () => {
      await (await ask(undefined, QUESTION, { headers: { "x-request-id": "refused-signed-out" } })).text();
      await waitFor(() => logLinesOf(stack.gateway, "refused-signed-out").length > 0);
      const [line, ...more] = logLinesOf(stack.gateway, "refused-signed-out");
      assert.deepEqual(more, []);
      assert.equal(line!.msg, "request");
      assert.equal(line!.status, 401);
      assert.equal(line!.outcome, "refused");
      assert.equal(line!.bytes, 0);
      assert.equal(line!.upstreamStatus, undefined);
    });

    it("logs the model the client named with anything secret-like in it redacted: a key pasted as the model is not written out", async () => {
      const browser = await signedIn();
      const key = stack.stub.testKeys.valid;
      await (await ask(browser, { ...QUESTION, model: key }, { headers: { "x-request-id": "key-as-model" } })).text();
      await waitFor(() => logLinesOf(stack.gateway, "key-as-model").length > 0);
      const [line] = logLinesOf(stack.gateway, "key-as-model");
      assert.equal(line!.outcome, "upstream-error");
      assert.equal(line!.model, "sk-or-[redacted]");
      assert.ok(!JSON.stringify(line).includes(key.slice(6)));
    });
  });

  it("streams a completion to the openai npm package, whose fetch carries the session cookie", async () => {
    const browser = await signedIn();
    const client = new OpenAI({
      baseURL: `${stack.gatewayUrl}${PROXY}`,
      apiKey: "unused",
      maxRetries: 0,
      fetch: (url: string | URL | Request, init?: RequestInit) => {
        const headers = new Headers(init?.headers);
        headers.set("cookie", browser.cookieHeader());
        return fetch(url, { ...init, headers });
      },
    });
    const stream = await client.chat.completions.create({ model: "openai/gpt-4o", messages: [{ role: "user", content: "Hi there" }], stream: true });
    const pieces: string[] = [];
    for await (const chunk of stream) pieces.push(chunk.choices[0]?.delta?.content ?? "");
    assert.equal(pieces.join(""), "Echo: Hi there");
    assert.ok(pieces.filter((piece) => piece !== "").length > 1, "in several chunks");
    assert.equal(upstreamCalls().at(-1)!.bearer, stack.stub.testKeys.valid);

    const withoutSession = new OpenAI({ baseURL: `${stack.gatewayUrl}${PROXY}`, apiKey: stack.stub.testKeys.valid, maxRetries: 0 });
    const refused = await withoutSession.chat.completions.create({ model: "openai/gpt-4o", messages: [{ role: "user", content: "Hi" }] }).catch((error: unknown) => error);
    assert.ok(refused instanceof OpenAI.APIError);
    assert.equal(refused.status, 401);
    assert.equal(refused.code, "UNAUTHENTICATED");
  });

  it("writes no key in any log line, and logs each completion's model, status, duration and bytes", () => {
    const keys = [stack.stub.testKeys.valid, stack.stub.testKeys.unlimited];
    const lines = gateways.flatMap((gateway) => gateway.logs);
    for (const line of lines) for (const key of keys) assert.ok(!line.includes(key), `a log line carries a key: ${line.slice(0, 200)}`);
    const completions = lines.map((line) => JSON.parse(line) as LogLine).filter((line) => line.msg === "request" && line.outcome === "completed");
    assert.ok(completions.length > 5);
    for (const line of completions) {
      assert.equal(line.path, COMPLETIONS);
      assert.equal(typeof line.model, "string");
      assert.equal(line.status, 200);
      assert.equal(line.upstreamStatus, 200);
      assert.equal(typeof line.ms, "number");
      assert.ok(line.bytes! > 0);
    }
  });
});

describe("proxy settings", () => {
  it("default to an open proxy with a 1 MB body limit and no policy", () => {
    const config = loadConfig({});
    assert.deepEqual(config.proxy, {
      enabled: true,
      maxBodyBytes: 1_048_576,
      allowedModels: undefined,
      maxTokens: undefined,
      rateLimit: undefined,
      maxConcurrentStreams: undefined,
      spendLimit: undefined,
      idleTimeoutMs: 120_000,
    });
    assert.equal(config.appUrl, undefined);
    assert.equal(config.appTitle, undefined);
  });

  it("read every policy setting", () => {
    const config = loadConfig({
      PROXY_ENABLED: "false",
      PROXY_MAX_BODY_BYTES: "65536",
      PROXY_ALLOWED_MODELS: "openai/*, anthropic/claude-sonnet-4",
      PROXY_MAX_TOKENS: "4096",
      PROXY_RATE_LIMIT: "30",
      PROXY_RATE_WINDOW_SECONDS: "120",
      PROXY_MAX_CONCURRENT_STREAMS: "3",
      PROXY_SPEND_LIMIT: "2.50",
      PROXY_SPEND_WINDOW_SECONDS: "3600",
      PROXY_IDLE_TIMEOUT_MS: "30000",
      OPENROUTER_APP_URL: "https://app.example",
      OPENROUTER_APP_TITLE: "Example",
    });
    assert.deepEqual(config.proxy, {
      enabled: false,
      maxBodyBytes: 65_536,
      allowedModels: ["openai/*", "anthropic/claude-sonnet-4"],
      maxTokens: 4096,
      rateLimit: { max: 30, windowSeconds: 120 },
      maxConcurrentStreams: 3,
      spendLimit: { credits: 2.5, windowSeconds: 3600 },
      idleTimeoutMs: 30_000,
    });
    assert.equal(config.appUrl, "https://app.example");
    assert.equal(config.appTitle, "Example");
    assert.deepEqual(loadConfig({ PROXY_RATE_LIMIT: "5" }).proxy.rateLimit, { max: 5, windowSeconds: 60 });
    assert.deepEqual(loadConfig({ PROXY_SPEND_LIMIT: "0.25" }).proxy.spendLimit, { credits: 0.25, windowSeconds: 86_400 });
  });

  for (const [env, variable] of [
    [{ PROXY_ENABLED: "maybe" }, "PROXY_ENABLED"],
    [{ PROXY_MAX_BODY_BYTES: "1mb" }, "PROXY_MAX_BODY_BYTES"],
    [{ PROXY_ALLOWED_MODELS: "openai/*/x*" }, "PROXY_ALLOWED_MODELS"],
    [{ PROXY_ALLOWED_MODELS: "open ai/gpt" }, "PROXY_ALLOWED_MODELS"],
    [{ PROXY_ALLOWED_MODELS: " , " }, "PROXY_ALLOWED_MODELS"],
    [{ PROXY_MAX_TOKENS: "0" }, "PROXY_MAX_TOKENS"],
    [{ PROXY_RATE_LIMIT: "-1" }, "PROXY_RATE_LIMIT"],
    [{ PROXY_RATE_WINDOW_SECONDS: "60" }, "PROXY_RATE_WINDOW_SECONDS"],
    [{ PROXY_MAX_CONCURRENT_STREAMS: "two" }, "PROXY_MAX_CONCURRENT_STREAMS"],
    [{ PROXY_SPEND_LIMIT: "0" }, "PROXY_SPEND_LIMIT"],
    [{ PROXY_SPEND_LIMIT: "five" }, "PROXY_SPEND_LIMIT"],
    [{ PROXY_SPEND_WINDOW_SECONDS: "60" }, "PROXY_SPEND_WINDOW_SECONDS"],
    [{ PROXY_SPEND_LIMIT: "1", PROXY_SPEND_WINDOW_SECONDS: "0" }, "PROXY_SPEND_WINDOW_SECONDS"],
    [{ OPENROUTER_APP_URL: "app.example" }, "OPENROUTER_APP_URL"],
    [{ OPENROUTER_APP_TITLE: "two\u0007lines" }, "OPENROUTER_APP_TITLE"],
  ] as const) {
    it(`stop start-up on a bad ${variable} with one line naming it (${JSON.stringify(env)})`, () => {
      assert.equal(configRefusal(env).variable, variable);
    });
  }
});
