import assert from "node:assert/strict";
import { request, createServer } from "node:http";
import { connect } from "node:net";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import express from "express";
import { GatewayError, createOpenRouterAuth, expressServerOptions, type OpenRouterAuthRouter } from "../../gateway/index.js";
import { jsonBody } from "../../gateway/http/json-body.js";
import { createLogger } from "../../gateway/logging/logger.js";
import { PROXY_ENDPOINTS } from "../../gateway/proxy/endpoints.js";
import { startTestStack, TEST_SECRETS, type TestStack } from "../support/gateway.js";
import type { HttpClient } from "../support/http-client.js";
import { listening, type Listening } from "../support/listening.js";
import { PROXY, signedIn } from "../support/proxy.js";

/** The proxy's limit here, and the gateway's own (GraphQL and the REST paths). */
const PROXY_LIMIT = 65_536;
const GATEWAY_LIMIT = 16_384;

/**
 * A body every JSON route reacts to, so that a body read differently answers differently: GraphQL
 * runs the query, the proxy refuses `model` (before anything goes upstream), `validate-key` its
 * `api_key`, the OAuth paths their fields.
 */
const SAMPLE = JSON.stringify({ query: "{ status { authenticated } }", api_key: 5, model: 5, code: 5, state: 5 });

let stack: TestStack;
let browser: HttpClient;
before(async () => {
  stack = await startTestStack({ env: { PROXY_MAX_BODY_BYTES: String(PROXY_LIMIT) } });
  browser = await signedIn(stack.gatewayUrl, stack.stub.testKeys.valid);
});
after(async () => {
  await stack.close();
});

interface JsonRoute {
  readonly path: string;
  readonly limit: number;
}

/**
 * Every path of the gateway that takes a JSON body, read from the router itself (each route that
 * answers POST) and the proxy's table: a route added later is in the table below without a word.
 */
function jsonRoutes(router: OpenRouterAuthRouter): JsonRoute[] {
  const layers = (router as unknown as { stack: Array<{ route?: { path: unknown; methods: Record<string, boolean> } }> }).stack;
  const own = layers.flatMap((layer) => (layer.route !== undefined && typeof layer.route.path === "string" && (layer.route.methods.post || layer.route.methods._all) ? [{ path: layer.route.path, limit: GATEWAY_LIMIT }] : []));
  const proxied = PROXY_ENDPOINTS.filter((endpoint) => endpoint.method === "POST").map((endpoint) => ({ path: PROXY + endpoint.path, limit: PROXY_LIMIT }));
  return [...own, ...proxied];
}

interface Sent {
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  /** Sent without a Content-Length, in two chunks. */
  readonly chunked?: boolean;
}

interface Outcome {
  readonly status: number;
  readonly code: unknown;
  readonly message: unknown;
}

/** The status, and the code and message of whatever the surface answered (GraphQL's, REST's or the proxy's shape). */
function outcomeOf(status: number, text: string): Outcome {
  const body = JSON.parse(text) as any;
  if (Array.isArray(body?.errors)) return { status, code: body.errors[0]?.extensions?.code, message: body.errors[0]?.message };
  if (typeof body?.error === "object" && body.error !== null) return { status, code: body.error.code, message: body.error.message };
  if (typeof body?.error === "string") return { status, code: body.code, message: body.error };
  // An answer, not an error: its shape (an OAuth start's values are new each time).
  return { status, code: undefined, message: Object.keys(body ?? {}).join() };
}

/** The signed-in browser's cookie for the proxy, which asks for one; none elsewhere (a POST to logout would end it). */
const cookieFor = (path: string): Record<string, string> => (path.startsWith(PROXY) ? { cookie: browser.cookieHeader() } : {});

/** Sends a request as it is given. */
function send(path: string, sent: Sent): Promise<Outcome> {
  return new Promise<Outcome>((resolve, reject) => {
  const headers: Record<string, string> = { ...cookieFor(path), ...sent.headers };
  if (!sent.chunked) headers["content-length"] = String(sent.body.length);
  const req = request(stack.gatewayUrl + path, { method: "POST", headers, signal: AbortSignal.timeout(10_000) }, (res) => {
    const chunks: Buffer[] = [];
    res.on("data", (chunk: Buffer) => chunks.push(chunk));
    res.on("end", () => resolve(outcomeOf(res.statusCode!, Buffer.concat(chunks).toString("utf8"))));
    res.on("error", reject);
  });
  req.on("error", reject);
  if (sent.chunked) {
    const half = Math.floor(sent.body.length / 2);
    req.write(sent.body.subarray(0, half));
    req.end(sent.body.subarray(half));
  } else req.end(sent.body);
  });
}

const json = (text: string | Buffer, headers: Record<string, string> = {}): Sent => ({ headers: { "content-type": "application/json", ...headers }, body: typeof text === "string" ? Buffer.from(text) : text });

/** A JSON object of exactly `bytes` bytes. */
const sized = (bytes: number) => `{"padding":"${"x".repeat(bytes - 14)}"}`;

