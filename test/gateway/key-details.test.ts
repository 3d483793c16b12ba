import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { FernetKeyring } from "../../gateway/crypto/fernet.js";
import { SESSION_KEY_PREFIX } from "../../gateway/session/session-store.js";
import { HttpClient } from "../support/http-client.js";
import { startTestStack, TEST_SECRETS, type TestStack } from "../support/gateway.js";

const DETAILS = "limitReset keyExpiresAt usageDaily usageWeekly usageMonthly";
const VALIDATE = "mutation($apiKey: String!) { validateKey(apiKey: $apiKey) { valid } }";
const REST = "/api/v1/openrouter/auth";

let stack: TestStack;
before(async () => {
  // USER_INFO_MAX_AGE_SECONDS=0: userInfo reads OpenRouter again on every call.
  stack = await startTestStack({ env: { USER_INFO_MAX_AGE_SECONDS: "0" } });
});
after(async () => {
  await stack.close();
});
beforeEach(async () => {
  await stack.redis.flushAll();
});

async function signedIn(apiKey: string): Promise<HttpClient> {
  const browser = new HttpClient(stack.gatewayUrl);
  const response = await browser.graphql(VALIDATE, { apiKey });
  assert.equal(response.body.data?.validateKey.valid, true, JSON.stringify(response.body.errors));
  return browser;
}

describe("key details from OpenRouter's GET /key", () => {
  it("are on status and userInfo in GraphQL, as OpenRouter gave them", async () => {
    const account = stack.stub.addAccount({
      limit: 20, usage: 7, limitReset: "weekly", expiresAt: "2031-05-04T12:00:00Z", usageDaily: 1.25, usageWeekly: 3, usageMonthly: 6.5,
    });
    const browser = await signedIn(account.key);
    const expected = { limitReset: "weekly", keyExpiresAt: "2031-05-04T12:00:00.000Z", usageDaily: 1.25, usageWeekly: 3, usageMonthly: 6.5 };

    const status = await browser.graphql(`{ status { user { ${DETAILS} } } }`);
    assert.deepEqual(status.body.data.status.user, expected);
    const info = await browser.graphql(`{ userInfo { limit limitRemaining ${DETAILS} } }`);
    assert.deepEqual(info.body.data.userInfo, { limit: 20, limitRemaining: 13, ...expected });

    // Read again from OpenRouter: today's spending moved on.
    account.usageDaily = 2;
    assert.equal((await browser.graphql("{ userInfo { usageDaily } }")).body.data.userInfo.usageDaily, 2);
  });

  it("are on status and user-info in REST, in snake_case", async () => {
    const account = stack.stub.addAccount({ limit: 10, usage: 1, limitReset: "daily", expiresAt: "2030-01-01T00:00:00Z", usageDaily: 1, usageWeekly: 1, usageMonthly: 1 });
    const browser = await signedIn(account.key);
    const expected = { limit_reset: "daily", key_expires_at: "2030-01-01T00:00:00.000Z", usage_daily: 1, usage_weekly: 1, usage_monthly: 1 };
    for (const path of ["/status", "/user-info"]) {
      const user = (await browser.get<{ user: Record<string, unknown> }>(`${REST}${path}`)).body.user;
      assert.deepEqual(
        Object.fromEntries(Object.keys(expected).map((field) => [field, user[field]])),
        expected,
        path,
      );
    }
  });

  it("are null for a key without a limit reset or an expiry", async () => {
    const browser = await signedIn(stack.stub.testKeys.unlimited);
    const user = (await browser.graphql(`{ userInfo { ${DETAILS} } }`)).body.data.userInfo;
    assert.deepEqual(user, { limitReset: null, keyExpiresAt: null, usageDaily: 0, usageWeekly: 0, usageMonthly: 0 });
  });

  it("are null when OpenRouter leaves them out or sends something else, and the sign-in still works", async () => {
    const account = stack.stub.addAccount({ limit: 5, usage: 1, limitReset: undefined, expiresAt: undefined, usageDaily: undefined, usageWeekly: undefined, usageMonthly: undefined });
    const browser = await signedIn(account.key);
    const nulls = { limitReset: null, keyExpiresAt: null, usageDaily: null, usageWeekly: null, usageMonthly: null };
    assert.deepEqual((await browser.graphql(`{ userInfo { ${DETAILS} } }`)).body.data.userInfo, nulls);

    Object.assign(account, { limitReset: "every full moon, roughly", expiresAt: "soon", usageDaily: "1" as unknown as number });
    assert.deepEqual((await browser.graphql(`{ userInfo { usage ${DETAILS} } }`)).body.data.userInfo, { usage: 1, ...nulls });
    const rest = (await browser.get<{ user: Record<string, unknown> }>(`${REST}/user-info`)).body.user;
    assert.deepEqual([rest.limit_reset, rest.key_expires_at, rest.usage_daily, rest.usage_weekly, rest.usage_monthly], [null, null, null, null, null]);
  });

  it("read as null from a session stored before the gateway kept them", async () => {
    const account = stack.stub.addAccount({ limit: 20, usage: 7, limitReset: "weekly", expiresAt: "2031-05-04T12:00:00Z" });
    const browser = await signedIn(account.key);
    // The record as an older gateway wrote it: the user without the details.
    const [key] = (await stack.redis.command("--scan", "--pattern", `${SESSION_KEY_PREFIX}*`)).split("\n").filter((line) => line !== "");
    const keyring = FernetKeyring.fromString(TEST_SECRETS.OPENROUTER_ENCRYPTION_KEY);
    const record = JSON.parse(keyring.decrypt(await stack.redis.command("GET", key!)));
    for (const field of ["limitReset", "keyExpiresAt", "usageDaily", "usageWeekly", "usageMonthly"]) delete record.auth.user[field];
    const ttl = await stack.redis.command("TTL", key!);
    await stack.redis.command("SET", key!, keyring.encrypt(JSON.stringify(record)), "EX", ttl);

    const status = await browser.graphql(`{ status { authenticated user { label usage ${DETAILS} } } }`);
    assert.equal(status.body.errors, undefined, JSON.stringify(status.body.errors));
    assert.deepEqual(status.body.data.status, {
      authenticated: true,
      user: { label: account.label, usage: 7, limitReset: null, keyExpiresAt: null, usageDaily: null, usageWeekly: null, usageMonthly: null },
    });
    const rest = (await browser.get<{ user: Record<string, unknown> }>(`${REST}/status`)).body.user;
    assert.deepEqual([rest.limit_reset, rest.key_expires_at, rest.usage_daily], [null, null, null]);
  });
});
