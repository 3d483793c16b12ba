import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ErrorCode } from "../../gateway/errors.js";
import { PREFIX } from "../../gateway/metrics/definitions.js";
import { GRAPHQL_OUTCOMES, OAUTH_EVENTS, OTHER_OPERATIONS, PROXY_ENDPOINTS, PROXY_OUTCOMES, SESSION_END_REASONS, SIGN_IN_METHODS, STORE_COMMANDS, SURFACES, TOKEN_KINDS } from "../../gateway/metrics/labels.js";
import { ROUTE_LABELS } from "../../gateway/metrics/routes.js";
import { listenForMetrics, type MetricsListener } from "../../gateway/server/metrics-listener.js";
import { startTestStack, type TestStack } from "../support/gateway.js";
import { HttpClient } from "../support/http-client.js";
import { parsePrometheusText, promtool, valueOf, type Scrape } from "../support/prometheus-text.js";
import { waitFor } from "../support/wait-for.js";

const HOST_ORIGIN = "http://host.example.test:3000";
const REST = "/api/v1/openrouter/auth";
const COMPLETIONS = "/api/v1/openrouter/proxy/chat/completions";
const VALIDATE = "mutation($k: String!) { validateKey(apiKey: $k) { valid } }";
const VALIDATE_ONLY = "mutation($k: String!) { validateKey(apiKey: $k, validateOnly: true) { valid } }";
const INITIATE = "mutation { initiateOAuth { authUrl state } }";
const STATUS = "{ status { authenticated } }";
const ALLOWED_MODELS = "openai/gpt-4o-mini,anthropic/*";

const HTTP = `${PREFIX}http_request_duration_seconds_count`;
const REFUSALS = `${PREFIX}refusals_total`;
const OPERATIONS = `${PREFIX}graphql_operations_total`;
const SIGN_INS = `${PREFIX}sign_ins_total`;
const FLOWS = `${PREFIX}oauth_flows_total`;
const STARTED = `${PREFIX}sessions_started_total`;
const ENDED = `${PREFIX}sessions_ended_total`;
const OPENROUTER = `${PREFIX}openrouter_request_duration_seconds_count`;
const STORE_UP = `${PREFIX}session_store_up`;
const STORE_ERRORS = `${PREFIX}session_store_errors_total`;

let stack: TestStack;
let listener: MetricsListener;

before(async () => {
  // A private Redis: the outage test stops and restarts it.
  stack = await startTestStack({ privateRedis: true, env: { METRICS_PORT: "0", ALLOWED_ORIGINS: HOST_ORIGIN, PROXY_ALLOWED_MODELS: ALLOWED_MODELS, UPSTREAM_TIMEOUT_MS: "1000" } });
  listener = await listenForMetrics(stack.gateway.gateway.metrics!, stack.gateway.gateway.config.metrics!);
});
after(async () => {
  stack.redis.resume();
  await listener.close();
  await stack.close();
});

/** One scrape of the metrics listener: read by promtool (Prometheus' own reader and linter) and by the strict parser. */
async function scrape(): Promise<Scrape> {
  const response = await fetch(`http://127.0.0.1:${listener.port}/metrics`, { signal: AbortSignal.timeout(5_000) });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4; charset=utf-8$/);
  const text = await response.text();
  const lint = await promtool(["check", "metrics"], { stdin: text });
  assert.equal(lint.code, 0, `promtool check metrics: ${lint.output}`);
  return parsePrometheusText(text);
}

