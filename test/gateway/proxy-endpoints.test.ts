import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { STUB_MODELS } from "../../dev/openrouter-stub.js";
import { startTestStack, type TestStack } from "../support/gateway.js";
import type { HttpClient } from "../support/http-client.js";
import { assertProxyError, parseEvents, proxyFetch, signedIn, upstreamCalls, type ServerSentEvent } from "../support/proxy.js";
import { waitFor } from "../support/wait-for.js";

const PAGE = "http://page.example";
const OTHER_PAGE = "http://evil.example";

/** An inference endpoint as a client uses it: a request, and where the answer's text is. */
interface InferenceCase {
  readonly path: string;
  readonly body: Record<string, unknown>;
  /** The field the token cap applies to (the first the proxy adds), when the endpoint has one. */
  readonly tokenField: string | undefined;
  /** The answer's text in the JSON body. */
  readonly text: (body: any) => string;
  /** The answer's text in a stream's events; undefined for an endpoint that does not stream. */
  readonly streamedText: ((events: ServerSentEvent[]) => string) | undefined;
  /** The answer's cost in a stream's events. */
  readonly streamedCost?: (events: ServerSentEvent[]) => number;
}

const dataOf = (events: ServerSentEvent[]) => events.filter((event) => event.data !== "[DONE]").map((event) => JSON.parse(event.data));

const CASES: readonly InferenceCase[] = [
  {
    path: "/chat/completions",
    body: { model: "openai/gpt-4o", messages: [{ role: "user", content: "Say hello" }] },
    tokenField: "max_tokens",
    text: (body) => body.choices[0].message.content,
    streamedText: (events) => dataOf(events).map((chunk) => chunk.choices[0].delta.content).join(""),
    streamedCost: (events) => dataOf(events).at(-1).usage.cost,
  },
  {
    path: "/completions",
    body: { model: "openai/gpt-4o", prompt: "Say hello" },
    tokenField: "max_tokens",
    text: (body) => body.choices[0].text,
    streamedText: (events) => dataOf(events).map((chunk) => chunk.choices[0].text).join(""),
    streamedCost: (events) => dataOf(events).at(-1).usage.cost,
  },
  {
    path: "/responses",
    body: { model: "openai/gpt-4o", input: "Say hello" },
    tokenField: "max_output_tokens",
    text: (body) => body.output[0].content[0].text,
    streamedText: (events) =>
      events
        .filter((event) => event.event === "response.output_text.delta")
        .map((event) => JSON.parse(event.data).delta)
        .join(""),
    streamedCost: (events) => JSON.parse(events.find((event) => event.event === "response.completed")!.data).response.usage.cost,
  },
  {
    path: "/embeddings",
    body: { model: "openai/text-embedding-3-small", input: "Say hello" },
    tokenField: undefined,
    text: (body) => `${body.object}:${body.data.length}:${body.data[0].embedding.length > 0}`,
    streamedText: undefined,
  },
];

