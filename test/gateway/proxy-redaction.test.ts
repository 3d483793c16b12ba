import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { CostReader } from "../../gateway/proxy/cost-reader.js";
import { KeyRedactor } from "../../gateway/proxy/key-redactor.js";
import { startTestStack, type TestStack } from "../support/gateway.js";
import type { HttpClient } from "../support/http-client.js";
import { parseEvents, proxyFetch, signedIn } from "../support/proxy.js";
import { waitFor } from "../support/wait-for.js";

const QUESTION = { model: "openai/gpt-4o", messages: [{ role: "user", content: "Say hello" }] };
const KEY = `sk-or-v1-${"0123456789abcdef".repeat(4)}`;

/** Every way a reader of `text` could find `key` in it: as it is, once JSON is read, once percent-encoding is read. */
function assertNoKey(text: string, key: string): void {
  assert.ok(!text.includes(key), "the key as it is");
  assert.ok(!text.includes(key.slice(9, 30)), "a run of the key's secret part");
  let decoded = text;
  try {
    decoded = JSON.stringify(JSON.parse(text));
  } catch {
    // Not JSON as a whole: each data line is.
    decoded = text
      .split("\n")
      .filter((line) => line.startsWith("data: {"))
      .map((line) => JSON.stringify(JSON.parse(line.slice(6))))
      .join("\n");
  }
  assert.ok(!decoded.includes(key), "the key once JSON's escapes are read");
  assert.ok(!decodeURIComponent(decoded.replace(/%(?![0-9a-f]{2})/gi, "%25")).includes(key), "the key once percent-encoding is read");
}

describe("the key never leaves the proxy in an answer, in any encoding", () => {
  let stack: TestStack;
  let browser: HttpClient;
  let key: string;

  before(async () => {
    stack = await startTestStack();
    key = stack.stub.addAccount().key;
    browser = await signedIn(stack.gatewayUrl, key);
  });
  afterEach(() => {
    stack.stub.setKeyEcho("none");
    stack.stub.setChatPace({});
  });
  after(async () => {
    for (const line of stack.gateway.logs) assert.ok(!line.includes(key), `a log line carries the key: ${line.slice(0, 200)}`);
    await stack.close();
  });

  it("strikes it from an upstream error body that echoes it with every character a JSON \\u escape, keeping the status and shape", async () => {
    stack.stub.setKeyEcho("escaped-error");
    const response = await proxyFetch(stack.gatewayUrl, browser, "/chat/completions", { body: QUESTION });
    assert.equal(response.status, 400);
    const text = await response.text();
    assertNoKey(text, key);
    const { error } = JSON.parse(text);
    assert.equal(error.code, 400);
    assert.match(error.message, /^This request was made with the key \[redacted\], which cannot use openai\/gpt-4o$/);
  });

  it("strikes it from a 2xx JSON answer that carries it, \\u-escaped", async () => {
    stack.stub.setKeyEcho("in-body");
    for (const [path, body] of [
      ["/chat/completions", QUESTION],
      ["/responses", { model: "openai/gpt-4o", input: "Say hello" }],
    ] as const) {
      const response = await proxyFetch(stack.gatewayUrl, browser, path, { body });
      assert.equal(response.status, 200);
      const text = await response.text();
      assertNoKey(text, key);
      assert.match(text, /Echo: Say hello \(asked with \[redacted\]\)/, path);
    }
  });

  it("strikes it from a stream that carries it cut in two chunks, and passes every other byte on", async () => {
    stack.stub.setKeyEcho("split-stream");
    stack.stub.setChatPace({ chunks: 1 });
    const response = await proxyFetch(stack.gatewayUrl, browser, "/chat/completions", { body: { ...QUESTION, stream: true } });
    assert.equal(response.status, 200);
    const text = await response.text();
    assertNoKey(text, key);
    const events = parseEvents(text);
    assert.equal(events.at(-1)!.data, "[DONE]");
    const content = events
      .slice(0, -1)
      .map((event) => JSON.parse(event.data).choices[0].delta.content)
      .join("");
    assert.equal(content, "Echo: Say hello (asked with [redacted])");
  });

  it("logs no key for any of them", async () => {
    await waitFor(() => stack.gateway.logs.filter((line) => line.includes('"outcome"')).length >= 4);
    for (const line of stack.gateway.logs) assert.ok(!line.includes(key), `a log line carries the key: ${line.slice(0, 200)}`);
  });
});

describe("the streaming key redactor", () => {
  it("strikes the key as it is, JSON-\\u-escaped (either case) and percent-encoded, alone or mixed", () => {
    const escaped = [...KEY].map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`).join("");
    const percent = [...KEY].map((char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`).join("");
    const mixed = `sk\\u002Dor%2dv1-${KEY.slice(9)}`;
    for (const form of [KEY, escaped, escaped.toUpperCase().replaceAll("\\U", "\\u"), percent, mixed]) {
      const redactor = new KeyRedactor(KEY);
      assert.equal(redactor.redactAll(Buffer.from(`a ${form} b`)).toString(), "a [redacted] b", form.slice(0, 30));
    }
  });

  it("holds back only a tail that could start the key, and only until the next chunk shows what it is", () => {
    const redactor = new KeyRedactor(KEY);
    const plain = Buffer.from('data: {"content":"hello"}\n\n');
    assert.equal(redactor.push(plain), plain, "a chunk with nothing like the key goes on as it came");
    assert.equal(redactor.push(Buffer.from(`one ${KEY.slice(0, 20)}`)).toString(), "one ");
    assert.equal(redactor.push(Buffer.from(`${KEY.slice(20)} two sk-`)).toString(), "[redacted] two ");
    assert.equal(redactor.push(Buffer.from("ip")).toString(), "sk-ip", "a tail that was not the key goes on");
    assert.equal(redactor.push(Buffer.from("see \\u00")).toString(), "see ");
    assert.equal(redactor.end().toString(), "\\u00", "what is held at the end goes on");
  });
});

describe("the cost reader", () => {
  it("reads the last usage.cost of an answer, wherever its chunks cut it", () => {
    const answer = Buffer.from('data: {"usage":null}\n\ndata: {"choices":[],"usage":{"prompt_tokens":2,"cost": 0.000035,"cost_details":{"upstream_inference_cost":null}}}\n\ndata: [DONE]\n\n');
    for (let cut = 1; cut < answer.length; cut++) {
      const reader = new CostReader();
      reader.read(answer.subarray(0, cut));
      reader.read(answer.subarray(cut));
      assert.equal(reader.cost, 0.000035, `cut at ${cut}`);
    }
  });

  it("reads no cost from a model's text that writes one, its quotes escaped", () => {
    const reader = new CostReader();
    reader.read(Buffer.from('{"choices":[{"message":{"content":"{\\"cost\\": 99}"}}]}'));
    assert.equal(reader.cost, undefined);
  });
});