/** How much each series changed between two scrapes. */
function changes(before: Scrape, after: Scrape) {
  return (name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - valueOf(before, name, labels);
}

const codeOf = (response: { body: unknown }) => {
  const body = response.body as { code?: string; errors?: Array<{ extensions?: { code?: string } }>; error?: { code?: string } };
  return body.code ?? body.errors?.[0]?.extensions?.code ?? body.error?.code;
};

/** OpenRouter's consent: the callback's path, code and state. */
function consent(authUrl: string): { path: string; code: string; state: string } {
  const callback = new URL(stack.stub.approve(authUrl));
  return { path: callback.pathname + callback.search, code: callback.searchParams.get("code")!, state: callback.searchParams.get("state")! };
}

async function initiate(browser: HttpClient): Promise<{ authUrl: string; state: string }> {
  const response = await browser.graphql(INITIATE);
  assert.equal(response.body.errors, undefined, JSON.stringify(response.body.errors));
  return response.body.data.initiateOAuth;
}

async function signedIn(): Promise<HttpClient> {
  const browser = new HttpClient(stack.gatewayUrl, { origin: HOST_ORIGIN });
  assert.equal((await browser.graphql(VALIDATE, { k: stack.stub.testKeys.valid })).body.data?.validateKey.valid, true);
  return browser;
}

describe("metrics after known traffic", () => {
  it("count sign-ins that pass and fail by method and outcome, the sessions they start and end, their GraphQL operations and OpenRouter calls", async () => {
    const before = await scrape();
    const browser = new HttpClient(stack.gatewayUrl);
    assert.equal((await browser.graphql(VALIDATE, { k: stack.stub.testKeys.valid })).body.data?.validateKey.valid, true);
    assert.equal(codeOf(await new HttpClient(stack.gatewayUrl).graphql(VALIDATE, { k: stack.stub.testKeys.disabled })), "INVALID_API_KEY");
    assert.equal(codeOf(await new HttpClient(stack.gatewayUrl).graphql(VALIDATE, { k: "not-a-key" })), "BAD_USER_INPUT");
    assert.equal((await new HttpClient(stack.gatewayUrl).graphql(VALIDATE_ONLY, { k: stack.stub.testKeys.valid })).body.data?.validateKey.valid, true);
    assert.equal((await new HttpClient(stack.gatewayUrl).post(`${REST}/validate-key`, { api_key: stack.stub.testKeys.unlimited })).status, 200);
    assert.equal((await browser.post(`${REST}/logout`, {})).status, 200);
    const changed = changes(before, await scrape());

    assert.equal(changed(SIGN_INS, { method: "api_key", outcome: "success" }), 2, "a check with validateOnly is no sign-in");
    assert.equal(changed(SIGN_INS, { method: "api_key", outcome: "INVALID_API_KEY" }), 1);
    assert.equal(changed(SIGN_INS, { method: "api_key", outcome: "BAD_USER_INPUT" }), 1);
    assert.equal(changed(STARTED, { method: "api_key" }), 2);
    assert.equal(changed(ENDED, { reason: "sign_out" }), 1);
    assert.equal(changed(OPERATIONS, { operation: "validateKey", outcome: "success" }), 2);
    assert.equal(changed(OPERATIONS, { operation: "validateKey", outcome: "refused" }), 2);
    assert.equal(changed(REFUSALS, { surface: "graphql", code: "INVALID_API_KEY" }), 1);
    assert.equal(changed(REFUSALS, { surface: "graphql", code: "BAD_USER_INPUT" }), 1);
    assert.equal(changed(HTTP, { surface: "graphql", route: "/graphql", status: "200" }), 4);
    assert.equal(changed(HTTP, { surface: "rest", route: `${REST}/validate-key`, status: "200" }), 1);
    assert.equal(changed(HTTP, { surface: "rest", route: `${REST}/logout`, status: "200" }), 1);
    assert.equal(changed(OPENROUTER, { endpoint: "/key", status: "200" }), 3);
    assert.equal(changed(OPENROUTER, { endpoint: "/credits", status: "200" }), 3);
    assert.equal(changed(OPENROUTER, { endpoint: "/key", status: "401" }), 1);
  });

  it("count a session ended because OpenRouter no longer accepts its key", async () => {
    const account = stack.stub.addAccount();
    const browser = new HttpClient(stack.gatewayUrl);
    assert.equal((await browser.graphql(VALIDATE, { k: account.key })).body.data?.validateKey.valid, true);
    const before = await scrape();
    account.disabled = true;
    stack.gateway.clock.advance(301_000); // past USER_INFO_MAX_AGE_SECONDS: userInfo asks OpenRouter again
    assert.equal(codeOf(await browser.graphql("{ userInfo { label } }")), "INVALID_API_KEY");
    const changed = changes(before, await scrape());
    assert.equal(changed(ENDED, { reason: "revoked" }), 1);
    assert.equal(changed(ENDED, { reason: "sign_out" }), 0);
    assert.equal(changed(OPERATIONS, { operation: "userInfo", outcome: "refused" }), 1);
    assert.equal(changed(OPENROUTER, { endpoint: "/key", status: "401" }), 1);
  });

  it("count a refused origin by surface and code, and its request by route and status", async () => {
    const before = await scrape();
    const elsewhere = new HttpClient(stack.gatewayUrl, { origin: "https://evil.example", headers: { "sec-fetch-site": "cross-site" } });
    assert.equal((await elsewhere.post(`${REST}/logout`, {})).status, 403);
    assert.equal(codeOf(await elsewhere.graphql(VALIDATE, { k: stack.stub.testKeys.valid })), "FORBIDDEN_ORIGIN");
    const changed = changes(before, await scrape());
    assert.equal(changed(REFUSALS, { surface: "rest", code: "FORBIDDEN_ORIGIN" }), 1);
    assert.equal(changed(REFUSALS, { surface: "graphql", code: "FORBIDDEN_ORIGIN" }), 1);
    assert.equal(changed(HTTP, { surface: "rest", route: `${REST}/logout`, status: "403" }), 1);
    assert.equal(changed(HTTP, { surface: "graphql", route: "/graphql", status: "403" }), 1);
    assert.equal(changed(SIGN_INS, { method: "api_key", outcome: "FORBIDDEN_ORIGIN" }), 0, "refused before any sign-in was attempted");
  });

  it("count OAuth flows started, completed and expired, and sessions ended by expiry", async () => {
    const before = await scrape();
    const completing = new HttpClient(stack.gatewayUrl, { origin: HOST_ORIGIN });
    const flow = await initiate(completing);
    assert.equal((await completing.get(consent(flow.authUrl).path)).status, 200);
    assert.equal((await completing.graphql(STATUS)).body.data.status.authenticated, true);

    // A flow left past its ten minutes: its pending-only session ends as it is next read, and
    // a completion then knows no such flow.
    const late = new HttpClient(stack.gatewayUrl, { origin: HOST_ORIGIN });
    const lateFlow = consent((await initiate(late)).authUrl);
    // And a signed-in user's flow left as long: found, but expired.
    const busy = await signedIn();
    const busyFlow = consent((await initiate(busy)).authUrl);
    stack.gateway.clock.advance(11 * 60_000);
    assert.equal(codeOf(await late.post(`${REST}/oauth/callback`, { code: lateFlow.code, state: lateFlow.state })), "OAUTH_STATE_INVALID");
    assert.equal(codeOf(await busy.post(`${REST}/oauth/callback`, { code: busyFlow.code, state: busyFlow.state })), "OAUTH_STATE_INVALID");

    // Past the absolute lifetime (7 days): the signed-in sessions end as they are next read.
    stack.gateway.clock.advance(8 * 86_400_000);
    assert.equal((await completing.graphql(STATUS)).body.data.status.authenticated, false);
    assert.equal((await busy.graphql(STATUS)).body.data.status.authenticated, false);
    const changed = changes(before, await scrape());

    assert.equal(changed(FLOWS, { event: "started" }), 3);
    assert.equal(changed(FLOWS, { event: "completed" }), 1);
    assert.equal(changed(FLOWS, { event: "expired" }), 2);
    assert.equal(changed(FLOWS, { event: "failed" }), 0);
    assert.equal(changed(SIGN_INS, { method: "oauth", outcome: "success" }), 1);
    assert.equal(changed(SIGN_INS, { method: "oauth", outcome: "OAUTH_STATE_INVALID" }), 2);
    assert.equal(changed(STARTED, { method: "oauth" }), 1);
    assert.equal(changed(STARTED, { method: "api_key" }), 1);
    assert.equal(changed(ENDED, { reason: "expired" }), 2);
    assert.equal(changed(HTTP, { surface: "rest", route: `${REST}/oauth/callback`, status: "200" }), 1);
    assert.equal(changed(HTTP, { surface: "rest", route: `${REST}/oauth/callback`, status: "400" }), 2);
    assert.equal(changed(OPENROUTER, { endpoint: "/auth/keys", status: "200" }), 1);
  });

  it("count a streamed completion and the proxy's refusals by route, status and code", async () => {
    const browser = await signedIn();
    const before = await scrape();
    const ask = (body: unknown, path = COMPLETIONS) =>
      fetch(`${stack.gatewayUrl}${path}`, { method: "POST", headers: { "content-type": "application/json", cookie: browser.cookieHeader() }, body: JSON.stringify(body), signal: AbortSignal.timeout(15_000) });
    const streamed = await ask({ model: "openai/gpt-4o-mini", stream: true, messages: [{ role: "user", content: "Say hello" }] });
    assert.equal(streamed.status, 200);
    const events = await streamed.text();
    assert.match(events, /data: \[DONE\]/);
    const usage = events
      .split("\n")
      .filter((line) => line.startsWith("data: {"))
      .map((line) => JSON.parse(line.slice("data: ".length)) as { usage?: { prompt_tokens: number; completion_tokens: number; cost: number } })
      .filter((event) => event.usage !== undefined)
      .at(-1)!.usage!;
    const refused = await ask({ model: "meta/llama-3", messages: [{ role: "user", content: "Say hello" }] });
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, "MODEL_NOT_ALLOWED");
    assert.equal((await ask({}, "/api/v1/openrouter/proxy/no/such/path")).status, 404);
    const changed = changes(before, await scrape());
    assert.equal(changed(HTTP, { surface: "proxy", route: COMPLETIONS, status: "200" }), 1);
    assert.equal(changed(HTTP, { surface: "proxy", route: COMPLETIONS, status: "403" }), 1);
    assert.equal(changed(HTTP, { surface: "proxy", route: "other", status: "404" }), 1);
    assert.equal(changed(REFUSALS, { surface: "proxy", code: "MODEL_NOT_ALLOWED" }), 1);
    assert.equal(changed(REFUSALS, { surface: "proxy", code: "NOT_FOUND" }), 1);
    // What the proxy itself records of the stream it passed on, from the answer's own usage.
    assert.equal(changed(`${PREFIX}proxy_requests_total`, { endpoint: "/chat/completions", outcome: "completed" }), 1);
    assert.equal(changed(`${PREFIX}proxy_streams_open`, { endpoint: "/chat/completions" }), 0, "opened and closed");
    assert.equal(changed(`${PREFIX}proxy_first_byte_seconds_count`, { endpoint: "/chat/completions" }), 1);
    assert.ok(changed(`${PREFIX}proxy_response_bytes_total`, { endpoint: "/chat/completions" }) >= events.length, "every byte passed on is counted");
    assert.equal(changed(`${PREFIX}proxy_tokens_total`, { model: "openai/gpt-4o-mini", kind: "prompt" }), usage.prompt_tokens);
    assert.equal(changed(`${PREFIX}proxy_tokens_total`, { model: "openai/gpt-4o-mini", kind: "completion" }), usage.completion_tokens);
    assert.ok(Math.abs(changed(`${PREFIX}proxy_credits_spent_total`, { model: "openai/gpt-4o-mini" }) - usage.cost) < 1e-12, "the answer's usage.cost");
  });

  it("record what the proxy reports through its API: open streams, first byte, outcome, bytes, tokens and credits, with bounded endpoints and models", async () => {
    const proxy = stack.gateway.gateway.metrics!.proxy;
    const before = await scrape();
    proxy.started("/chat/completions");
    proxy.started("/responses");
    proxy.started(`/${stack.stub.testKeys.valid}`);
    const open = await scrape();
    assert.equal(valueOf(open, `${PREFIX}proxy_streams_open`, { endpoint: "/chat/completions" }) - valueOf(before, `${PREFIX}proxy_streams_open`, { endpoint: "/chat/completions" }), 1);
    assert.equal(valueOf(open, `${PREFIX}proxy_streams_open`, { endpoint: "other" }) - valueOf(before, `${PREFIX}proxy_streams_open`, { endpoint: "other" }), 1);
    proxy.firstByte("/chat/completions", 0.3);
    proxy.ended("/chat/completions", "completed", 1234);
    proxy.ended("/responses", "client-left", 10);
    proxy.ended(`/${stack.stub.testKeys.valid}`, "made-up", 5);
    proxy.spent("openai/gpt-4o-mini", { promptTokens: 10, completionTokens: 20, credits: 0.0015 });
    proxy.spent("anthropic/claude-3.5-sonnet", { promptTokens: 5, completionTokens: 1 });
    proxy.spent(stack.stub.testKeys.valid, { credits: 2 });
    proxy.spent(undefined, { promptTokens: Number.NaN, completionTokens: -3 });
    const changed = changes(before, await scrape());
    for (const endpoint of ["/chat/completions", "/responses", "other"]) assert.equal(changed(`${PREFIX}proxy_streams_open`, { endpoint }), 0, `${endpoint}: started and ended`);
    assert.equal(changed(`${PREFIX}proxy_first_byte_seconds_count`, { endpoint: "/chat/completions" }), 1);
    assert.equal(changed(`${PREFIX}proxy_first_byte_seconds_bucket`, { endpoint: "/chat/completions", le: "0.25" }), 0);
    assert.equal(changed(`${PREFIX}proxy_first_byte_seconds_bucket`, { endpoint: "/chat/completions", le: "0.5" }), 1);
    assert.equal(changed(`${PREFIX}proxy_requests_total`, { endpoint: "/chat/completions", outcome: "completed" }), 1);
    assert.equal(changed(`${PREFIX}proxy_requests_total`, { endpoint: "/responses", outcome: "client-left" }), 1);
    assert.equal(changed(`${PREFIX}proxy_requests_total`, { endpoint: "other", outcome: "other" }), 1);
    assert.equal(changed(`${PREFIX}proxy_response_bytes_total`, { endpoint: "/chat/completions" }), 1234);
    assert.equal(changed(`${PREFIX}proxy_tokens_total`, { model: "openai/gpt-4o-mini", kind: "prompt" }), 10);
    assert.equal(changed(`${PREFIX}proxy_tokens_total`, { model: "openai/gpt-4o-mini", kind: "completion" }), 20);
    assert.equal(changed(`${PREFIX}proxy_tokens_total`, { model: "anthropic/*", kind: "prompt" }), 5);
    assert.equal(changed(`${PREFIX}proxy_credits_spent_total`, { model: "openai/gpt-4o-mini" }), 0.0015);
    assert.equal(changed(`${PREFIX}proxy_credits_spent_total`, { model: "other" }), 2);
    assert.equal(changed(`${PREFIX}proxy_tokens_total`, { model: "other", kind: "prompt" }), 0, "no count that is not a positive number");
  });
});

