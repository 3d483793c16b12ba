import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { HttpClient, type HttpResponse } from "../support/http-client.js";
import { startTestStack, type TestStack } from "../support/gateway.js";

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ env: { LOG_LEVEL: "debug", USER_INFO_MAX_AGE_SECONDS: "0" } });
});
after(async () => {
  await stack.close();
});

describe("the API key", () => {
  it("appears in no response body, header or log line through every flow, success or failure", async () => {
    const account = stack.stub.addAccount();
    const responses: HttpResponse<unknown>[] = [];
    const keep = async <T>(response: Promise<HttpResponse<T>>) => {
      responses.push((await response) as HttpResponse<unknown>);
    };
    const browser = new HttpClient(stack.gatewayUrl);
    const rest = "/api/v1/openrouter/auth";

    await keep(browser.graphql("mutation($k: String!) { validateKey(apiKey: $k) { valid user { label } status { authenticated } } }", { k: account.key }));
    await keep(browser.graphql("{ status { authenticated user { label } } userInfo { label usage } models { id } }"));
    await keep(browser.post(`${rest}/validate-key`, { api_key: account.key }));
    await keep(browser.get(`${rest}/user-info`));
    await keep(browser.get(`${rest}/status`));
    // A key in the wrong variable, of the wrong type, or rejected upstream.
    await keep(browser.graphql("query($first: Int) { models(first: $first) { id } }", { first: account.key }));
    await keep(browser.graphql(`{ models(search: 42) { id } }`));
    await keep(browser.post(`${rest}/validate-key`, { api_key: [account.key] }));
    stack.stub.account(account.key)!.disabled = true;
    await keep(browser.post(`${rest}/validate-key`, { api_key: account.key }));
    stack.stub.account(account.key)!.disabled = false;
    for (const fault of ["down", "server-error", "rate-limited"] as const) {
      stack.stub.setFault(fault, { delayMs: 10 });
      await keep(browser.graphql("mutation($k: String!) { validateKey(apiKey: $k) { valid } }", { k: account.key }));
      await keep(browser.graphql("{ userInfo { label } }"));
    }
    stack.stub.setFault("none");
    await keep(browser.graphql("mutation { logout { authenticated } }"));

    assert.ok(responses.length >= 15);
    for (const response of responses) {
      assert.ok(!response.text.includes(account.key), `response leaks the key: ${response.text.slice(0, 200)}`);
      for (const [name, value] of response.headers) assert.ok(!value.includes(account.key), `header ${name} leaks the key`);
    }
    assert.ok(stack.gateway.logs.length >= responses.length, "every request was logged");
    for (const line of stack.gateway.logs) {
      assert.ok(!line.includes(account.key), `log line leaks the key: ${line}`);
      assert.ok(!line.includes(account.key.slice(-20)), `log line leaks part of the key: ${line}`);
    }
  });

  it("is not in the log, nor are OAuth codes, verifiers, states or cookie values, after an OAuth sign-in", async () => {
    const browser = new HttpClient(stack.gatewayUrl);
    stack.stub.clearRequests();
    const initiated = await browser.graphql("mutation { initiateOAuth { authUrl state } }");
    const callback = new URL(stack.stub.approve(initiated.body.data.initiateOAuth.authUrl));
    const code = callback.searchParams.get("code")!;
    await browser.get(callback.pathname + callback.search);
    const cookie = browser.cookies.get("openrouter-auth.sid")!;
    const exchange = stack.stub.requests.find((request) => request.path === "/api/v1/auth/keys")!.body as { code_verifier: string };
    assert.equal((await browser.graphql("{ status { method } }")).body.data.status.method, "OAUTH");
    const secrets = { code, state: initiated.body.data.initiateOAuth.state as string, verifier: exchange.code_verifier, cookie: decodeURIComponent(cookie).slice(2, 30) };
    for (const line of stack.gateway.logs) {
      for (const [name, value] of Object.entries(secrets)) assert.ok(!line.includes(value), `log line leaks the ${name}: ${line}`);
    }
  });

  it("is not in the access line when pasted into a URL path, as it is or percent-encoded", async () => {
    const key = stack.stub.addAccount().key;
    const rest = "/api/v1/openrouter/auth";
    const paths = [`${rest}/${key}`, `/graphql/${key}`, `/${encodeURIComponent(key).replaceAll("-", "%2D")}/status`, `${rest}/status;api_key=${key}`];
    const logsBefore = stack.gateway.logs.length;
    for (const path of paths) await new HttpClient(stack.gatewayUrl).get(path);
    const accessLines = stack.gateway.logs.slice(logsBefore).map((line) => JSON.parse(line) as { msg: string; path?: string }).filter((line) => line.msg === "request");
    assert.equal(accessLines.length, paths.length, "every request was logged");
    for (const line of accessLines) {
      assert.ok(!JSON.stringify(line).includes(key.slice(-20)), `the access line leaks the key: ${JSON.stringify(line)}`);
      assert.match(line.path ?? "", /\[redacted\]/, "the line says something was taken out");
    }
    assert.equal(accessLines[0]!.path, `${rest}/sk-or-[redacted]`, "the rest of the path stays readable");
  });

  it("comes back masked when pasted into the wrong GraphQL variable", async () => {
    const response = await new HttpClient(stack.gatewayUrl).graphql("query($first: Int) { models(first: $first) { id } }", { first: stack.stub.testKeys.valid });
    assert.equal(response.body.errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
    assert.match(response.body.errors![0]!.message, /\[redacted\]/);
  });
});
