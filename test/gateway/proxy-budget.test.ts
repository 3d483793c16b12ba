import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { after, afterEach, before, describe, it } from "node:test";
import { Redis } from "ioredis";
import { accountIdOf } from "../../gateway/proxy/account-id.js";
import { READ_AHEAD_MAX_AGE_MS } from "../../gateway/proxy/budget-read-ahead.js";
import { KEY_PREFIX, SESSION_KEY_PREFIX } from "../../gateway/session/session-store.js";
import { TEST_SECRETS, startTestStack, type TestStack } from "../support/gateway.js";
import type { HttpClient } from "../support/http-client.js";
import { PROXY, assertProxyError, parseEvents, proxyFetch, signedIn, upstreamCalls } from "../support/proxy.js";
import { waitFor } from "../support/wait-for.js";

const QUESTION = { model: "openai/gpt-4o", messages: [{ role: "user", content: "Say hello" }] };
/** gpt-4o's completion price on the stand-in, in credits per token. */
const GPT_4O_COMPLETION = 0.00001;
const BUDGET = "query { proxyBudget { spent limit resetsAt } }";
const accountId = accountIdOf(TEST_SECRETS.SESSION_SECRET);

/** Two amounts of credits that differ only by float rounding. */
function assertCredits(actual: number, expected: number, message?: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-9, `${message ?? "credits"}: ${actual} is not ${expected}`);
}