describe("the proxy's endpoints", () => {
  let stack: TestStack;
  let browser: HttpClient;

  before(async () => {
    stack = await startTestStack({ env: { ALLOWED_ORIGINS: PAGE } });
    browser = await signedIn(stack.gatewayUrl, stack.stub.testKeys.valid);
  });
  afterEach(async () => {
    stack.stub.setChatPace({});
    await stack.closeOthers();
  });
  after(() => stack.close());

  for (const endpoint of CASES) {
    describe(`POST ${endpoint.path}`, () => {
      const calls = () => upstreamCalls(stack, endpoint.path).length;

      it("answers as OpenRouter does, with usage.cost, having sent the session's key upstream and never the caller's Authorization", async () => {
        const response = await proxyFetch(stack.gatewayUrl, browser, endpoint.path, { body: endpoint.body, headers: { authorization: `Bearer ${stack.stub.testKeys.unlimited}` } });
        assert.equal(response.status, 200);
        const body = await response.json();
        assert.equal(endpoint.text(body), endpoint.streamedText === undefined ? "list:1:true" : "Echo: Say hello");
        assert.ok(body.usage.cost > 0, "usage.cost");
        const upstream = upstreamCalls(stack, endpoint.path).at(-1)!;
        assert.equal(upstream.bearer, stack.stub.testKeys.valid);
        assert.deepEqual(upstream.body, endpoint.body);
      });

      if (endpoint.streamedText !== undefined) {
        const streamedText = endpoint.streamedText;
        it("streams its events as they come, the last with usage.cost", async () => {
          const response = await proxyFetch(stack.gatewayUrl, browser, endpoint.path, { body: { ...endpoint.body, stream: true } });
          assert.equal(response.status, 200);
          assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
          const events = parseEvents(await response.text());
          assert.equal(streamedText(events), "Echo: Say hello");
          assert.ok(endpoint.streamedCost!(events) > 0);
        });

        it("aborts the upstream request when the client goes away in the middle of a stream", async () => {
          let release!: () => void;
          const held = new Promise<void>((resolve) => (release = resolve));
          stack.stub.setChatPace({ chunks: 3, intervalMs: 0, beforeChunk: () => held });
          const controller = new AbortController();
          try {
            const response = await proxyFetch(stack.gatewayUrl, browser, endpoint.path, { body: { ...endpoint.body, stream: true }, signal: controller.signal });
            const reader = response.body!.getReader();
            let seen = "";
            while (!seen.includes("Ech")) {
              const { value, done } = await reader.read();
              if (done) break;
              seen += new TextDecoder().decode(value);
            }
            const upstream = calls() - 1;
            controller.abort();
            await waitFor(() => upstreamCalls(stack, endpoint.path)[upstream]!.aborted);
            assert.equal(upstreamCalls(stack, endpoint.path)[upstream]!.chunksSent, 1);
          } finally {
            release();
          }
        });
      } else {
        it("refuses `stream: true` with 400 BAD_USER_INPUT before any upstream call", async () => {
          const before = calls();
          await assertProxyError(await proxyFetch(stack.gatewayUrl, browser, endpoint.path, { body: { ...endpoint.body, stream: true } }), 400, "BAD_USER_INPUT");
          assert.equal(calls(), before);
        });
      }

      it("refuses another origin with 403 and no CORS, a body over the limit with 413, and a signed-out caller with 401, before any upstream call", async () => {
        const small = await stack.startAnother({ PROXY_MAX_BODY_BYTES: "2048" });
        const before = calls();
        const foreign = await proxyFetch(stack.gatewayUrl, browser, endpoint.path, { body: endpoint.body, headers: { origin: OTHER_PAGE, "sec-fetch-site": "cross-site" } });
        assert.equal(foreign.headers.get("access-control-allow-origin"), null);
        await assertProxyError(foreign, 403, "FORBIDDEN_ORIGIN");
        await assertProxyError(await proxyFetch(small.url, browser, endpoint.path, { body: { ...endpoint.body, padding: "x".repeat(2_048) } }), 413, "PAYLOAD_TOO_LARGE");
        await assertProxyError(await proxyFetch(stack.gatewayUrl, undefined, endpoint.path, { body: endpoint.body }), 401, "UNAUTHENTICATED");
        assert.equal(calls(), before);
        const allowed = await proxyFetch(stack.gatewayUrl, browser, endpoint.path, { body: endpoint.body, headers: { origin: PAGE, "sec-fetch-site": "cross-site" } });
        assert.equal(allowed.status, 200);
        assert.equal(allowed.headers.get("access-control-allow-origin"), PAGE);
      });

      it("refuses every model it names outside PROXY_ALLOWED_MODELS, `models` fallbacks included, with 403 before any upstream call", async () => {
        const gateway = await stack.startAnother({ PROXY_ALLOWED_MODELS: `${endpoint.body.model as string}` });
        const before = calls();
        await assertProxyError(await proxyFetch(gateway.url, browser, endpoint.path, { body: { ...endpoint.body, model: "google/gemini-2.5-pro" } }), 403, "MODEL_NOT_ALLOWED");
        await assertProxyError(await proxyFetch(gateway.url, browser, endpoint.path, { body: { ...endpoint.body, models: [endpoint.body.model, "google/gemini-2.5-pro"] } }), 403, "MODEL_NOT_ALLOWED");
        const { model: _model, ...unnamed } = endpoint.body;
        await assertProxyError(await proxyFetch(gateway.url, browser, endpoint.path, { body: unnamed }), 403, "MODEL_NOT_ALLOWED");
        assert.equal(calls(), before);
        assert.equal((await proxyFetch(gateway.url, browser, endpoint.path, { body: endpoint.body })).status, 200);
      });

      if (endpoint.tokenField !== undefined) {
        const field = endpoint.tokenField;
        it(`caps \`${field}\` at PROXY_MAX_TOKENS: above it 400 before any upstream call, and the cap sent when none is asked for`, async () => {
          const gateway = await stack.startAnother({ PROXY_MAX_TOKENS: "500" });
          const before = calls();
          await assertProxyError(await proxyFetch(gateway.url, browser, endpoint.path, { body: { ...endpoint.body, [field]: 501 } }), 400, "MAX_TOKENS_EXCEEDED");
          await assertProxyError(await proxyFetch(gateway.url, browser, endpoint.path, { body: { ...endpoint.body, [field]: 10_000, stream: true } }), 400, "MAX_TOKENS_EXCEEDED");
          assert.equal(calls(), before);
          assert.equal((await proxyFetch(gateway.url, browser, endpoint.path, { body: endpoint.body })).status, 200);
          assert.deepEqual(upstreamCalls(stack, endpoint.path).at(-1)!.body, { ...endpoint.body, [field]: 500 });
        });
      }
    });
  }

  it("checks both `max_tokens` and `max_completion_tokens` of one chat completion against the cap", async () => {
    const gateway = await stack.startAnother({ PROXY_MAX_TOKENS: "500" });
    const before = upstreamCalls(stack, "/chat/completions").length;
    const body = CASES[0]!.body;
    await assertProxyError(await proxyFetch(gateway.url, browser, "/chat/completions", { body: { ...body, max_tokens: 10, max_completion_tokens: 10_000 } }), 400, "MAX_TOKENS_EXCEEDED");
    await assertProxyError(await proxyFetch(gateway.url, browser, "/chat/completions", { body: { ...body, max_tokens: 10_000, max_completion_tokens: 10 } }), 400, "MAX_TOKENS_EXCEEDED");
    assert.equal(upstreamCalls(stack, "/chat/completions").length, before);
  });

  it("takes `openai/*` in PROXY_ALLOWED_MODELS as the prefix `openai/`: a look-alike such as `openai-evil/x` is refused", async () => {
    const gateway = await stack.startAnother({ PROXY_ALLOWED_MODELS: "openai/*" });
    const before = upstreamCalls(stack, "/chat/completions").length;
    const body = CASES[0]!.body;
    for (const model of ["openai-evil/x", "openai", "openaix/gpt-4o"]) {
      await assertProxyError(await proxyFetch(gateway.url, browser, "/chat/completions", { body: { ...body, model } }), 403, "MODEL_NOT_ALLOWED");
    }
    assert.equal(upstreamCalls(stack, "/chat/completions").length, before);
    assert.equal((await proxyFetch(gateway.url, browser, "/chat/completions", { body: { ...body, model: "openai/gpt-4o-mini" } })).status, 200);
  });

  it("finds an endpoint as Express matches a route: in any case, with one trailing slash, HEAD as GET; and nothing else", async () => {
    const headers = { cookie: browser.cookieHeader(), "content-type": "application/json" };
    const question = { model: "openai/gpt-4o", messages: [{ role: "user", content: "Say hello" }] };
    const send = (method: string, path: string) => fetch(`${stack.gatewayUrl}/api/v1/openrouter/proxy${path}`, { method, headers, ...(method === "POST" ? { body: JSON.stringify(question) } : {}) });
    for (const path of ["/Chat/Completions", "/chat/completions/"]) {
      const before = upstreamCalls(stack, "/chat/completions").length;
      const response = await send("POST", path);
      assert.equal(response.status, 200, path);
      await response.arrayBuffer();
      assert.equal(upstreamCalls(stack, "/chat/completions").length, before + 1, `${path} went upstream as /chat/completions`);
    }
    const head = await send("HEAD", "/models");
    assert.equal(head.status, 200, "HEAD /models");
    const before = stack.stub.requests.length;
    for (const [method, path] of [
      ["POST", "/chat/completions//"],
      ["POST", "/chat%2Fcompletions"],
      ["POST", "/chat/completions.json"],
      ["HEAD", "/chat/completions"],
      ["POST", "/"],
      ["GET", ""],
    ] as const) {
      const response = await send(method, path);
      assert.equal(response.status, 404, `${method} ${path}`);
      if (method !== "HEAD") assert.equal((await response.json()).error.code, "NOT_FOUND");
    }
    assert.equal(stack.stub.requests.length, before, "nothing went upstream");
  });

  it("refuses a path it does not serve from another origin as it refuses that origin anywhere: 403, not a list of what it serves", async () => {
    for (const [method, path] of [
      ["POST", "/audio/speech"],
      ["GET", "/credits"],
    ] as const) {
      const response = await proxyFetch(stack.gatewayUrl, browser, path, { method, ...(method === "POST" ? { body: {} } : {}), headers: { origin: OTHER_PAGE, "sec-fetch-site": "cross-site" } });
      assert.equal(response.headers.get("access-control-allow-origin"), null, `${method} ${path}`);
      await assertProxyError(response, 403, "FORBIDDEN_ORIGIN");
    }
  });

  describe("GET /models", () => {
    it("answers OpenRouter's model list", async () => {
      const response = await proxyFetch(stack.gatewayUrl, browser, "/models");
      assert.equal(response.status, 200);
      const body = await response.json();
      assert.deepEqual(body.data.map((model: { id: string }) => model.id), STUB_MODELS.map((model) => model.id));
      assert.equal(upstreamCalls(stack, "/models").at(-1)!.bearer, stack.stub.testKeys.valid);
    });

    it("narrows the list to PROXY_ALLOWED_MODELS when it is set", async () => {
      const gateway = await stack.startAnother({ PROXY_ALLOWED_MODELS: "anthropic/claude-sonnet-4,openai/*" });
      const body = await (await proxyFetch(gateway.url, browser, "/models")).json();
      assert.deepEqual(body.data.map((model: { id: string }) => model.id), ["openai/gpt-4o", "openai/gpt-4o-mini", "anthropic/claude-sonnet-4"]);
      assert.equal(body.data[0].pricing.completion, "0.00001", "each model as OpenRouter describes it");
    });

    it("refuses a read from another origin with 403, and a signed-out caller with 401, before any upstream call", async () => {
      const before = upstreamCalls(stack, "/models").length;
      await assertProxyError(await proxyFetch(stack.gatewayUrl, browser, "/models", { headers: { origin: OTHER_PAGE, "sec-fetch-site": "cross-site" } }), 403, "FORBIDDEN_ORIGIN");
      await assertProxyError(await proxyFetch(stack.gatewayUrl, undefined, "/models"), 401, "UNAUTHENTICATED");
      assert.equal(upstreamCalls(stack, "/models").length, before);
    });
  });

  describe("GET /generation", () => {
    it("answers one generation's stats for the key that made it, and OpenRouter's 404 to another key", async () => {
      const made = await (await proxyFetch(stack.gatewayUrl, browser, "/chat/completions", { body: CASES[0]!.body })).json();
      const response = await proxyFetch(stack.gatewayUrl, browser, `/generation?id=${made.id}&extra=dropped`);
      assert.equal(response.status, 200);
      const { data } = await response.json();
      assert.equal(data.id, made.id);
      assert.equal(data.total_cost, made.usage.cost);
      assert.equal(upstreamCalls(stack, "/generation").at(-1)!.query, `?id=${made.id}`);

      const other = await signedIn(stack.gatewayUrl, stack.stub.testKeys.unlimited);
      const refused = await proxyFetch(stack.gatewayUrl, other, `/generation?id=${made.id}`);
      assert.equal(refused.status, 404);
      assert.equal((await refused.json()).error.code, 404);
    });

    it("refuses a request without exactly one `id` with 400 before any upstream call", async () => {
      const before = upstreamCalls(stack, "/generation").length;
      for (const query of ["", "?id=", "?id=a&id=b", `?id=${"x".repeat(201)}`]) {
        await assertProxyError(await proxyFetch(stack.gatewayUrl, browser, `/generation${query}`), 400, "BAD_USER_INPUT");
      }
      assert.equal(upstreamCalls(stack, "/generation").length, before);
    });
  });
});
