import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { HttpClient } from "../support/http-client.js";
import { startGateway, startTestStack, type TestStack } from "../support/gateway.js";

const HOST_ORIGIN = "http://host.example.test:3000";
const REST = "/api/v1/openrouter/auth";

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ env: { ALLOWED_ORIGINS: HOST_ORIGIN } });
});
after(async () => {
  await stack.close();
});

/** A small deterministic PRNG (mulberry32), so a failing case can be replayed from its seed. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NASTY_STRINGS = ["", " ", "\u0000", "𝕳𝖊𝖑𝖑𝖔", "\u202e", "'\"<script>", "sk-or-", "sk-or-v1-" + "f".repeat(64), "a".repeat(20_000), "{{", "__proto__", "constructor", "%00", "\ud800"];

/** encodeURIComponent throws on a lone surrogate; a browser would send U+FFFD instead. */
const encode = (text: string) => encodeURIComponent(text.replace(/[\ud800-\udfff]/g, "\ufffd"));

/** Every path a POST reaches, each with its body parser. */
const POST_PATHS = ["/graphql", `${REST}/validate-key`, `${REST}/oauth/initiate`, `${REST}/oauth/callback`, `${REST}/logout`];

/** Bodies that are not what their Content-Encoding says, and encodings the gateway does not speak. */
const CORRUPT_ENCODINGS: ReadonlyArray<readonly [encoding: string, body: string | Uint8Array<ArrayBuffer>]> = [
  ["gzip", '{"api_key":"sk-or-v1-not-compressed"}'],
  ["gzip", new Uint8Array(gzipSync('{"query":"{ status { authenticated } }"}').subarray(0, 12))], // cut short
  ["deflate", "not deflated"],
  ["deflate", new Uint8Array(gzipSync("{}"))], // gzip's framing, not deflate's
  ["br", "not brotli, not anything"],
];
const UNKNOWN_ENCODINGS = ["compress", "x-gzip", "gzip, br", "rot13"];

type Case = { method: "GET" | "POST"; path: string; body?: string | Uint8Array<ArrayBuffer>; contentType?: string; contentEncoding?: string; cookie?: string };

