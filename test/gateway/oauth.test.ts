import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { codeChallengeS256 } from "../../gateway/openrouter/pkce.js";
import { HttpClient, type HttpResponse } from "../support/http-client.js";
import { startTestStack, type TestStack } from "../support/gateway.js";

const HOST_ORIGIN = "http://host.example.test:3000";
const INITIATE = "mutation($returnTo: String) { initiateOAuth(returnTo: $returnTo) { authUrl state expiresAt } }";
const COMPLETE = "mutation($code: String!, $state: String!) { completeOAuth(code: $code, state: $state) { authenticated method user { label userId } } }";
const STATUS = "{ status { authenticated method user { label userId } } }";
const REST = "/api/v1/openrouter/auth";

let stack: TestStack;
/** Every response body the gateway sent in this file, to prove what never appears in one. */
const seen: string[] = [];

before(async () => {
  stack = await startTestStack({ env: { ALLOWED_ORIGINS: HOST_ORIGIN } });
});
after(async () => {
  await stack.close();
});
beforeEach(async () => {
  stack.stub.setFault("none");
  stack.stub.setCodeAppendStyle("standard");
});

/** A browser on the host page: its requests carry the host's Origin. */
function hostPage(): HttpClient {
  return new HttpClient(stack.gatewayUrl, { origin: HOST_ORIGIN });
}

async function record<T>(response: Promise<HttpResponse<T>>): Promise<HttpResponse<T>> {
  const settled = await response;
  seen.push(settled.text);
  return settled;
}

async function initiate(browser: HttpClient, returnTo?: string) {
  const response = await record(browser.graphql(INITIATE, { returnTo }));
  assert.equal(response.body.errors, undefined, JSON.stringify(response.body.errors));
  return response.body.data.initiateOAuth as { authUrl: string; state: string; expiresAt: string };
}