describe("labels", () => {
  it("take no value outside their bounded sets, and never a key, after a fuzz of paths, operations, models and headers", async () => {
    const key = stack.stub.testKeys.valid;
    const browser = await signedIn();
    const marker = "fuzzmarker";
    const junk = (i: number) => `${marker}${i}-${key}`;
    const headers = (i: number) => ({ "x-request-id": junk(i).slice(0, 64), "x-apollo-operation-name": junk(i), "user-agent": junk(i), "x-forwarded-for": `10.0.0.${i}` });
    const roots = ["/graphql", REST, "/api/v1/openrouter/proxy", "/openrouter-auth-locales", "/healthz", "/readyz", "/openrouter-auth.js"];
    const requests: Array<Promise<unknown>> = [];
    for (let i = 0; i < 12; i++) {
      for (const root of roots) {
        requests.push(browser.get(`${root}/${junk(i)}/${encodeURIComponent(key)}?key=${key}`, { headers: headers(i) }));
        requests.push(browser.post(`${root}/${junk(i)}`, { api_key: key }, { headers: headers(i) }));
      }
      requests.push(browser.post(`${REST}/validate-key`, { api_key: `${key}${i}` }, { headers: headers(i) }));
      requests.push(browser.graphql(`query ${marker}${i} { status { authenticated } }`));
      requests.push(browser.graphql(`query { ${marker}${i}: status { authenticated } }`));
      requests.push(browser.graphql(`{ status { authenticated } userInfo { label } }`));
      requests.push(browser.graphql(`{ ${marker}${i} }`));
      requests.push(browser.graphql(`{ __schema { types { name } } }`));
      requests.push(browser.graphql(`{ ...on Query { status { authenticated } } }`));
      requests.push(browser.graphql(`mutation { ${marker}${i}(apiKey: "${key}") }`));
      requests.push(browser.post("/graphql", { query: `{ status { authenticated } ${"{".repeat(i)}` }, { headers: headers(i) }));
      for (const model of [`${marker}/${key}`, "openai/gpt-4o", "anthropic/made-up-model", `openai/gpt-4o-mini${i}`]) {
        requests.push(browser.post(COMPLETIONS, { model, messages: [{ role: "user", content: key }] }, { headers: headers(i) }));
      }
      stack.gateway.gateway.metrics!.proxy.spent(`${marker}${i}/${key}`, { promptTokens: 1 });
      stack.gateway.gateway.metrics!.proxy.ended(`/${marker}${i}`, `${marker}${i}`, 1);
    }
    await Promise.all(requests);

    const { samples, text } = await scrape();
    assert.doesNotMatch(text, new RegExp(marker), "no caller's text in any series");
    assert.ok(!text.includes(key), "never the key");
    assert.ok(!text.includes(stack.gateway.gateway.config.sessionSecrets[0]!));

    const schemaFields = ["status", "userInfo", "models", "validateKey", "initiateOAuth", "completeOAuth", "logout"];
    const allowed: Record<string, ReadonlySet<string>> = {
      surface: new Set(SURFACES),
      route: new Set(ROUTE_LABELS.map((label) => label.route)),
      code: new Set(Object.values(ErrorCode)),
      method: new Set(SIGN_IN_METHODS),
      event: new Set(OAUTH_EVENTS),
      reason: new Set(SESSION_END_REASONS),
      command: new Set([...STORE_COMMANDS, "other"]),
      kind: new Set(TOKEN_KINDS),
      operation: new Set([...schemaFields, ...OTHER_OPERATIONS]),
      model: new Set(["openai/gpt-4o-mini", "anthropic/*", "other"]),
    };
    const outcomes: Record<string, ReadonlySet<string>> = {
      [OPERATIONS]: new Set(GRAPHQL_OUTCOMES),
      [SIGN_INS]: new Set(["success", ...Object.values(ErrorCode)]),
      [`${PREFIX}proxy_requests_total`]: new Set([...PROXY_OUTCOMES, "other"]),
    };
    const endpoints: Record<string, ReadonlySet<string>> = {
      openrouter: new Set(["/key", "/credits", "/models", "/auth/keys"]),
      proxy: new Set([...PROXY_ENDPOINTS, "other"]),
    };
    for (const sample of samples.filter((candidate) => candidate.name.startsWith(`${PREFIX}`) && !/_(process|nodejs)_/.test(candidate.name))) {
      for (const [label, value] of Object.entries(sample.labels)) {
        const where = `${sample.name}{${label}="${value}"}`;
        if (label === "le") assert.match(value, /^(\d+(\.\d+)?(e-?\d+)?|\+Inf)$/, where);
        else if (label === "status") assert.match(value, /^([1-5]\d\d|other|error)$/, where);
        else if (label === "outcome") assert.ok(outcomes[sample.name.replace(/_(bucket|sum|count)$/, "")]?.has(value), where);
        else if (label === "endpoint") assert.ok(endpoints[sample.name.includes("_openrouter_") ? "openrouter" : "proxy"]!.has(value), where);
        else assert.ok(allowed[label]?.has(value), where);
      }
    }
  });
});