function hostileCase(next: () => number): Case {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const nasty = () => pick(NASTY_STRINGS);
  const kind = Math.floor(next() * 11);
  const cookie = next() < 0.3 ? `openrouter-auth.sid=${encode(nasty()).slice(0, 400)}` : undefined;
  switch (kind) {
    case 0: // malformed JSON
      return { method: "POST", path: pick(["/graphql", `${REST}/validate-key`, `${REST}/oauth/callback`]), body: pick(["{", "[1,", '{"query":', "nul", "\u0000{}", '{"a":' + "[".repeat(500)]), contentType: "application/json", cookie };
    case 1: // huge body
      return { method: "POST", path: pick(["/graphql", `${REST}/validate-key`]), body: JSON.stringify({ api_key: "x".repeat(50_000 + Math.floor(next() * 100_000)) }), contentType: "application/json" };
    case 2: { // deep GraphQL
      const depth = 10 + Math.floor(next() * 200);
      return { method: "POST", path: "/graphql", body: JSON.stringify({ query: "{ " + "status { user { ".repeat(depth) + "label" + " } }".repeat(depth) + " }" }), contentType: "application/json" };
    }
    case 3: { // wide GraphQL: many aliases
      const width = 20 + Math.floor(next() * 500);
      return { method: "POST", path: "/graphql", body: JSON.stringify({ query: "{ " + Array.from({ length: width }, (_, i) => `a${i}: status { authenticated }`).join(" ") + " }" }), contentType: "application/json" };
    }
    case 4: // batching arrays
      return { method: "POST", path: "/graphql", body: JSON.stringify(Array.from({ length: 1 + Math.floor(next() * 50) }, () => ({ query: "{ status { authenticated } }" }))), contentType: "application/json" };
    case 5: // odd content types
      return { method: "POST", path: pick(["/graphql", `${REST}/validate-key`, `${REST}/logout`]), body: pick(["api_key=sk-or-v1-x", "<xml/>", "query={status{authenticated}}"]), contentType: pick(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", "application/json; charset=utf-7"]), cookie };
    case 6: // wrong types in JSON
      return { method: "POST", path: `${REST}/validate-key`, body: JSON.stringify(pick([{ api_key: 1 }, { api_key: null }, { api_key: {} }, { api_key: [nasty()] }, [], "str", 42, { validate_only: "x", api_key: nasty() }])), contentType: "application/json", cookie };
    case 7: // GraphQL with hostile variables
      return { method: "POST", path: "/graphql", body: JSON.stringify({ query: pick(["mutation($k: String!) { validateKey(apiKey: $k) { valid } }", "mutation($c: String!, $s: String!) { completeOAuth(code: $c, state: $s) { authenticated } }", "query($f: Int) { models(first: $f) { id } }"]), variables: { k: nasty(), c: nasty(), s: nasty(), f: pick([-1, 1e12, "x", null, 3.5]) } }), contentType: "application/json", cookie };
    case 8: // callback with hostile query strings
      return { method: "GET", path: `${REST}/oauth/callback?state=${encode(nasty()).slice(0, 3000)}&code=${encode(nasty()).slice(0, 3000)}${next() < 0.5 ? "?code=x?state=y" : ""}`, cookie };
    case 9: { // a body that does not decompress, or an encoding nobody speaks
      const [contentEncoding, body] = next() < 0.7 ? pick(CORRUPT_ENCODINGS) : [pick(UNKNOWN_ENCODINGS), "{}"];
      return { method: "POST", path: pick(POST_PATHS), body, contentType: "application/json", contentEncoding, cookie };
    }
    default: // unicode and garbage GraphQL documents
      return { method: "POST", path: "/graphql", body: JSON.stringify({ query: nasty() + pick(["{", "}", "query {", "{ status { ", "fragment f on X { ...f } { ...f }"]), operationName: pick([undefined, nasty(), 5]) }), contentType: "application/json", cookie };
  }
}

/** The code and message of an error answer, in GraphQL's shape or REST's. */
function codedError(body: any): { code: unknown; message: unknown } {
  const graphql = body?.errors?.[0];
  return graphql === undefined ? { code: body?.code, message: body?.error } : { code: graphql.extensions?.code, message: graphql.message };
}

/** The log lines at level error or above. */
const errorLines = (lines: readonly string[]) => lines.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);

describe("hostile input", () => {
  it("never gets a 5xx (other than a coded 503), a stack trace or a hang from a few thousand generated requests, and sign-in still works after", async () => {
    const next = random(20261125);
    const logsBefore = stack.gateway.logs.length;
    const statuses = new Map<number, number>();
    const total = 2_000;
    for (let batch = 0; batch < total / 20; batch++) {
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          const hostile = hostileCase(next);
          const headers: Record<string, string> = { "content-type": hostile.contentType ?? "application/json" };
          if (hostile.cookie !== undefined) headers.cookie = hostile.cookie;
          if (hostile.contentEncoding !== undefined) headers["content-encoding"] = hostile.contentEncoding;
          const response = await fetch(stack.gatewayUrl + hostile.path, { method: hostile.method, headers, body: hostile.body, signal: AbortSignal.timeout(10_000) });
          const text = await response.text();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          const where = `${hostile.method} ${hostile.path.slice(0, 80)} → ${response.status} ${text.slice(0, 200)}`;
          assert.ok(response.status < 500, `a 5xx: ${where}`);
          assert.doesNotMatch(text, /\n\s+at [\w.<>]+ \(|node_modules|\.ts:\d+/, `a stack trace: ${where}`);
          if (response.status >= 400 && (response.headers.get("content-type") ?? "").includes("json")) {
            assert.match(text, /"code"\s*:\s*"[A-Z_]+"/, `an error without a code: ${where}`);
          }
        }),
      );
    }
    const answered = [...statuses.values()].reduce((sum, count) => sum + count, 0);
    assert.equal(answered, total);
    assert.deepEqual(errorLines(stack.gateway.logs.slice(logsBefore)), [], "bad input is the caller's mistake, not an error of the gateway's");
    const browser = new HttpClient(stack.gatewayUrl);
    assert.equal((await browser.graphql("mutation($k: String!) { validateKey(apiKey: $k) { valid } }", { k: stack.stub.testKeys.valid })).body.data?.validateKey.valid, true);
    console.log(`hostile requests by status: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
  });

  it("answers 413 with a code for a body over the size limit", async () => {
    const response = await new HttpClient(stack.gatewayUrl).post<{ code: string }>(`${REST}/validate-key`, { api_key: "x".repeat(100_000) });
    assert.equal(response.status, 413);
    assert.equal(response.body.code, "PAYLOAD_TOO_LARGE");
  });

  for (const path of POST_PATHS) {
    it(`answers 415 for a POST to ${path} that is not JSON, sent in chunks (no Content-Length) as when sized, and runs nothing`, async () => {
      const browser = new HttpClient(stack.gatewayUrl);
      await browser.graphql("mutation($k: String!) { validateKey(apiKey: $k) { valid } }", { k: stack.stub.testKeys.valid });
      const body = path === "/graphql" ? JSON.stringify({ query: "mutation { logout { authenticated } }" }) : "{}";
      for (const chunked of [false, true]) {
        const sent = chunked
          ? new ReadableStream<Uint8Array>({
              start(controller) {
                controller.enqueue(new TextEncoder().encode(body));
                controller.close();
              },
            })
          : body;
        stack.stub.clearRequests();
        const response = await fetch(stack.gatewayUrl + path, { method: "POST", headers: { "content-type": "text/plain", cookie: browser.cookieHeader() }, body: sent, ...(chunked ? { duplex: "half" } : {}) } as RequestInit);
        const text = await response.text();
        assert.equal(response.status, 415, `${chunked ? "chunked" : "sized"}: ${text}`);
        assert.equal(codedError(JSON.parse(text)).code, "UNSUPPORTED_MEDIA_TYPE");
        assert.equal(response.headers.getSetCookie().length, 0, "no session started or ended");
        assert.equal(stack.stub.requests.length, 0, "OpenRouter was never asked");
      }
      assert.equal((await browser.graphql("{ status { authenticated } }")).body.data.status.authenticated, true, "the session was not signed out");
    });
  }

  it("answers 415 with a code for a REST POST that is not JSON", async () => {
    const response = await new HttpClient(stack.gatewayUrl).post<{ code: string }>(`${REST}/validate-key`, undefined, { rawBody: "api_key=sk-or-v1-abc", contentType: "application/x-www-form-urlencoded" });
    assert.equal(response.status, 415);
    assert.equal(response.body.code, "UNSUPPORTED_MEDIA_TYPE");
  });

  for (const path of POST_PATHS) {
    it(`answers 400 BAD_USER_INPUT, and logs no error, for a POST to ${path} whose body does not decompress`, async () => {
      const logsBefore = stack.gateway.logs.length;
      for (const [encoding, body] of CORRUPT_ENCODINGS) {
        const response = await fetch(stack.gatewayUrl + path, { method: "POST", headers: { "content-type": "application/json", "content-encoding": encoding }, body });
        const error = codedError(await response.json());
        assert.equal(response.status, 400, `${encoding}: ${JSON.stringify(error)}`);
        assert.deepEqual(error, { code: "BAD_USER_INPUT", message: "The request body could not be decompressed." }, encoding);
      }
      assert.deepEqual(errorLines(stack.gateway.logs.slice(logsBefore)), []);
    });

    it(`answers 415 with a code, and logs no error, for a POST to ${path} in an encoding it does not speak`, async () => {
      const logsBefore = stack.gateway.logs.length;
      for (const encoding of UNKNOWN_ENCODINGS) {
        const response = await fetch(stack.gatewayUrl + path, { method: "POST", headers: { "content-type": "application/json", "content-encoding": encoding }, body: "{}" });
        assert.equal(response.status, 415, encoding);
        assert.equal(codedError(await response.json()).code, "UNSUPPORTED_MEDIA_TYPE", encoding);
      }
      assert.deepEqual(errorLines(stack.gateway.logs.slice(logsBefore)), []);
    });
  }

  it("refuses batched GraphQL requests", async () => {
    const response = await new HttpClient(stack.gatewayUrl).post("/graphql", [{ query: "{ status { authenticated } }" }, { query: "{ status { authenticated } }" }]);
    assert.equal(response.status, 400);
  });

  it("refuses a query past the depth, alias or token limits without naming the limit", async () => {
    const browser = new HttpClient(stack.gatewayUrl);
    for (const query of ["{ " + Array.from({ length: 100 }, (_, i) => `a${i}: status { authenticated }`).join(" ") + " }", "{ status { " + "user { ".repeat(20) + "label" + " }".repeat(20) + " } }"]) {
      const response = await browser.graphql(query);
      assert.equal(response.body.errors?.[0]?.extensions?.code, "GRAPHQL_VALIDATION_FAILED");
      assert.equal(response.body.errors?.[0]?.message, "The query is too large or too complex.");
    }
  });

  it("has introspection, field suggestions and the landing page off in production", async () => {
    const production = await startGateway({ ...stack.env, NODE_ENV: "production", COOKIE_SECURE: "false" });
    try {
      const browser = new HttpClient(production.url);
      const introspection = await browser.graphql("{ __schema { types { name } } }");
      assert.equal(introspection.body.errors?.[0]?.extensions?.code, "GRAPHQL_VALIDATION_FAILED");
      assert.equal(introspection.body.data, undefined);
      const typo = await browser.graphql("{ statu { authenticated } }");
      assert.equal(typo.body.errors?.[0]?.message, 'Cannot query field "statu" on type "Query".', "the mistake named, the schema's names not suggested");
      const argument = await browser.graphql("{ models(serch: \"gpt\") { id } }");
      assert.equal(argument.body.errors?.[0]?.message, 'Unknown argument "serch" on field "Query.models".');
      const landing = await fetch(`${production.url}/graphql`, { headers: { accept: "text/html" } });
      assert.doesNotMatch(await landing.text(), /<html/i);
    } finally {
      await production.close();
    }
    // In development both help whoever builds on the API.
    const typo = await new HttpClient(stack.gatewayUrl).graphql("{ statu { authenticated } }");
    assert.match(typo.body.errors?.[0]?.message ?? "", /Did you mean "status"/);
  });

  it("refuses what an HTML form can send (urlencoded, multipart, text/plain) with 415, and a mutation over GET with 405, before either runs", async () => {
    const mutation = `mutation { validateKey(apiKey: "${stack.stub.testKeys.valid}") { valid } }`;
    const multipart = new FormData();
    multipart.set("query", mutation);
    const forms: Array<[contentType: string | undefined, body: string | FormData | URLSearchParams]> = [
      [undefined, new URLSearchParams({ query: mutation })],
      [undefined, multipart],
      ["text/plain", JSON.stringify({ query: mutation })],
    ];
    for (const [contentType, body] of forms) {
      stack.stub.clearRequests();
      const post = await fetch(`${stack.gatewayUrl}/graphql`, { method: "POST", headers: contentType === undefined ? {} : { "content-type": contentType }, body });
      const text = await post.text();
      assert.equal(post.status, 415, `${contentType ?? body.constructor.name}: ${text}`);
      assert.match(text, /UNSUPPORTED_MEDIA_TYPE/);
      assert.doesNotMatch(text, /"valid"/, "the mutation did not run");
      assert.equal(post.headers.getSetCookie().length, 0, "no session was started");
      assert.equal(stack.stub.requests.length, 0, "OpenRouter was never asked");
    }
    stack.stub.clearRequests();
    const get = await fetch(`${stack.gatewayUrl}/graphql?query=${encodeURIComponent(mutation)}`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.getSetCookie().length, 0);
    assert.equal(stack.stub.requests.length, 0, "OpenRouter was never asked");
  });
});

describe("browsers and origins", () => {
  it("echoes an allowed origin exactly for CORS with credentials, with Vary: Origin", async () => {
    const response = await fetch(`${stack.gatewayUrl}/graphql`, { method: "OPTIONS", headers: { origin: HOST_ORIGIN, "access-control-request-method": "POST", "access-control-request-headers": "content-type" } });
    assert.equal(response.status, 204);
    assert.equal(response.headers.get("access-control-allow-origin"), HOST_ORIGIN);
    assert.equal(response.headers.get("access-control-allow-credentials"), "true");
    assert.match(response.headers.get("vary") ?? "", /Origin/);
  });

  for (const origin of ["https://evil.example", `${HOST_ORIGIN}.evil.example`, "http://host.example.test:30000", "null"]) {
    it(`never allows ${origin}, and refuses its unsafe requests before any side effect`, async () => {
      const preflight = await fetch(`${stack.gatewayUrl}/graphql`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST" } });
      assert.equal(preflight.headers.get("access-control-allow-origin"), null);
      stack.stub.clearRequests();
      const attack = await new HttpClient(stack.gatewayUrl, { origin, headers: { "sec-fetch-site": "cross-site" } }).graphql("mutation($k: String!) { validateKey(apiKey: $k) { valid } }", { k: stack.stub.testKeys.valid });
      assert.equal(attack.status, 403);
      assert.equal(attack.body.errors?.[0]?.extensions?.code, "FORBIDDEN_ORIGIN");
      assert.equal(attack.setCookies.length, 0);
      assert.equal(stack.stub.requests.length, 0, "OpenRouter was never asked");
    });
  }

  it("refuses an unsafe request from a disallowed origin sent by an older browser without Sec-Fetch-Site", async () => {
    for (const origin of ["https://evil.example", "http://host.example.test:30000", "null"]) {
      stack.stub.clearRequests();
      const attack = await new HttpClient(stack.gatewayUrl, { origin }).graphql("mutation($k: String!) { validateKey(apiKey: $k) { valid } }", { k: stack.stub.testKeys.valid });
      assert.equal(attack.status, 403, origin);
      assert.equal(attack.setCookies.length, 0, origin);
      assert.equal(stack.stub.requests.length, 0, `OpenRouter was never asked (${origin})`);
      const rest = await new HttpClient(stack.gatewayUrl, { origin }).post(`${REST}/validate-key`, { api_key: stack.stub.testKeys.valid });
      assert.equal(rest.status, 403, origin);
    }
    // Its own page, in the same older browser, still names the gateway's own origin and passes.
    const samePage = await new HttpClient(stack.gatewayUrl, { origin: stack.gatewayUrl }).graphql("mutation { logout { authenticated } }");
    assert.equal(samePage.status, 200);
  });

  it("lets an allowed origin, a same-origin page and a non-browser client sign in", async () => {
    for (const client of [
      new HttpClient(stack.gatewayUrl, { origin: HOST_ORIGIN, headers: { "sec-fetch-site": "cross-site" } }),
      new HttpClient(stack.gatewayUrl, { headers: { "sec-fetch-site": "same-origin" } }),
      new HttpClient(stack.gatewayUrl),
    ]) {
      const response = await client.graphql("mutation($k: String!) { validateKey(apiKey: $k) { valid } }", { k: stack.stub.testKeys.valid });
      assert.equal(response.body.data?.validateKey.valid, true);
    }
  });

  it("sends security headers on the pages it serves", async () => {
    for (const path of ["/", "/openrouter-auth.js", `${REST}/status`]) {
      const response = await fetch(stack.gatewayUrl + path);
      assert.equal(response.headers.get("x-content-type-options"), "nosniff", path);
      assert.ok(response.headers.get("content-security-policy"), path);
      assert.equal(response.headers.get("x-powered-by"), null, path);
    }
    const page = await fetch(stack.gatewayUrl + "/");
    assert.equal(page.headers.get("cross-origin-opener-policy"), "same-origin-allow-popups", "the demo page keeps its link to the OAuth popup");
  });
});
