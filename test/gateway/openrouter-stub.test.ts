import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, afterEach, before, describe, it } from "node:test";

import { STUB_MODELS, startOpenRouterStub } from "../../dev/openrouter-stub.js";
import type { OpenRouterStub } from "../../dev/openrouter-stub.js";
import { waitFor } from "../support/wait-for.js";

/** RFC 7636 Appendix B: the verifier and the S256 challenge it yields. */
const RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const CALLBACK = "http://localhost:8080/api/v1/openrouter/auth/oauth/callback?state=s1";

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function call(url: string, init: RequestInit & { key?: string } = {}): Promise<Answer> {
  const { key, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (key !== undefined) headers.set("authorization", `Bearer ${key}`);
  const response = await fetch(url, { ...rest, headers, redirect: "manual", signal: AbortSignal.timeout(5_000) });
  const text = await response.text();
  const isJson = (response.headers.get("content-type") ?? "").includes("json");
  return { status: response.status, headers: response.headers, body: isJson ? JSON.parse(text) : text };
}

function authorizeUrl(stub: OpenRouterStub, callbackUrl = CALLBACK, challenge = RFC_CHALLENGE): string {
  const url = new URL(stub.authUrl);
  url.searchParams.set("callback_url", callbackUrl);
  url.searchParams.set("code_challenge", challenge);
  url.searchParams.set("code_challenge_method", "S256");
  return url.href;
}

function exchange(stub: OpenRouterStub, body: unknown): Promise<Answer> {
  return call(`${stub.apiBase}/auth/keys`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

function assertErrorShape(answer: Answer, status: number): void {
  assert.equal(answer.status, status);
  assert.deepEqual(Object.keys(answer.body), ["error"]);
  assert.equal(answer.body.error.code, status);
  assert.equal(typeof answer.body.error.message, "string");
  assert.deepEqual(answer.body.error.metadata, {});
}

describe("the OpenRouter stand-in", () => {
  let stub: OpenRouterStub;

  before(async () => {
    stub = await startOpenRouterStub();
  });
  afterEach(() => {
    stub.setFault("none");
    stub.setCodeAppendStyle("standard");
    stub.setChatPace({});
    stub.setKeyEcho("none");
  });
  after(() => stub.close());

  describe("key information", () => {
    it("describes a key on GET /key and on the older GET /auth/key alike", async () => {
      for (const path of ["/key", "/auth/key"]) {
        const limited = await call(`${stub.apiBase}${path}`, { key: stub.testKeys.valid });
        assert.equal(limited.status, 200);
        assert.deepEqual(limited.body, {
          data: {
            label: `${stub.testKeys.valid.slice(0, 12)}...${stub.testKeys.valid.slice(-3)}`,
            limit: 100,
            usage: 25.5,
            limit_remaining: 74.5,
            is_free_tier: false,
            is_provisioning_key: false,
            limit_reset: "monthly",
            expires_at: null,
            usage_daily: 25.5,
            usage_weekly: 25.5,
            usage_monthly: 25.5,
            rate_limit: { requests: 200, interval: "10s" },
          },
        });
        const unlimited = await call(`${stub.apiBase}${path}`, { key: stub.testKeys.unlimited });
        assert.equal(unlimited.body.data.limit, null);
        assert.equal(unlimited.body.data.limit_remaining, null);
        assert.equal(unlimited.body.data.is_free_tier, true);
      }
      assert.match(stub.testKeys.valid, /^sk-or-v1-[0-9a-f]{64}$/);
    });

    it("answers 401 in OpenRouter's error shape for a missing, unknown or disabled key", async () => {
      for (const path of ["/key", "/auth/key", "/credits"]) {
        assertErrorShape(await call(`${stub.apiBase}${path}`), 401);
        assertErrorShape(await call(`${stub.apiBase}${path}`, { key: `sk-or-v1-${"0".repeat(64)}` }), 401);
        assertErrorShape(await call(`${stub.apiBase}${path}`, { key: stub.testKeys.disabled }), 401);
      }
    });

    it("reports credits from the account, and answers for accounts tests add or change", async () => {
      const credits = await call(`${stub.apiBase}/credits`, { key: stub.testKeys.valid });
      assert.equal(credits.status, 200);
      assert.deepEqual(credits.body, { data: { total_credits: 50, total_usage: 25.5 } });

      const account = stub.addAccount({ limit: 10, usage: 4, totalCredits: 20 });
      assert.match(account.userId, /^user_/);
      const info = await call(`${stub.apiBase}/key`, { key: account.key });
      assert.equal(info.body.data.limit_remaining, 6);
      account.disabled = true;
      assertErrorShape(await call(`${stub.apiBase}/key`, { key: account.key }), 401);
    });

    it("describes a key's spending details from the account, and leaves out those a test unsets", async () => {
      const account = stub.addAccount({ limit: 20, usage: 7, limitReset: "weekly", expiresAt: "2031-05-04T12:00:00.000Z", usageDaily: 1, usageWeekly: 3, usageMonthly: 6 });
      const info = await call(`${stub.apiBase}/key`, { key: account.key });
      assert.deepEqual(
        [info.body.data.limit_reset, info.body.data.expires_at, info.body.data.usage_daily, info.body.data.usage_weekly, info.body.data.usage_monthly],
        ["weekly", "2031-05-04T12:00:00.000Z", 1, 3, 6],
      );
      account.usageDaily = undefined;
      account.expiresAt = undefined;
      const older = await call(`${stub.apiBase}/key`, { key: account.key });
      assert.ok(!("usage_daily" in older.body.data) && !("expires_at" in older.body.data));
    });
  });

  it("lists about ten realistic models with prices as decimal strings", async () => {
    const answer = await call(`${stub.apiBase}/models`);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body.data, JSON.parse(JSON.stringify(STUB_MODELS)));
    assert.ok(answer.body.data.length >= 8);
    const gpt4o = answer.body.data.find((m: { id: string }) => m.id === "openai/gpt-4o");
    assert.equal(gpt4o.context_length, 128000);
    assert.deepEqual([gpt4o.pricing.prompt, gpt4o.pricing.completion], ["0.0000025", "0.00001"]);
    for (const m of answer.body.data) {
      assert.ok(m.id && m.name && m.description && m.created && m.context_length && m.architecture && m.top_provider);
      for (const price of ["prompt", "completion", "request", "image"]) assert.match(m.pricing[price], /^\d+(\.\d+)?$/);
    }
  });

  it("answers an unknown path with a 404 in the error shape", async () => {
    assertErrorShape(await call(`${stub.apiBase}/chat/nowhere`), 404);
  });

  describe("OAuth PKCE", () => {
    it("shows an accessible consent page whose Authorize button redirects with a code", async () => {
      const page = await call(authorizeUrl(stub));
      assert.equal(page.status, 200);
      assert.match(page.body, /<h1>Authorize localhost:8080<\/h1>/);
      assert.match(page.body, /<form method="post" action="\/auth\/approve">/);
      assert.match(page.body, /<button type="submit">Authorize<\/button>/);

      const approved = await call(`${stub.origin}/auth/approve`, {
        method: "POST",
        body: new URLSearchParams({ callback_url: CALLBACK, code_challenge: RFC_CHALLENGE, code_challenge_method: "S256" }),
      });
      assert.equal(approved.status, 302);
      assert.match(approved.headers.get("location") ?? "", /^http:\/\/localhost:8080\/api\/v1\/openrouter\/auth\/oauth\/callback\?state=s1&code=[\w-]+$/);

      for (const missing of ["callback_url", "code_challenge"]) {
        const url = new URL(authorizeUrl(stub));
        url.searchParams.delete(missing);
        const bad = await call(url.href);
        assert.equal(bad.status, 400);
        assert.match(bad.headers.get("content-type") ?? "", /text\/html/);
      }
    });

    it("exchanges a code and the right verifier for a key that then works on /key", async () => {
      const callback = new URL(stub.approve(authorizeUrl(stub)));
      const code = callback.searchParams.get("code");
      assert.ok(code);
      stub.clearRequests();

      const answer = await exchange(stub, { code, code_verifier: RFC_VERIFIER, code_challenge_method: "S256" });
      assert.equal(answer.status, 200);
      assert.deepEqual(Object.keys(answer.body).sort(), ["key", "user_id"]);
      assert.match(answer.body.key, /^sk-or-v1-[0-9a-f]{64}$/);
      assert.match(answer.body.user_id, /^user_/);
      assert.deepEqual(stub.requests, [
        { method: "POST", path: "/api/v1/auth/keys", hasBearer: false, host: new URL(stub.origin).host, body: { code, code_verifier: RFC_VERIFIER, code_challenge_method: "S256" }, aborted: false },
      ]);

      const info = await call(`${stub.apiBase}/key`, { key: answer.body.key });
      assert.equal(info.status, 200);
      assert.equal(stub.account(answer.body.key)?.userId, answer.body.user_id);
    });

    it("issues a key with the credit limit and the name that the authorize URL asks for, through the consent page too", async () => {
      const url = new URL(authorizeUrl(stub));
      url.searchParams.set("limit", "2.5");
      url.searchParams.set("key_label", "Acme <chat>");
      const page = await call(url.href);
      assert.match(page.body, /<input type="hidden" name="limit" value="2.5">/);
      assert.match(page.body, /<input type="hidden" name="key_label" value="Acme &#60;chat&#62;">/);

      const code = new URL(stub.approve(url.href)).searchParams.get("code");
      const answer = await exchange(stub, { code, code_verifier: RFC_VERIFIER, code_challenge_method: "S256" });
      const info = await call(`${stub.apiBase}/key`, { key: answer.body.key });
      assert.equal(info.body.data.limit, 2.5);
      assert.equal(info.body.data.limit_remaining, 2.5);
      assert.equal(stub.account(answer.body.key)?.name, "Acme <chat>");

      for (const [name, value] of [["limit", "0"], ["limit", "lots"], ["key_label", "x".repeat(101)]] as const) {
        const bad = new URL(authorizeUrl(stub));
        bad.searchParams.set(name, value);
        assert.throws(() => stub.approve(bad.href), new RegExp(name));
        assert.equal((await call(bad.href)).status, 400);
      }
    });

    it("refuses a wrong verifier with 403 and spends the code, so a replay is 403 too", async () => {
      const verifier = "a-verifier-of-our-own-that-is-long-enough-1234567890";
      const challenge = createHash("sha256").update(verifier).digest("base64url");
      const first = new URL(stub.approve(authorizeUrl(stub, CALLBACK, challenge))).searchParams.get("code");
      assertErrorShape(await exchange(stub, { code: first, code_verifier: RFC_VERIFIER, code_challenge_method: "S256" }), 403);
      assertErrorShape(await exchange(stub, { code: first, code_verifier: verifier, code_challenge_method: "S256" }), 403);

      const second = new URL(stub.approve(authorizeUrl(stub, CALLBACK, challenge))).searchParams.get("code");
      assert.equal((await exchange(stub, { code: second, code_verifier: verifier, code_challenge_method: "S256" })).status, 200);
      assertErrorShape(await exchange(stub, { code: second, code_verifier: verifier, code_challenge_method: "S256" }), 403);
      assertErrorShape(await exchange(stub, { code: "never-issued", code_verifier: verifier, code_challenge_method: "S256" }), 403);
    });

    it("answers 400 when the exchange body lacks a field or is not JSON", async () => {
      const code = new URL(stub.approve(authorizeUrl(stub))).searchParams.get("code");
      assertErrorShape(await exchange(stub, { code, code_challenge_method: "S256" }), 400);
      assertErrorShape(await exchange(stub, { code_verifier: RFC_VERIFIER, code_challenge_method: "S256" }), 400);
      assertErrorShape(await exchange(stub, { code, code_verifier: RFC_VERIFIER }), 400);
      assertErrorShape(await exchange(stub, "code=abc"), 400);
    });

    it("refuses a code once it has expired", async () => {
      const quick = await startOpenRouterStub({ codeTtlMs: 0 });
      try {
        const code = new URL(quick.approve(authorizeUrl(quick))).searchParams.get("code");
        assertErrorShape(await exchange(quick, { code, code_verifier: RFC_VERIFIER, code_challenge_method: "S256" }), 403);
      } finally {
        await quick.close();
      }
    });

    it("adds the code with & by default, with ?code= in naive style, and validates the authorize URL", () => {
      assert.match(stub.approve(authorizeUrl(stub)), /\?state=s1&code=[\w-]+$/);
      assert.match(stub.approve(authorizeUrl(stub, "https://app.example/cb")), /^https:\/\/app\.example\/cb\?code=[\w-]+$/);
      stub.setCodeAppendStyle("naive");
      assert.match(stub.approve(authorizeUrl(stub)), /\?state=s1\?code=[\w-]+$/);

      const noCallback = new URL(authorizeUrl(stub));
      noCallback.searchParams.delete("callback_url");
      assert.throws(() => stub.approve(noCallback.href), /callback_url/);
      const plain = new URL(authorizeUrl(stub));
      plain.searchParams.set("code_challenge_method", "plain");
      assert.throws(() => stub.approve(plain.href), /S256/);
    });
  });

  describe("chat completions", () => {
    const completions = () => `${stub.apiBase}/chat/completions`;
    const ask = (body: unknown, key: string | null = stub.testKeys.valid) =>
      call(completions(), { method: "POST", key: key ?? undefined, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const question = { model: "openai/gpt-4o", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Say hello" }] };

    /** The `data:` payloads and the comment lines of an event stream, in order. */
    function events(text: string): { comments: string[]; data: string[] } {
      const lines = text.split("\n").filter((line) => line !== "");
      return { comments: lines.filter((line) => line.startsWith(":")), data: lines.filter((line) => line.startsWith("data: ")).map((line) => line.slice(6)) };
    }

    it("answers a non-streamed completion that echoes the last user message, in OpenAI's shape", async () => {
      const answer = await ask(question);
      assert.equal(answer.status, 200);
      assert.equal(answer.body.object, "chat.completion");
      assert.equal(answer.body.model, "openai/gpt-4o");
      assert.match(answer.body.id, /^gen-/);
      assert.deepEqual(answer.body.choices.map((choice: any) => [choice.index, choice.message.role, choice.message.content, choice.finish_reason]), [[0, "assistant", "Echo: Say hello", "stop"]]);
      assert.equal(answer.body.usage.total_tokens, answer.body.usage.prompt_tokens + answer.body.usage.completion_tokens);
      assert.deepEqual(
        stub.requests.filter((request) => request.path === "/api/v1/chat/completions").at(-1),
        { method: "POST", path: "/api/v1/chat/completions", hasBearer: true, bearer: stub.testKeys.valid, host: new URL(stub.origin).host, body: question, aborted: false },
      );
    });

    it("streams server-sent events: a processing comment, content chunks at the pace set, a final chunk, then [DONE]", async () => {
      stub.setChatPace({ chunks: 3, intervalMs: 0 });
      const answer = await ask({ ...question, stream: true });
      assert.equal(answer.status, 200);
      assert.match(answer.headers.get("content-type") ?? "", /^text\/event-stream/);
      const { comments, data } = events(answer.body);
      assert.ok(comments.includes(": OPENROUTER PROCESSING"));
      assert.equal(data.at(-1), "[DONE]");
      const chunks = data.slice(0, -1).map((line) => JSON.parse(line));
      for (const chunk of chunks) assert.equal(chunk.object, "chat.completion.chunk");
      const contents = chunks.map((chunk) => chunk.choices[0].delta.content);
      assert.equal(contents.length, 4, "three content chunks and the final one");
      assert.equal(contents.join(""), "Echo: Say hello");
      assert.equal(chunks.at(-1).choices[0].finish_reason, "stop");
      assert.ok(chunks.at(-1).usage.total_tokens > 0);
      assert.equal(stub.requests.at(-1)?.chunksSent, 3);
    });

    it("holds each chunk after the first until the owner's hook lets it go", async () => {
      const seen: number[] = [];
      stub.setChatPace({ chunks: 2, intervalMs: 0, beforeChunk: (index) => void seen.push(index) });
      const answer = await ask({ ...question, stream: true });
      assert.equal(events(answer.body).data.length, 4);
      assert.deepEqual(seen, [1]);
    });

    it("records a client that leaves in the middle of a stream as aborted", async () => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      stub.setChatPace({ chunks: 3, intervalMs: 0, beforeChunk: () => held });
      const controller = new AbortController();
      const response = await fetch(completions(), {
        method: "POST",
        headers: { authorization: `Bearer ${stub.testKeys.valid}`, "content-type": "application/json" },
        body: JSON.stringify({ ...question, stream: true }),
        signal: controller.signal,
      });
      const reader = response.body!.getReader();
      await reader.read();
      controller.abort();
      await waitFor(() => stub.requests.at(-1)?.aborted === true);
      release();
      assert.equal(stub.requests.at(-1)?.chunksSent, 1);
    });

    it("answers 401 in the error shape for a missing or unknown key, and 400 for a bad request", async () => {
      assertErrorShape(await ask(question, null), 401);
      assertErrorShape(await ask(question, `sk-or-v1-${"0".repeat(64)}`), 401);
      assertErrorShape(await ask({ ...question, model: "no/such-model" }), 400);
      assertErrorShape(await ask({ model: "openai/gpt-4o", messages: [] }), 400);
      assertErrorShape(await ask([1, 2]), 400);
    });

    it("answers with the fault set, like every API path", async () => {
      stub.setFault("rate-limited", { paths: ["/api/v1/chat/completions"] });
      const limited = await ask({ ...question, stream: true });
      assertErrorShape(limited, 429);
      assert.equal(limited.headers.get("retry-after"), "7");
    });
  });

  describe("the rest of the OpenAI-compatible surface", () => {
    const post = (path: string, body: unknown, key: string | null = stub.testKeys.valid) =>
      call(`${stub.apiBase}${path}`, { method: "POST", key: key ?? undefined, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    /** The blocks of an event stream: each one's `event:` name and parsed `data:`. */
    const blocks = (text: string) =>
      text
        .split("\n\n")
        .map((block) => block.split("\n").filter((line) => line !== "" && !line.startsWith(":")))
        .filter((lines) => lines.length > 0)
        .map((lines) => ({ event: lines.find((line) => line.startsWith("event: "))?.slice(7), data: lines.find((line) => line.startsWith("data: "))!.slice(6) }));

    it("prices every answer in usage.cost at the model's listed prices: chat, completions, responses, embeddings", async () => {
      const chat = await post("/chat/completions", { model: "openai/gpt-4o", messages: [{ role: "user", content: "Say hello" }] });
      // 2 prompt tokens at $0.0000025, 3 completion tokens ("Echo: Say hello") at $0.00001.
      assert.equal(chat.body.usage.cost, 0.000035);
      const completion = await post("/completions", { model: "openai/gpt-4o", prompt: "Say hello" });
      assert.equal(completion.body.object, "text_completion");
      assert.equal(completion.body.choices[0].text, "Echo: Say hello");
      assert.equal(completion.body.usage.cost, 0.000035);
      const response = await post("/responses", { model: "openai/gpt-4o", input: [{ role: "user", content: "Say hello" }], max_output_tokens: 50 });
      assert.equal(response.body.object, "response");
      assert.equal(response.body.status, "completed");
      assert.deepEqual(response.body.output[0].content[0], { type: "output_text", text: "Echo: Say hello", annotations: [] });
      assert.deepEqual(response.body.usage, { input_tokens: 2, output_tokens: 3, total_tokens: 5, cost: 0.000035 });
      const embedding = await post("/embeddings", { model: "openai/text-embedding-3-small", input: ["one", "two words"] });
      assert.equal(embedding.body.object, "list");
      assert.deepEqual(embedding.body.data.map((entry: any) => [entry.object, entry.index, entry.embedding.length]), [["embedding", 0, 8], ["embedding", 1, 8]]);
      assert.equal(embedding.body.usage.cost, 0.00000006);
    });

    it("streams completions as chunks and responses as typed events, usage with cost in the last before the end", async () => {
      const completion = await post("/completions", { model: "openai/gpt-4o", prompt: "Say hello", stream: true });
      const chunks = blocks(completion.body);
      assert.equal(chunks.at(-1)!.data, "[DONE]");
      assert.equal(chunks.slice(0, -1).map((chunk) => JSON.parse(chunk.data).choices[0].text).join(""), "Echo: Say hello");
      assert.equal(JSON.parse(chunks.at(-2)!.data).usage.cost, 0.000035);

      const response = await post("/responses", { model: "openai/gpt-4o", input: "Say hello", stream: true });
      const events = blocks(response.body);
      for (const event of events) assert.equal(JSON.parse(event.data).type, event.event);
      assert.equal(events[0]!.event, "response.created");
      assert.equal(events.at(-1)!.event, "response.completed");
      assert.equal(events.filter((event) => event.event === "response.output_text.delta").map((event) => JSON.parse(event.data).delta).join(""), "Echo: Say hello");
      assert.equal(JSON.parse(events.at(-1)!.data).response.usage.cost, 0.000035);
    });

    it("answers embeddings as base64 float32s when asked, and refuses to stream them", async () => {
      const embedding = await post("/embeddings", { model: "openai/text-embedding-3-small", input: "one", encoding_format: "base64" });
      const floats = new Float32Array(Uint8Array.from(Buffer.from(embedding.body.data[0].embedding, "base64")).buffer);
      const plain = await post("/embeddings", { model: "openai/text-embedding-3-small", input: "one" });
      assert.deepEqual([...floats].map((value) => Math.round(value * 1e5)), plain.body.data[0].embedding.map((value: number) => Math.round(value * 1e5)));
      assertErrorShape(await post("/embeddings", { model: "openai/text-embedding-3-small", input: "one", stream: true }), 400);
    });

    it("answers GET /generation?id= for the key that made it, and 404 to another key", async () => {
      const chat = await post("/chat/completions", { model: "openai/gpt-4o", messages: [{ role: "user", content: "Say hello" }] });
      const found = await call(`${stub.apiBase}/generation?id=${chat.body.id}`, { key: stub.testKeys.valid });
      assert.equal(found.status, 200);
      assert.equal(found.body.data.id, chat.body.id);
      assert.equal(found.body.data.total_cost, 0.000035);
      assert.deepEqual([found.body.data.tokens_prompt, found.body.data.tokens_completion], [2, 3]);
      assertErrorShape(await call(`${stub.apiBase}/generation?id=${chat.body.id}`, { key: stub.testKeys.unlimited }), 404);
      assertErrorShape(await call(`${stub.apiBase}/generation?id=gen-none`, { key: stub.testKeys.valid }), 404);
    });

    it("echoes the caller's key when told to: \\u-escaped in an error body or a 2xx body, or cut between two writes of a stream", async () => {
      const key = stub.testKeys.valid;
      const question = { model: "openai/gpt-4o", messages: [{ role: "user", content: "Say hello" }] };
      stub.setKeyEcho("escaped-error");
      const error = await call(`${stub.apiBase}/chat/completions`, { method: "POST", key, body: JSON.stringify(question) });
      assert.equal(error.status, 400);
      assert.ok(!JSON.stringify(error.body).includes("\\u0073k-or") && error.body.error.message.includes(key), "the key, once the JSON is read");
      stub.setKeyEcho("in-body");
      const raw = await fetch(`${stub.apiBase}/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${key}` }, body: JSON.stringify(question) });
      const text = await raw.text();
      assert.ok(!text.includes(key), "not as it is");
      assert.ok(JSON.parse(text).choices[0].message.content.endsWith(`(asked with ${key})`));
      stub.setKeyEcho("split-stream");
      stub.setChatPace({ chunks: 1 });
      const response = await fetch(`${stub.apiBase}/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${key}` }, body: JSON.stringify({ ...question, stream: true }) });
      const reader = response.body!.getReader();
      const reads: string[] = [];
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        reads.push(Buffer.from(value).toString("utf8"));
      }
      assert.ok(reads.join("").includes(key), "the whole stream holds the key");
      assert.ok(!reads.some((read) => read.includes(key)), "no one read holds it whole");
    });
  });

  describe("faults", () => {
    it("drops every connection when down, but keeps the consent page up", async () => {
      stub.setFault("down");
      await assert.rejects(call(`${stub.apiBase}/key`, { key: stub.testKeys.valid }));
      assert.equal((await call(authorizeUrl(stub))).status, 200);
      stub.setFault("none");
      assert.equal((await call(`${stub.apiBase}/key`, { key: stub.testKeys.valid })).status, 200);
    });

    it("answers 429 with Retry-After when rate-limited, only on the paths named", async () => {
      stub.setFault("rate-limited", { paths: ["/api/v1/key"] });
      const limited = await call(`${stub.apiBase}/key`, { key: stub.testKeys.valid });
      assertErrorShape(limited, 429);
      assert.equal(limited.headers.get("retry-after"), "7");
      assert.equal((await call(`${stub.apiBase}/credits`, { key: stub.testKeys.valid })).status, 200);
    });

    it("answers 502 in the error shape on a server error", async () => {
      stub.setFault("server-error");
      assertErrorShape(await call(`${stub.apiBase}/models`), 502);
    });

    it("answers normally after the delay when slow, and close() ends a request still waiting", async () => {
      stub.setFault("slow", { delayMs: 50 });
      const slow = await call(`${stub.apiBase}/credits`, { key: stub.testKeys.valid });
      assert.deepEqual(slow.body, { data: { total_credits: 50, total_usage: 25.5 } });

      const stalled = await startOpenRouterStub();
      stalled.setFault("slow");
      const pending = call(`${stalled.apiBase}/models`);
      await waitFor(() => stalled.requests.length === 1);
      await stalled.close();
      await assert.rejects(pending);
    });
  });
});