/** OpenRouter's consent, then the callback path and query the popup is sent to. */
function consent(authUrl: string): { path: string; code: string; state: string } {
  const callback = new URL(stack.stub.approve(authUrl));
  const code = /code=([^&?#]+)/.exec(callback.search)![1]!;
  const state = /state=([^&?#]+)/.exec(callback.search)![1]!;
  return { path: callback.pathname + callback.search, code: decodeURIComponent(code), state: decodeURIComponent(state) };
}

/** The data block of the callback page: what its script will post, and where. */
function pageData(html: string): { message: Record<string, unknown> | null; targetOrigin: string | null; returnTo: string | null; state: string | null } {
  const json = /<script type="application\/json" id="result">([\s\S]*?)<\/script>/.exec(html)![1]!;
  return JSON.parse(json);
}

describe("initiating an OAuth sign-in", () => {
  it("answers an OpenRouter authorize URL with an S256 challenge and a state inside callback_url, and no verifier", async () => {
    const flow = await initiate(hostPage());
    const authorize = new URL(flow.authUrl);
    assert.equal(authorize.origin + authorize.pathname, stack.stub.authUrl);
    assert.equal(authorize.searchParams.get("code_challenge_method"), "S256");
    assert.match(authorize.searchParams.get("code_challenge")!, /^[A-Za-z0-9_-]{43}$/);
    const callback = new URL(authorize.searchParams.get("callback_url")!);
    assert.equal(callback.origin + callback.pathname, `${stack.gatewayUrl}${REST}/oauth/callback`);
    assert.equal(callback.searchParams.get("state"), flow.state);
    assert.ok(Buffer.from(flow.state, "base64url").length >= 16, "state has at least 128 bits");
    const expiresIn = Date.parse(flow.expiresAt) - Date.now();
    assert.ok(expiresIn > 590_000 && expiresIn <= 600_000, "a flow expires after ten minutes");
  });

  it("answers the REST shape without any verifier", async () => {
    const response = await record(hostPage().post(`${REST}/oauth/initiate`, {}));
    assert.equal(response.status, 200);
    assert.deepEqual(Object.keys(response.body as object).sort(), ["auth_url", "expires_at", "state"]);
  });

  it("refuses a returnTo outside ALLOWED_ORIGINS, including look-alike origins", async () => {
    for (const returnTo of ["https://evil.example/", `${HOST_ORIGIN}.evil.example/`, "http://host.example.test:3001/", "javascript:alert(1)", "not a url"]) {
      const response = await record(hostPage().graphql(INITIATE, { returnTo }));
      assert.equal(response.body.errors?.[0]?.extensions?.code, "BAD_USER_INPUT", returnTo);
    }
    // Valid URLs that start like the allowed origin: only an exact origin match refuses them.
    for (const returnTo of ["http://host.example.test:30000/", "http://host.example.test:3000@evil.example/", "https://host.example.test:3000/", "http://host.example.test/"]) {
      assert.ok(URL.canParse(returnTo), returnTo);
      const response = await record(hostPage().graphql(INITIATE, { returnTo }));
      assert.equal(response.body.errors?.[0]?.extensions?.code, "BAD_USER_INPUT", returnTo);
    }
    const rest = await hostPage().post(`${REST}/oauth/initiate`, { return_to: "https://evil.example/" });
    assert.equal(rest.status, 400);
    assert.equal((rest.body as { code: string }).code, "BAD_USER_INPUT");
  });

  it("accepts a returnTo on an allowed origin", async () => {
    const flow = await initiate(hostPage(), `${HOST_ORIGIN}/settings?tab=ai`);
    assert.ok(flow.authUrl);
  });
});

describe("completing in the popup that shares the element's cookies", () => {
  it("signs in on the callback page, tells the opener ok at the initiating origin, and never shows the verifier", async () => {
    const browser = hostPage();
    stack.stub.clearRequests();
    const flow = await initiate(browser);
    const { path } = consent(flow.authUrl);
    const page = await record(browser.get<string>(path));
    assert.equal(page.status, 200);
    const { message, targetOrigin, returnTo, state } = pageData(page.text);
    // `state`: without an opener (a host page with COOP same-origin), the outcome of this flow is
    // announced to the element's relay frame instead.
    assert.deepEqual({ message, targetOrigin, returnTo, state }, { message: { type: "openrouter-auth", ok: true }, targetOrigin: HOST_ORIGIN, returnTo: null, state: flow.state });

    const status = await record(browser.graphql(STATUS));
    assert.equal(status.body.data.status.authenticated, true);
    assert.equal(status.body.data.status.method, "OAUTH");
    assert.match(status.body.data.status.user.userId, /^user_/);

    const exchange = stack.stub.requests.find((request) => request.path === "/api/v1/auth/keys");
    const sent = exchange!.body as { code_verifier: string; code_challenge_method: string };
    assert.equal(sent.code_challenge_method, "S256");
    assert.equal(codeChallengeS256(sent.code_verifier), new URL(flow.authUrl).searchParams.get("code_challenge"), "the challenge is S256 of the verifier sent later");
    for (const body of seen) assert.ok(!body.includes(sent.code_verifier), "the verifier appears in no response");
  });

  it("sends a strict CSP with a nonce, no referrer, and no COOP that would cut the opener", async () => {
    const browser = hostPage();
    const flow = await initiate(browser);
    const page = await browser.get<string>(consent(flow.authUrl).path);
    const csp = page.headers.get("content-security-policy")!;
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(page.headers.get("referrer-policy"), "no-referrer");
    assert.notEqual(page.headers.get("cross-origin-opener-policy"), "same-origin");
    assert.equal(page.headers.get("cache-control"), "no-store");
    const scripts = [...page.text.matchAll(/<script([^>]*)>/g)].map((match) => match[1]!);
    assert.deepEqual(scripts.filter((attributes) => !attributes.includes('type="application/json"')), [` nonce="${nonce}"`], "one executable script, with the nonce");
    assert.doesNotMatch(page.text, /\son[a-z]+=/i, "no inline event handlers");
    assert.doesNotMatch(page.text, /postMessage\([^)]*"\*"/, "never posts to *");
  });

  it("returns to returnTo when there is no opener (redirect mode)", async () => {
    const browser = hostPage();
    const flow = await initiate(browser, `${HOST_ORIGIN}/back`);
    const page = await browser.get<string>(consent(flow.authUrl).path);
    assert.equal(pageData(page.text).returnTo, `${HOST_ORIGIN}/back`);
  });

  it("still works when the provider appends ?code= to a callback URL that already has a query", async () => {
    stack.stub.setCodeAppendStyle("naive");
    const browser = hostPage();
    const flow = await initiate(browser);
    const callback = stack.stub.approve(flow.authUrl);
    assert.match(callback, /state=[^&]+\?code=/);
    const page = await browser.get<string>(new URL(callback).pathname + new URL(callback).search);
    assert.equal((pageData(page.text).message as { ok: boolean }).ok, true);
    assert.equal((await browser.graphql(STATUS)).body.data.status.method, "OAUTH");
  });

  it("refuses a replayed callback with OAUTH_STATE_INVALID and leaves the session signed in", async () => {
    const browser = hostPage();
    const flow = await initiate(browser);
    const { path } = consent(flow.authUrl);
    await browser.get(path);
    const replay = await browser.get<string>(path);
    assert.equal(replay.status, 400);
    assert.equal(pageData(replay.text).message?.error, "OAUTH_STATE_INVALID");
    assert.match(replay.text, /expired or already used/);
    assert.equal((await browser.graphql(STATUS)).body.data.status.authenticated, true);
  });
});

describe("completing through the relay, when the popup's cookies are kept apart", () => {
  it("relays code and state to the initiating origin, and completeOAuth signs the element's session in", async () => {
    const element = hostPage();
    const flow = await initiate(element);
    const popup = new HttpClient(stack.gatewayUrl); // a separate cookie jar: no session
    const page = await record(popup.get<string>(consent(flow.authUrl).path));
    const data = pageData(page.text);
    assert.equal(data.targetOrigin, HOST_ORIGIN, "found from the state alone");
    assert.equal(data.state, null, "a code is never announced to the relay frame, only posted to the opener");
    const message = data.message as { type: string; code: string; state: string };
    assert.equal(message.type, "openrouter-auth");
    assert.equal(message.state, flow.state);
    assert.equal((await popup.graphql(STATUS)).body.data.status.authenticated, false, "the popup's own session is not signed in");

    const completed = await record(element.graphql(COMPLETE, { code: message.code, state: message.state }));
    assert.equal(completed.body.data.completeOAuth.authenticated, true);
    assert.equal(completed.body.data.completeOAuth.method, "OAUTH");
  });

  it("completes through the REST callback too, ignoring an old client's code_verifier", async () => {
    const element = hostPage();
    const flow = await initiate(element);
    const { code, state } = consent(flow.authUrl);
    const response = await record(element.post(`${REST}/oauth/callback`, { code, state, code_verifier: "from-an-old-client" }));
    assert.equal(response.status, 200);
    assert.equal((response.body as { success: boolean }).success, true);
    assert.match((response.body as { user: { user_id: string } }).user.user_id, /^user_/);
  });

  it("posts to the gateway's own origin when the flow was started without an Origin", async () => {
    const element = new HttpClient(stack.gatewayUrl);
    const flow = await initiate(element);
    const page = await new HttpClient(stack.gatewayUrl).get<string>(consent(flow.authUrl).path);
    assert.equal(pageData(page.text).targetOrigin, new URL(stack.gatewayUrl).origin);
  });
});

describe("OAuth failures", () => {
  it("refuses another session's state without spoiling the flow of the session that owns it", async () => {
    const owner = hostPage();
    const flow = await initiate(owner);
    const { code, state } = consent(flow.authUrl);
    const attacker = hostPage();
    await initiate(attacker);
    const stolen = await attacker.graphql(COMPLETE, { code, state });
    assert.equal(stolen.body.errors?.[0]?.extensions?.code, "OAUTH_STATE_INVALID");
    const rightful = await owner.graphql(COMPLETE, { code, state });
    assert.equal(rightful.body.data?.completeOAuth.authenticated, true);
  });

  it("answers OAUTH_STATE_INVALID for an unknown state", async () => {
    const browser = hostPage();
    await initiate(browser);
    const response = await browser.graphql(COMPLETE, { code: "whatever", state: "unknown-state" });
    assert.equal(response.body.errors?.[0]?.extensions?.code, "OAUTH_STATE_INVALID");
    const rest = await browser.post(`${REST}/oauth/callback`, { code: "whatever", state: "unknown-state" });
    assert.equal(rest.status, 400);
    assert.equal((rest.body as { code: string }).code, "OAUTH_STATE_INVALID");
  });

  it("answers OAUTH_STATE_INVALID for an expired state", async () => {
    const browser = hostPage();
    const flow = await initiate(browser);
    const { code } = consent(flow.authUrl);
    // Ten minutes pass.
    stack.gateway.clock.advance(600_001);
    const response = await browser.graphql(COMPLETE, { code, state: flow.state });
    assert.equal(response.body.errors?.[0]?.extensions?.code, "OAUTH_STATE_INVALID");
  });

  it("ends a flow after ten minutes by the gateway's own clock, even while its session and state record live on", async () => {
    const browser = hostPage();
    const first = await initiate(browser);
    // A second flow, nine minutes 59 later, keeps the session (and the first flow in it) alive;
    // Redis, on its own clock, still holds the first state record too.
    stack.gateway.clock.advance(599_000);
    await initiate(browser);
    stack.gateway.clock.advance(2_000);
    const { code } = consent(first.authUrl);
    const response = await browser.graphql(COMPLETE, { code, state: first.state });
    assert.equal(response.body.errors?.[0]?.extensions?.code, "OAUTH_STATE_INVALID");
    assert.equal((await browser.graphql(STATUS)).body.data.status.authenticated, false);
  });

  it("answers OAUTH_EXCHANGE_FAILED for a code OpenRouter refuses, and the state is spent", async () => {
    const browser = hostPage();
    const flow = await initiate(browser);
    const wrong = await browser.graphql(COMPLETE, { code: "not-the-code", state: flow.state });
    assert.equal(wrong.body.errors?.[0]?.extensions?.code, "OAUTH_EXCHANGE_FAILED");
    const { code } = consent(flow.authUrl);
    const retry = await browser.graphql(COMPLETE, { code, state: flow.state });
    assert.equal(retry.body.errors?.[0]?.extensions?.code, "OAUTH_STATE_INVALID");
    assert.equal((await browser.graphql(STATUS)).body.data.status.authenticated, false, "no half-made session");
  });

  it("answers UPSTREAM_UNAVAILABLE when OpenRouter is down during the exchange, on the popup page too", async () => {
    const browser = hostPage();
    const flow = await initiate(browser);
    const { path } = consent(flow.authUrl);
    stack.stub.setFault("down");
    const page = await browser.get<string>(path);
    assert.equal(pageData(page.text).message?.error, "UPSTREAM_UNAVAILABLE");
    assert.equal(pageData(page.text).targetOrigin, HOST_ORIGIN, "the failure is still reported to the opener");
    assert.match(page.text, /not answering/);
    stack.stub.setFault("none");
    assert.equal((await browser.graphql(STATUS)).body.data.status.authenticated, false);
  });

  it("answers BAD_USER_INPUT for an oversize code or state", async () => {
    const browser = hostPage();
    const { state } = await initiate(browser);
    const longCode = await browser.graphql(COMPLETE, { code: "c".repeat(10_000), state });
    assert.equal(longCode.body.errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
    const longState = await browser.graphql(COMPLETE, { code: "c", state: "s".repeat(10_000) });
    assert.equal(longState.body.errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
    const rest = await browser.post<{ code: string }>(`${REST}/oauth/callback`, { code: "c", state: "s".repeat(10_000) });
    assert.equal(rest.status, 400);
    assert.equal(rest.body.code, "BAD_USER_INPUT");
  });

  it("shows a plain failure page for a callback without a state", async () => {
    const page = await new HttpClient(stack.gatewayUrl).get<string>(`${REST}/oauth/callback?code=abc`);
    assert.equal(page.status, 400);
    assert.equal(pageData(page.text).targetOrigin, null, "nothing is posted anywhere");
  });
});
