import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { Client as UrqlClient, fetchExchange } from "@urql/core";
import { GraphQLClient } from "graphql-request";
import { serverAudits } from "graphql-http";
import { HttpClient } from "../support/http-client.js";
import { startTestStack, type TestStack } from "../support/gateway.js";

// GraphQL clients no one here wrote, with their defaults, against a running gateway: each keeps
// the session cookie in a jar (what `credentials: "include"` does in a browser), signs in with
// validateKey and reads status, userInfo and models.
const HOST_ORIGIN = "http://app.example.test:3000";

const SIGN_IN = "mutation SignIn($k: String!) { validateKey(apiKey: $k) { valid } }";
const READ = "query Read { status { authenticated method } userInfo { label } models(first: 2) { id } }";
const INVALID = "query Invalid { status { nonsense } }";

interface ReadResult {
  status: { authenticated: boolean; method: string };
  userInfo: { label: string };
  models: Array<{ id: string }>;
}

let stack: TestStack;
let graphqlUrl: string;

before(async () => {
  stack = await startTestStack({ env: { ALLOWED_ORIGINS: HOST_ORIGIN } });
  graphqlUrl = `${stack.gatewayUrl}/graphql`;
});
after(async () => {
  await stack.close();
});

/** A cookie jar, and the HTTP methods of the requests a client sent through it. */
function jar(): { jar: HttpClient; fetch: typeof fetch; methods: string[] } {
  const cookies = new HttpClient(stack.gatewayUrl);
  const methods: string[] = [];
  const fetchWithJar = (async (input: string | URL | Request, init?: RequestInit) => {
    methods.push(new Request(input, init).method);
    return cookies.fetch(input, init);
  }) as typeof fetch;
  return { jar: cookies, fetch: fetchWithJar, methods };
}

function assertSignedInRead(data: ReadResult | undefined | null, label: string): void {
  assert.equal(data?.status.authenticated, true);
  assert.equal(data?.status.method, "API_KEY");
  assert.equal(data?.userInfo.label, label);
  assert.equal(data?.models.length, 2);
}

describe("real GraphQL clients with their defaults", () => {
  it("Apollo Client (HttpLink, POST) signs in and reads status, userInfo and models", async () => {
    const account = stack.stub.addAccount({ label: "apollo" });
    const { fetch, methods } = jar();
    const client = new ApolloClient({ link: new HttpLink({ uri: graphqlUrl, fetch, credentials: "include" }), cache: new InMemoryCache(), defaultOptions: { query: { fetchPolicy: "no-cache" } } });
    const signIn = await client.mutate<{ validateKey: { valid: boolean } }>({ mutation: gql(SIGN_IN), variables: { k: account.key } });
    assert.equal(signIn.data?.validateKey.valid, true);
    const read = await client.query<ReadResult>({ query: gql(READ) });
    assertSignedInRead(read.data, "apollo");
    await assert.rejects(client.query({ query: gql(INVALID) }), /Cannot query field "nonsense"/);
    assert.deepEqual([...new Set(methods)], ["POST"]);
  });

  it("urql signs in, and reads status, userInfo and models over GET, its default for queries", async () => {
    const account = stack.stub.addAccount({ label: "urql" });
    const { fetch, methods } = jar();
    const client = new UrqlClient({ url: graphqlUrl, exchanges: [fetchExchange], fetch, requestPolicy: "network-only" });
    const signIn = await client.mutation<{ validateKey: { valid: boolean } }>(SIGN_IN, { k: account.key }).toPromise();
    assert.equal(signIn.error, undefined);
    assert.equal(signIn.data?.validateKey.valid, true);
    const read = await client.query<ReadResult>(READ, {}).toPromise();
    assert.equal(read.error, undefined);
    assertSignedInRead(read.data, "urql");
    const invalid = await client.query(INVALID, {}).toPromise();
    assert.match(invalid.error?.graphQLErrors[0]?.message ?? "", /Cannot query field "nonsense"/, "a 400 still reaches urql as the GraphQL error it is");
    assert.deepEqual(methods, ["POST", "GET", "GET"]);
  });

  for (const method of ["GET", "POST"] as const) {
    it(`graphql-request with method ${method} signs in and reads status, userInfo and models`, async () => {
      const account = stack.stub.addAccount({ label: `graphql-request ${method}` });
      const { fetch, methods } = jar();
      const client = new GraphQLClient(graphqlUrl, { fetch, method });
      const signIn = await client.request<{ validateKey: { valid: boolean } }>(SIGN_IN, { k: account.key });
      assert.equal(signIn.validateKey.valid, true);
      assertSignedInRead(await client.request<ReadResult>(READ), `graphql-request ${method}`);
      await assert.rejects(client.request(INVALID), /Cannot query field "nonsense"/);
      // graphql-request sends mutations as POST whatever `method` says.
      assert.deepEqual(methods, ["POST", method, method]);
    });
  }
});