describe("the proxy's spend budget", () => {
  let stack: TestStack;

  before(async () => {
    // A Redis of its own: one test pauses it.
    stack = await startTestStack({ privateRedis: true });
  });
  afterEach(async () => {
    stack.stub.setChatPace({});
    await stack.closeOthers();
  });
  after(() => stack.close());

  const tallyKey = (key: string) => `${KEY_PREFIX}proxy:spend:${accountId(key)}`;
  async function tally(key: string): Promise<number> {
    return Number((await stack.redis.command("GET", tallyKey(key))) || 0);
  }

  /** Asks one completion and waits until its cost is in the tally; returns the cost. */
  async function completion(url: string, browser: HttpClient, key: string): Promise<number> {
    const before = await tally(key);
    const response = await proxyFetch(url, browser, "/chat/completions", { body: QUESTION });
    assert.equal(response.status, 200);
    const { usage } = await response.json();
    await waitFor(async () => (await tally(key)) > before);
    assertCredits(await tally(key), before + usage.cost, "the tally grew by the answer's usage.cost");
    return usage.cost as number;
  }

  it("refuses the next request with 429 SPEND_LIMIT_REACHED and Retry-After once a run of completions crosses PROXY_SPEND_LIMIT, before any upstream call", async () => {
    const gateway = await stack.startAnother({ PROXY_SPEND_LIMIT: "0.0001", PROXY_SPEND_WINDOW_SECONDS: "3600" });
    const { key } = stack.stub.addAccount();
    const browser = await signedIn(gateway.url, key);
    let spent = 0;
    let answered = 0;
    // Each answer costs 0.000035 credits on the stand-in: the third crosses 0.0001.
    while (spent < 0.0001 && answered < 10) {
      spent += await completion(gateway.url, browser, key);
      answered++;
    }
    assert.equal(answered, 3);
    const calls = stack.stub.requests.length;
    const refused = await proxyFetch(gateway.url, browser, "/chat/completions", { body: { ...QUESTION, stream: true } });
    const retryAfter = Number(refused.headers.get("retry-after"));
    assert.ok(retryAfter > 0 && retryAfter <= 3600, `Retry-After ${retryAfter}`);
    await assertProxyError(refused, 429, "SPEND_LIMIT_REACHED");
    for (const [path, body] of [
      ["/completions", { model: "openai/gpt-4o", prompt: "Hi" }],
      ["/responses", { model: "openai/gpt-4o", input: "Hi" }],
      ["/embeddings", { model: "openai/text-embedding-3-small", input: "Hi" }],
    ] as const) {
      await assertProxyError(await proxyFetch(gateway.url, browser, path, { body }), 429, "SPEND_LIMIT_REACHED");
    }
    assert.equal(stack.stub.requests.length, calls, "nothing went upstream");
    // What costs nothing is still served.
    assert.equal((await proxyFetch(gateway.url, browser, "/models")).status, 200);
  });

  it("lets a request already running finish, and counts its cost, once others used the budget", async () => {
    const gateway = await stack.startAnother({ PROXY_SPEND_LIMIT: "0.00005" });
    const { key } = stack.stub.addAccount();
    const browser = await signedIn(gateway.url, key);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    stack.stub.setChatPace({ chunks: 2, intervalMs: 0, beforeChunk: () => held });
    const running = await proxyFetch(gateway.url, browser, "/chat/completions", { body: { ...QUESTION, stream: true } });
    assert.equal(running.status, 200);
    stack.stub.setChatPace({});
    // Another session of the same account spends the budget meanwhile.
    const other = await signedIn(gateway.url, key);
    const first = await completion(gateway.url, other, key);
    const second = await completion(gateway.url, other, key);
    await assertProxyError(await proxyFetch(gateway.url, other, "/chat/completions", { body: QUESTION }), 429, "SPEND_LIMIT_REACHED");
    release();
    const events = parseEvents(await running.text());
    assert.equal(events.at(-1)!.data, "[DONE]");
    const cost = JSON.parse(events.at(-2)!.data).usage.cost as number;
    await waitFor(async () => Math.abs((await tally(key)) - (first + second + cost)) < 1e-9);
  });

  /** Two instances on one Redis with a budget of 0.00005 (an answer costs 0.000035), and a session of one new account on each. */
  async function oneAccountOnTwoInstances() {
    const env = { PROXY_SPEND_LIMIT: "0.00005" };
    const first = await stack.startAnother(env);
    const second = await stack.startAnother(env);
    const { key } = stack.stub.addAccount();
    return { first, second, key, one: await signedIn(first.url, key), two: await signedIn(second.url, key) };
  }

  it("is counted per OpenRouter account: shared by two sessions with the same key on two instances, while another key has its own", async () => {
    const { first, second, key, one, two } = await oneAccountOnTwoInstances();
    await completion(first.url, one, key);
    await completion(second.url, two, key);
    await assertProxyError(await proxyFetch(first.url, one, "/chat/completions", { body: QUESTION }), 429, "SPEND_LIMIT_REACHED");
    await assertProxyError(await proxyFetch(second.url, two, "/chat/completions", { body: QUESTION }), 429, "SPEND_LIMIT_REACHED");
    const fresh = stack.stub.addAccount().key;
    assert.equal((await proxyFetch(second.url, await signedIn(second.url, fresh), "/chat/completions", { body: QUESTION })).status, 200);
    // Tallied under the key's HMAC, never the key.
    assert.equal(await stack.redis.command("EXISTS", `${KEY_PREFIX}proxy:spend:${key}`), "0");
  });

  it("refuses a request sent as soon as the answer before it ended, its tally read together with that answer's cost, with another instance's spend in it", async () => {
    const { first, second, key, one, two } = await oneAccountOnTwoInstances();
    // Each answer costs 0.000035: the other instance's leaves the budget open, this one's closes it.
    await completion(second.url, two, key);
    const answered = await proxyFetch(first.url, one, "/chat/completions", { body: QUESTION });
    assert.equal(answered.status, 200);
    await answered.json();
    // Sent at once, not waiting for the cost to reach Redis: the tally this request reads
    // includes it, whether it went with this read or on its own.
    await assertProxyError(await proxyFetch(first.url, one, "/chat/completions", { body: QUESTION }), 429, "SPEND_LIMIT_REACHED");
    await waitFor(async () => (await tally(key)) > 0.00006);
  });

  it("counts a stream cut before its usage arrived at the most it could have cost: its max_tokens at the model's completion price", async () => {
    const gateway = await stack.startAnother({ PROXY_SPEND_LIMIT: "100" });
    const { key } = stack.stub.addAccount();
    const browser = await signedIn(gateway.url, key);
    const cut = async (body: Record<string, unknown>) => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      stack.stub.setChatPace({ chunks: 3, intervalMs: 0, beforeChunk: () => held });
      const controller = new AbortController();
      try {
        const response = await proxyFetch(gateway.url, browser, "/chat/completions", { body: { ...body, stream: true }, signal: controller.signal });
        await response.body!.getReader().read();
        controller.abort();
        await waitFor(() => upstreamCalls(stack, "/chat/completions").at(-1)!.aborted);
      } finally {
        release();
      }
    };
    await cut({ ...QUESTION, max_tokens: 100 });
    await waitFor(async () => (await tally(key)) > 0);
    assertCredits(await tally(key), 100 * GPT_4O_COMPLETION);
    // Asking for no limit, the model's whole context could have been the answer.
    await cut(QUESTION);
    await waitFor(async () => (await tally(key)) > 100 * GPT_4O_COMPLETION);
    assertCredits(await tally(key), 100 * GPT_4O_COMPLETION + 128_000 * GPT_4O_COMPLETION);
  });

  it("starts again when the window ends", async () => {
    const gateway = await stack.startAnother({ PROXY_SPEND_LIMIT: "0.00003", PROXY_SPEND_WINDOW_SECONDS: "600" });
    const { key } = stack.stub.addAccount();
    const browser = await signedIn(gateway.url, key);
    await completion(gateway.url, browser, key);
    const pttl = Number(await stack.redis.command("PTTL", tallyKey(key)));
    assert.ok(pttl > 590_000 && pttl <= 600_000, `the window is PROXY_SPEND_WINDOW_SECONDS long (PTTL ${pttl})`);
    await assertProxyError(await proxyFetch(gateway.url, browser, "/chat/completions", { body: QUESTION }), 429, "SPEND_LIMIT_REACHED");
    // The window's end, without waiting ten minutes: Redis expires the tally now.
    await stack.redis.command("PEXPIRE", tallyKey(key), "1");
    await waitFor(async () => (await stack.redis.command("EXISTS", tallyKey(key))) === "0");
    const cost = await completion(gateway.url, browser, key);
    assertCredits(await tally(key), cost);
  });

  it("is kept in the process when there is no Redis", async () => {
    const gateway = await stack.startAnother({ REDIS_URL: undefined, PROXY_SPEND_LIMIT: "0.00005" });
    const browser = await signedIn(gateway.url, stack.stub.addAccount().key);
    const spent = async () => ((await browser.graphql(BUDGET)).body as { data: { proxyBudget: { spent: number } } }).data.proxyBudget.spent;
    let total = 0;
    for (let answered = 0; answered < 2; answered++) {
      const { usage } = await (await proxyFetch(gateway.url, browser, "/chat/completions", { body: QUESTION })).json();
      total += usage.cost;
      await waitFor(async () => Math.abs((await spent()) - total) < 1e-9);
    }
    await assertProxyError(await proxyFetch(gateway.url, browser, "/chat/completions", { body: QUESTION }), 429, "SPEND_LIMIT_REACHED");
  });

  describe("what the page can read of it", () => {
    it("proxyBudget and GET /api/v1/openrouter/proxy-budget agree with the tally in Redis", async () => {
      const gateway = await stack.startAnother({ PROXY_SPEND_LIMIT: "2.5", PROXY_SPEND_WINDOW_SECONDS: "3600" });
      const { key } = stack.stub.addAccount();
      const browser = await signedIn(gateway.url, key);
      assert.deepEqual((await browser.graphql(BUDGET)).body.data, { proxyBudget: { spent: 0, limit: 2.5, resetsAt: null } });

      const cost = (await completion(gateway.url, browser, key)) + (await completion(gateway.url, browser, key));
      const pttl = Number(await stack.redis.command("PTTL", tallyKey(key)));
      const { proxyBudget } = (await browser.graphql(BUDGET)).body.data;
      assertCredits(proxyBudget.spent, await tally(key));
      assertCredits(proxyBudget.spent, cost);
      assert.equal(proxyBudget.limit, 2.5);
      const resetsIn = Date.parse(proxyBudget.resetsAt) - Date.now();
      assert.ok(Math.abs(resetsIn - pttl) < 5_000, `resetsAt is when Redis expires the tally (${resetsIn} ms vs PTTL ${pttl})`);

      const rest = await browser.get("/api/v1/openrouter/proxy-budget");
      assert.equal(rest.status, 200);
      const { budget } = rest.body as { budget: { spent: number; limit: number; resets_at: string } };
      assert.deepEqual(Object.keys(budget).sort(), ["limit", "resets_at", "spent"]);
      assert.equal(budget.spent, proxyBudget.spent);
      assert.equal(budget.limit, 2.5);
      assert.ok(Math.abs(Date.parse(budget.resets_at) - Date.parse(proxyBudget.resetsAt)) < 5_000);
    });

    it("is null without PROXY_SPEND_LIMIT, and UNAUTHENTICATED when signed out", async () => {
      const browser = await signedIn(stack.gatewayUrl, stack.stub.testKeys.valid);
      assert.deepEqual((await browser.graphql(BUDGET)).body.data, { proxyBudget: null });
      assert.deepEqual((await browser.get("/api/v1/openrouter/proxy-budget")).body, { budget: null });
      await browser.graphql("mutation { logout { authenticated } }");
      assert.equal((await browser.graphql(BUDGET)).body.errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
      const rest = await browser.get("/api/v1/openrouter/proxy-budget");
      assert.equal(rest.status, 401);
      assert.equal((rest.body as { code: string }).code, "UNAUTHENTICATED");
    });
  });

  describe("read with the session", () => {
    /** What Redis ran while `run` ran, in order (MONITOR): the key of each GET (the session's read), and of each script (the tally's). */
    async function keysRead(run: () => Promise<void>): Promise<string[]> {
      const client = new Redis(stack.redis.url);
      const monitor = await client.monitor();
      const keys: string[] = [];
      monitor.on("monitor", (_time: string, args: string[]) => {
        const name = args[0]?.toLowerCase();
        if (name === "get" || name === "evalsha" || name === "eval") keys.push(`${name === "get" ? "get" : "script"} ${name === "get" ? args[1]! : args[3]!}`);
      });
      try {
        await run();
      } finally {
        monitor.disconnect();
        client.disconnect();
      }
      return keys;
    }

    it("asks for the tally together with the session once the session has spent through this gateway, and after it the first time", async () => {
      const gateway = await stack.startAnother({ PROXY_SPEND_LIMIT: "100" });
      const { key } = stack.stub.addAccount();
      const browser = await signedIn(gateway.url, key);
      const sessionKey = `${SESSION_KEY_PREFIX}${decodeURIComponent(browser.cookies.get("openrouter-auth.sid")!).replace(/^s:/, "").replace(/\.[^.]*$/, "")}`;
      const order = async () => {
        const before = await tally(key);
        const keys = await keysRead(async () => {
          assert.equal((await proxyFetch(gateway.url, browser, "/chat/completions", { body: QUESTION })).status, 200);
          // Its cost counted too, before the next one.
          await waitFor(async () => (await tally(key)) > before);
        });
        // The test's own reads of the tally are GETs; the gateway's are its scripts.
        return keys.filter((read) => read === `get ${sessionKey}` || read === `script ${tallyKey(key)}`).slice(0, 2);
      };
      const [session, tallyRead] = [`get ${sessionKey}`, `script ${tallyKey(key)}`];
      assert.deepEqual(await order(), [session, tallyRead], "the first time: the account is known once the session is read");
      assert.deepEqual(await order(), [tallyRead, session], "then: the tally is asked for as the request arrives, with the session");
    });

    it("reads the tally again when the request took long to arrive whole: a budget used meanwhile refuses it", async () => {
      const gateway = await stack.startAnother({ PROXY_SPEND_LIMIT: "0.00005" });
      const { key } = stack.stub.addAccount();
      const slow = await signedIn(gateway.url, key);
      await completion(gateway.url, slow, key);
      const tallyReads = async () => Number(/cmdstat_evalsha:calls=(\d+)/.exec(await stack.redis.command("INFO", "commandstats"))?.[1] ?? 0);
      const readsBefore = await tallyReads();

      // The request's head, and half its body: its session and its tally are read as it arrives.
      const body = JSON.stringify(QUESTION);
      let sendRest!: () => void;
      const stream = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(new TextEncoder().encode(body.slice(0, 10)));
          await new Promise<void>((resolve) => (sendRest = resolve));
          controller.enqueue(new TextEncoder().encode(body.slice(10)));
          controller.close();
        },
      });
      const calls = upstreamCalls(stack, "/chat/completions").length;
      const answer = fetch(`${gateway.url}${PROXY}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie: slow.cookieHeader() },
        body: stream,
        duplex: "half",
        signal: AbortSignal.timeout(15_000),
      } as RequestInit);
      await waitFor(async () => (await tallyReads()) > readsBefore);

      // Another session of the account uses the budget up while the body is on its way.
      await completion(gateway.url, await signedIn(gateway.url, key), key);
      await sleep(2 * READ_AHEAD_MAX_AGE_MS);
      sendRest();
      await assertProxyError(await answer, 429, "SPEND_LIMIT_REACHED");
      assert.equal(upstreamCalls(stack, "/chat/completions").length, calls + 1, "only the other session's completion went upstream");
    });
  });

  describe("a client that leaves while its limits are asked of Redis", () => {
    it("gives back the place it took: the count of running requests returns to 0", async () => {
      const gateway = await stack.startAnother({ PROXY_RATE_LIMIT: "100", PROXY_MAX_CONCURRENT_STREAMS: "1" });
      const { key } = stack.stub.addAccount();
      const browser = await signedIn(gateway.url, key);
      const streamsKey = `${KEY_PREFIX}proxy:streams:${accountId(key)}`;
      const rateKey = `${KEY_PREFIX}proxy:rate:${accountId(key)}`;
      // Scripts wait while Redis is paused for writes; reads (the session) go on.
      await stack.redis.command("CLIENT", "PAUSE", "10000", "WRITE");
      const controller = new AbortController();
      try {
        const asking = proxyFetch(gateway.url, browser, "/chat/completions", { body: QUESTION, signal: controller.signal }).catch(() => undefined);
        await waitFor(async () => /flags=b .*cmd=eval/.test(await stack.redis.command("CLIENT", "LIST")));
        controller.abort();
        await asking;
      } finally {
        await stack.redis.command("CLIENT", "UNPAUSE");
      }
      // The limits were asked: counted, and a place taken, then given back.
      await waitFor(async () => (await stack.redis.command("GET", rateKey)) === "1");
      await waitFor(async () => (await stack.redis.command("ZCARD", streamsKey)) === "0");
      assert.equal(upstreamCalls(stack, "/chat/completions").filter((call) => call.bearer === key).length, 0, "nothing went upstream");
      assert.equal((await proxyFetch(gateway.url, browser, "/chat/completions", { body: QUESTION })).status, 200, "the place is free");
    });
  });
});