const NOT_JSON = { status: 400, code: "BAD_USER_INPUT", message: "The request body is not valid JSON." };
const NOT_DECOMPRESSED = { status: 400, code: "BAD_USER_INPUT", message: "The request body could not be decompressed." };
const TOO_LARGE = { status: 413, code: "PAYLOAD_TOO_LARGE" };
const UNSUPPORTED = { status: 415, code: "UNSUPPORTED_MEDIA_TYPE" };

/** Read as the same JSON as `same` sent plainly: the same answer. */
type Expected = { readonly same: string | ((route: JsonRoute) => string) } | { readonly status: number; readonly code: string; readonly message?: string };

const CASES: ReadonlyArray<readonly [name: string, make: (route: JsonRoute) => Sent, expected: Expected]> = [
  ["charset=UTF-8", () => json(SAMPLE, { "content-type": "application/json; charset=UTF-8" }), { same: SAMPLE }],
  ["the type spelt otherwise, a quoted charset", () => json(SAMPLE, { "content-type": 'Application/JSON ; charset="utf-8"' }), { same: SAMPLE }],
  ["a UTF-8 byte order mark", () => json(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SAMPLE)])), { same: SAMPLE }],
  ["UTF-16 with its byte order mark", () => json(Buffer.from(`\ufeff${SAMPLE}`, "utf16le"), { "content-type": "application/json; charset=utf-16" }), { same: SAMPLE }],
  ["whitespace before the object", () => json(` \r\n\t${SAMPLE}`), { same: SAMPLE }],
  ["an empty body (Content-Length: 0), read as {}", () => json(""), { same: "{}" }],
  ["sent in chunks, without a Content-Length", () => ({ ...json(SAMPLE), chunked: true }), { same: SAMPLE }],
  ["just under the limit", (route) => json(sized(route.limit)), { same: (route) => sized(route.limit) }],
  ["gzip", () => json(gzipSync(SAMPLE), { "content-encoding": "gzip" }), { same: SAMPLE }],
  ["GZIP, in capitals", () => json(gzipSync(SAMPLE), { "content-encoding": "GZIP" }), { same: SAMPLE }],
  ["deflate", () => json(deflateSync(SAMPLE), { "content-encoding": "deflate" }), { same: SAMPLE }],
  ["br", () => json(brotliCompressSync(SAMPLE), { "content-encoding": "br" }), { same: SAMPLE }],
  ["identity", () => json(SAMPLE, { "content-encoding": "identity" }), { same: SAMPLE }],
  ["a string at the top level (strict)", () => json('"{}"'), NOT_JSON],
  ["a number at the top level (strict)", () => json(" 42"), NOT_JSON],
  ["whitespace only", () => json(" \n "), NOT_JSON],
  ["JSON cut short", () => json('{"query":'), NOT_JSON],
  ["a byte order mark and then not JSON", () => json(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("nul")])), NOT_JSON],
  ["one byte over the limit, with its Content-Length", (route) => json(sized(route.limit + 1)), TOO_LARGE],
  ["over the limit, in chunks", (route) => ({ ...json(sized(route.limit + 1)), chunked: true }), TOO_LARGE],
  ["a gzip bomb (small compressed, over the limit decompressed)", (route) => json(gzipSync(sized(route.limit * 8)), { "content-encoding": "gzip" }), TOO_LARGE],
  ["gzip that does not decompress", () => json(SAMPLE, { "content-encoding": "gzip" }), NOT_DECOMPRESSED],
  ["br that does not decompress", () => json("not brotli", { "content-encoding": "br" }), NOT_DECOMPRESSED],
  ["an encoding the gateway does not speak", () => json(SAMPLE, { "content-encoding": "compress" }), UNSUPPORTED],
  ["charset=latin1", () => json(SAMPLE, { "content-type": "application/json; charset=latin1" }), UNSUPPORTED],
  ["charset=utf8 (no dash: not one body-parser accepts)", () => json(SAMPLE, { "content-type": "application/json; charset=utf8" }), UNSUPPORTED],
  ["text/plain", () => json(SAMPLE, { "content-type": "text/plain" }), UNSUPPORTED],
  ["no Content-Type", () => ({ headers: {}, body: Buffer.from(SAMPLE) }), UNSUPPORTED],
  ["a form", () => json("query=x", { "content-type": "application/x-www-form-urlencoded" }), UNSUPPORTED],
];