describe("queries over GET and the requests other sites make", () => {
  const query = "{ models(first: 1) { id } }";

  /** A signed-in browser's request for `query` over GET, with these Fetch Metadata headers. */
  async function getAs(headers: Record<string, string>): Promise<{ status: number; code: unknown; openRouterAsked: boolean }> {
    const browser = new HttpClient(stack.gatewayUrl);
    await browser.graphql(SIGN_IN, { k: stack.stub.addAccount().key });
    stack.stub.clearRequests();
    const response = await browser.get<{ errors?: Array<{ extensions?: { code?: unknown } }> }>(`/graphql?query=${encodeURIComponent(query)}`, { headers });
    return { status: response.status, code: response.body.errors?.[0]?.extensions?.code, openRouterAsked: stack.stub.requests.some((request) => request.path.endsWith("/models")) };
  }

  for (const [what, headers] of [
    ["an <img src> on another site (no-cors)", { "sec-fetch-site": "cross-site", "sec-fetch-mode": "no-cors", "sec-fetch-dest": "image" }],
    ["a link or form on another site (navigate)", { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document" }],
    ["a no-cors fetch from another subdomain of the same site", { "sec-fetch-site": "same-site", "sec-fetch-mode": "no-cors" }],
    ["a CORS fetch from an origin that is not allowed", { "sec-fetch-site": "cross-site", "sec-fetch-mode": "cors", origin: "https://evil.example" }],
    ["an older browser's request from an origin that is not allowed", { origin: "https://evil.example" }],
  ] as const) {
    it(`does not run a query with the user's cookie for ${what}`, async () => {
      const result = await getAs(headers);
      assert.equal(result.status, 403);
      assert.equal(result.code, "FORBIDDEN_ORIGIN");
      assert.equal(result.openRouterAsked, false, "the query did not run");
    });
  }

  for (const [what, headers] of [
    ["a CORS fetch from an allowed origin", { "sec-fetch-site": "cross-site", "sec-fetch-mode": "cors", origin: HOST_ORIGIN }],
    ["a page on the gateway's own origin", { "sec-fetch-site": "same-origin", "sec-fetch-mode": "cors" }],
    ["a client that is not a browser (no Fetch Metadata, no Origin)", {}],
  ] as const) {
    it(`runs a query over GET for ${what}`, async () => {
      const result = await getAs(headers);
      assert.equal(result.status, 200);
      assert.equal(result.openRouterAsked, true);
    });
  }
});

describe("the REST user-info path, which may ask OpenRouter and write the session", () => {
  it("does not refresh a user's key information for a request another site caused without CORS, and does for the user's own", async () => {
    const browser = new HttpClient(stack.gatewayUrl);
    await browser.graphql(SIGN_IN, { k: stack.stub.addAccount().key });
    // Past USER_INFO_MAX_AGE_SECONDS, user-info asks OpenRouter again.
    stack.gateway.clock.advance(3_600_000);
    stack.stub.clearRequests();
    const forged = await browser.get<{ code?: unknown }>("/api/v1/openrouter/auth/user-info", { headers: { "sec-fetch-site": "cross-site", "sec-fetch-mode": "no-cors", "sec-fetch-dest": "image" } });
    assert.equal(forged.status, 403);
    assert.equal(forged.body.code, "FORBIDDEN_ORIGIN");
    assert.equal(stack.stub.requests.length, 0, "OpenRouter was not asked");

    const own = await browser.get<{ user?: unknown }>("/api/v1/openrouter/auth/user-info", { headers: { "sec-fetch-site": "same-origin", "sec-fetch-mode": "cors" } });
    assert.equal(own.status, 200);
    assert.ok(stack.stub.requests.some((request) => request.path.endsWith("/key")), "OpenRouter was asked");
  });
});

describe("the GraphQL-over-HTTP audit (graphql-http's serverAudits)", () => {
  it("passes with no error; its only warnings are the three 400s this gateway chooses for requests that never ran", async () => {
    const warnings: string[] = [];
    for (const audit of serverAudits({ url: graphqlUrl })) {
      const result = await audit.fn();
      assert.notEqual(result.status, "error", `${audit.id} ${audit.name}: ${result.status === "ok" ? "" : result.reason}`);
      if (result.status === "warn") warnings.push(audit.id);
    }
    // 400 rather than 200 for parse, validation and coercion failures under application/json:
    // see the README's GraphQL section.
    assert.deepEqual(warnings.sort(), ["572B", "7B9B", "FDE2"]);
  });
});