describe("a Redis outage", () => {
  it("shows the store down, counts each failed command and each 503, and the store up again once Redis is back", async () => {
    const browser = await signedIn();
    const before = await scrape();
    assert.equal(valueOf(before, STORE_UP), 1);
    await stack.redis.stop();
    await waitFor(async () => valueOf(await scrape(), STORE_UP) === 0);
    const during = await scrape();
    const requests = 6;
    for (let i = 0; i < requests; i++) assert.equal((await browser.get(`${REST}/status`)).status, 503);
    const changed = changes(during, await scrape());
    assert.equal(changed(STORE_ERRORS, { command: "get" }), requests, "each request's session read failed once");
    assert.equal(changed(`${PREFIX}session_store_command_duration_seconds_count`, { command: "get" }), requests);
    assert.equal(changed(HTTP, { surface: "rest", route: `${REST}/status`, status: "503" }), requests);
    assert.equal(changed(REFUSALS, { surface: "rest", code: "SESSION_STORE_UNAVAILABLE" }), 0, "a failure of ours is no refusal");

    await stack.redis.start();
    await waitFor(async () => valueOf(await scrape(), STORE_UP) === 1, 10_000);
  });
});

describe("a Redis that lost its scripts", () => {
  it("counts no store error when a script is sent whole after NOSCRIPT (a restart, a failover, SCRIPT FLUSH), and the request that ran it succeeds", async () => {
    const before = await scrape();
    assert.equal(await stack.redis.command("SCRIPT", "FLUSH"), "OK");
    // A sign-in counts its attempt with a script, the first one Redis is asked for since.
    const browser = await signedIn();
    assert.equal((await browser.get(`${REST}/status`)).status, 200);
    const after = await scrape();
    const changed = changes(before, after);
    assert.ok(changed(`${PREFIX}session_store_command_duration_seconds_count`, { command: "evalsha" }) >= 1, "a script ran by its hash");
    assert.ok(changed(`${PREFIX}session_store_command_duration_seconds_count`, { command: "eval" }) >= 1, "and was sent whole after NOSCRIPT");
    const errors = (scrape: Scrape) => scrape.samples.filter((sample) => sample.name === STORE_ERRORS).reduce((sum, sample) => sum + sample.value, 0);
    assert.equal(errors(after) - errors(before), 0, "NOSCRIPT is the store loading a script, not a failure");
  });
});

describe("a gateway without metrics", () => {
  it("does not load prom-client at all (metrics are off by default, and it is 0.5 MB of heap)", async () => {
    // A process of its own: this one has loaded prom-client for the tests above.
    const { execFile } = await import("node:child_process");
    const script = [
      'import { createOpenRouterAuth } from "./gateway/index.ts";',
      'import { createRequire } from "node:module";',
      'const router = createOpenRouterAuth({ env: { NODE_ENV: "development", LOG_LEVEL: "silent" } });',
      "await router.close();",
      'const loaded = Object.keys(createRequire(import.meta.url).cache).filter((file) => file.includes("prom-client"));',
      "console.log(JSON.stringify(loaded));",
    ].join("\n");
    const output = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: new URL("../..", import.meta.url), timeout: 60_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout))),
    );
    assert.deepEqual(JSON.parse(output.trim().split("\n").at(-1)!), []);
  });
});