describe("JSON bodies, on every route that takes one", () => {
  it("finds /graphql, the REST paths that take a body and the proxy's POST endpoints", () => {
    const paths = jsonRoutes(stack.gateway.gateway).map((route) => route.path);
    for (const path of ["/graphql", "/api/v1/openrouter/auth/validate-key", "/api/v1/openrouter/auth/logout", `${PROXY}/chat/completions`]) assert.ok(paths.includes(path), path);
  });

  it("answers each way of sending a body with a status and a code, as express.json's reading of it", async () => {
    for (const route of jsonRoutes(stack.gateway.gateway)) {
      const references = new Map<string, Outcome>();
      for (const [name, make, expected] of CASES) {
        const outcome = await send(route.path, make(route));
        if ("same" in expected) {
          const same = typeof expected.same === "string" ? expected.same : expected.same(route);
          if (!references.has(same)) references.set(same, await send(route.path, json(same)));
          const reference = references.get(same)!;
          assert.notEqual(reference.message, NOT_JSON.message, `${route.path}: the reference is JSON (${name}, ${same.length} B)`);
          assert.notEqual(reference.code, "UNAUTHENTICATED", `${route.path}: the reference is signed in where it must be`);
          assert.deepEqual(outcome, reference, `${route.path}, ${name}`);
        } else {
          const { status, code, message } = expected;
          assert.deepEqual({ status: outcome.status, code: outcome.code }, { status, code }, `${route.path}, ${name}: ${JSON.stringify(outcome)}`);
          if (message !== undefined) assert.equal(outcome.message, message, `${route.path}, ${name}`);
        }
      }
    }
  });

  it("neither hangs nor fails on a body cut short by a client that leaves, or one longer than its Content-Length, and answers the next request", async () => {
    const { port } = new URL(stack.gatewayUrl);
    /** Writes `raw` on a connection of its own; once the server's answer has begun (or at once, with `leave`), the client leaves. */
    const exchange = (raw: string, leave = false) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), "127.0.0.1");
        let said = "";
        socket.setTimeout(10_000, () => reject(new Error(`no answer: ${raw.slice(0, 80)}`)));
        socket.on("data", (chunk: Buffer) => {
          said += chunk.toString("latin1");
          if (said.includes("\r\n\r\n")) socket.destroy();
        });
        socket.on("error", reject);
        socket.on("close", () => resolve(said));
        socket.write(raw, () => {
          if (leave) socket.destroy();
        });
      });
    const logsBefore = stack.gateway.logs.length;
    for (const route of jsonRoutes(stack.gateway.gateway)) {
      const head = (length: number) => `POST ${route.path} HTTP/1.1\r\nhost: 127.0.0.1\r\n${route.path.startsWith(PROXY) ? `cookie: ${browser.cookieHeader()}\r\n` : ""}content-type: application/json\r\ncontent-length: ${length}\r\n\r\n`;
      const reference = await send(route.path, json(SAMPLE));
      // Cut short: the client leaves with a part of what it said it would send.
      await exchange(head(SAMPLE.length + 100) + SAMPLE, true);
      // Longer: the body is read to its Content-Length and answered; what follows is the start of the next request, which waits for the rest.
      const longer = await exchange(head(SAMPLE.length) + SAMPLE + "GET /healthz HT");
      assert.match(longer, new RegExp(`^HTTP/1\\.1 ${reference.status} `), `${route.path}: ${longer.slice(0, 120)}`);
      assert.deepEqual(await send(route.path, json(SAMPLE)), reference, `${route.path}: answered as before`);
    }
    const errors = stack.gateway.logs.slice(logsBefore).filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
    assert.deepEqual(errors, []);
  });

  it("runs a GraphQL query sent over GET, with no body to read", async () => {
    const response = await fetch(`${stack.gatewayUrl}/graphql?query=${encodeURIComponent("{ status { authenticated } }")}`, { headers: { cookie: browser.cookieHeader() } });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { data: { status: { authenticated: true } } });
  });
});

describe("a host app that parses JSON bodies itself, before the router", () => {
  let host: Listening;
  let router: OpenRouterAuthRouter;
  before(async () => {
    router = createOpenRouterAuth({ env: { ...TEST_SECRETS, ...stack.env }, logger: createLogger("silent") });
    await router.whenConnected();
    const app = express();
    app.use(express.json());
    app.use(router);
    host = await listening(createServer(expressServerOptions(app), app));
  });
  after(async () => {
    await host.close();
    await router.close();
  });

  it("answers GraphQL with the body the host's parser read", async () => {
    const response = await fetch(`${host.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: SAMPLE, signal: AbortSignal.timeout(10_000) });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { data: { status: { authenticated: false } } });
  });
});

describe("the reader on its own", () => {
  it("passes on an error, rather than waiting for ever, when the client leaves mid-body", async () => {
    const errors: unknown[] = [];
    let passedOn!: () => void;
    const reported = new Promise<void>((resolve) => (passedOn = resolve));
    const app = express();
    app.post("/", jsonBody(1_024), (_req, res) => void res.end());
    app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      errors.push(error);
      passedOn();
      res.end();
    });
    const server = createServer(expressServerOptions(app), app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const socket = connect((server.address() as AddressInfo).port, "127.0.0.1");
      socket.write(`POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{"a":`, () => socket.destroy());
      await Promise.race([reported, new Promise((_, reject) => setTimeout(() => reject(new Error("the reader is still waiting")), 5_000).unref())]);
      assert.equal(errors.length, 1);
      assert.ok(errors[0] instanceof GatewayError && errors[0].code === "BAD_USER_INPUT", String(errors[0]));
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
