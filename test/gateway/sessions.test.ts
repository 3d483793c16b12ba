import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { FernetKeyring } from "../../gateway/crypto/fernet.js";
import { sign } from "cookie-signature";
import { SESSION_KEY_PREFIX } from "../../gateway/session/session-store.js";
import { HttpClient } from "../support/http-client.js";
import { sessionRecordKeys } from "../support/session-keys.js";
import { startGateway, startTestStack, TEST_SECRETS, type TestStack } from "../support/gateway.js";

const STATUS = "{ status { authenticated method user { label } } }";
const VALIDATE = "mutation($apiKey: String!) { validateKey(apiKey: $apiKey) { valid } }";
const COOKIE = "openrouter-auth.sid";
const keyring = FernetKeyring.fromString(TEST_SECRETS.OPENROUTER_ENCRYPTION_KEY);

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ env: { SESSION_TTL_SECONDS: "3600", SESSION_MAX_AGE_SECONDS: "7200" } });
});
after(async () => {
  await stack.close();
});
beforeEach(async () => {
  await stack.redis.flushAll();
});

async function signedInClient(url = stack.gatewayUrl): Promise<HttpClient> {
  const browser = new HttpClient(url);
  const response = await browser.graphql(VALIDATE, { apiKey: stack.stub.testKeys.valid });
  assert.equal(response.body.data?.validateKey.valid, true);
  return browser;
}

/** The session id inside a signed cookie value `s:<id>.<signature>`. */
const sessionIdOf = (cookie: string) => decodeURIComponent(cookie).replace(/^s:/, "").replace(/\.[^.]*$/, "");

const sessionKeys = () => sessionRecordKeys(stack.redis);

/** Calls per Redis command so far (INFO commandstats), by lower-case name. */
async function commandCalls(): Promise<Map<string, number>> {
  const info = await stack.redis.command("INFO", "commandstats");
  return new Map([...info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map((match) => [match[1]!, Number(match[2])]));
}

const isAuthenticated = async (browser: HttpClient) => (await browser.graphql(STATUS)).body.data.status.authenticated as boolean;

describe("the session cookie", () => {
  it("is HttpOnly, SameSite=Lax, Path=/ and signed, with an expiry, on a development gateway", async () => {
    const browser = new HttpClient(stack.gatewayUrl);
    const response = await browser.graphql(VALIDATE, { apiKey: stack.stub.testKeys.valid });
    const cookie = response.setCookies.find((line) => line.startsWith(`${COOKIE}=`));
    assert.ok(cookie, "a session cookie is set on sign-in");
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Lax/);
    assert.match(cookie, /; Path=\//);
    assert.match(cookie, /; Expires=/);
    assert.doesNotMatch(cookie, /; Secure/);
    assert.match(decodeURIComponent(cookie.split(";")[0]!), /^openrouter-auth\.sid=s:[^.]+\.[A-Za-z0-9+/=_-]+$/);
  });

  it("is Secure and named __Host- when COOKIE_SECURE=true, also behind a proxy that terminates TLS", async () => {
    const gateway = await startGateway({ ...stack.env, COOKIE_SECURE: "true", TRUST_PROXY: "loopback" });
    try {
      const browser = new HttpClient(gateway.url, { headers: { "x-forwarded-proto": "https" } });
      const response = await browser.graphql(VALIDATE, { apiKey: stack.stub.testKeys.valid });
      const cookie = response.setCookies.find((line) => line.startsWith("__Host-openrouter-auth.sid="));
      assert.ok(cookie, `a __Host- cookie is set (got ${response.setCookies.join(" | ")})`);
      assert.match(cookie, /; Secure/);
      assert.match(cookie, /; Path=\//);
      assert.doesNotMatch(cookie, /; Domain=/i);
    } finally {
      await gateway.close();
    }
  });

  it("is never sent without Secure when COOKIE_SECURE=true, even to a request over plain HTTP", async () => {
    const gateway = await startGateway({ ...stack.env, COOKIE_SECURE: "true" });
    try {
      const browser = new HttpClient(gateway.url);
      const sent: string[] = [];
      const keep = async (response: Promise<{ setCookies: string[] }>) => sent.push(...(await response).setCookies);
      await keep(browser.graphql(VALIDATE, { apiKey: stack.stub.testKeys.valid }));
      await keep(browser.post("/api/v1/openrouter/auth/validate-key", { api_key: stack.stub.testKeys.valid }));
      await keep(browser.graphql("mutation { initiateOAuth { authUrl } }"));
      await keep(browser.post("/api/v1/openrouter/auth/oauth/initiate", {}));
      await keep(browser.graphql(STATUS));
      await keep(browser.graphql("mutation { logout { authenticated } }"));
      for (const line of sent.filter((cookie) => cookie.includes("openrouter-auth.sid="))) {
        assert.match(line, /; Secure/, line);
        assert.match(line, /^__Host-/, line);
      }
    } finally {
      await gateway.close();
    }
  });

  it("is Secure whenever the request came over HTTPS, even where Secure is not required", async () => {
    const gateway = await startGateway({ ...stack.env, TRUST_PROXY: "loopback" });
    try {
      const browser = new HttpClient(gateway.url, { headers: { "x-forwarded-proto": "https" } });
      const response = await browser.graphql(VALIDATE, { apiKey: stack.stub.testKeys.valid });
      const cookie = response.setCookies.find((line) => line.startsWith(`${COOKIE}=`));
      assert.ok(cookie);
      assert.match(cookie, /; Secure/);
    } finally {
      await gateway.close();
    }
  });

  it("is SameSite=None; Secure; Partitioned for a gateway embedded across sites", async () => {
    const gateway = await startGateway({ ...stack.env, COOKIE_SAMESITE: "none", COOKIE_PARTITIONED: "true", TRUST_PROXY: "loopback" });
    try {
      const browser = new HttpClient(gateway.url, { headers: { "x-forwarded-proto": "https" } });
      const response = await browser.graphql(VALIDATE, { apiKey: stack.stub.testKeys.valid });
      const cookie = response.setCookies.find((line) => line.includes("openrouter-auth.sid="));
      assert.ok(cookie);
      assert.match(cookie, /; SameSite=None/);
      assert.match(cookie, /; Secure/);
      assert.match(cookie, /; Partitioned/);
    } finally {
      await gateway.close();
    }
  });

  it("keeps every attribute when a stored session is changed later, though the record leaves them out", async () => {
    const gateway = await startGateway({ ...stack.env, COOKIE_SAMESITE: "none", COOKIE_PARTITIONED: "true", TRUST_PROXY: "loopback" });
    try {
      const browser = new HttpClient(gateway.url, { headers: { "x-forwarded-proto": "https" } });
      await browser.graphql(VALIDATE, { apiKey: stack.stub.testKeys.valid });
      // Starting a sign-in changes the stored session: express-session writes it back and re-sends
      // the cookie with the attributes of the record it read.
      const changed = await browser.graphql("mutation { initiateOAuth { state } }");
      assert.equal(changed.body.errors, undefined, JSON.stringify(changed.body.errors));
      const cookie = changed.setCookies.find((line) => line.includes("openrouter-auth.sid="));
      assert.ok(cookie, "the cookie is re-sent with the changed session");
      for (const attribute of [/; HttpOnly/, /; Path=\//, /; SameSite=None/, /; Secure/, /; Partitioned/]) assert.match(cookie, attribute);
    } finally {
      await gateway.close();
    }
  });

  it("is not set, and Redis is not touched, for a caller who never signs in", async () => {
    const browser = new HttpClient(stack.gatewayUrl);
    for (let i = 0; i < 3; i++) {
      const response = await browser.graphql(STATUS);
      assert.equal(response.setCookies.length, 0);
    }
    await browser.get("/api/v1/openrouter/auth/status");
    assert.equal(await stack.redis.command("DBSIZE"), "0");
  });

  it("carries a new session id on every sign-in, and the old id no longer works", async () => {
    const browser = await signedInClient();
    const first = browser.cookies.get(COOKIE)!;
    const stolen = browser.clone();
    await browser.graphql(VALIDATE, { apiKey: stack.stub.testKeys.unlimited });
    const second = browser.cookies.get(COOKIE)!;
    assert.notEqual(sessionIdOf(second), sessionIdOf(first));
    assert.equal(await isAuthenticated(browser), true);
    assert.equal(await isAuthenticated(stolen), false, "the pre-login session id is dead");
    assert.deepEqual(await sessionKeys(), [`${SESSION_KEY_PREFIX}${sessionIdOf(second)}`]);
  });

  it("carries a new session id at sign-in over a session left with neither a key nor a pending sign-in", async () => {
    const browser = new HttpClient(stack.gatewayUrl);
    const flow = (await browser.graphql("mutation { initiateOAuth { state } }")).body.data.initiateOAuth as { state: string };
    const failed = await browser.graphql("mutation($c: String!, $s: String!) { completeOAuth(code: $c, state: $s) { authenticated } }", { c: "not-the-code", s: flow.state });
    assert.equal(failed.body.errors?.[0]?.extensions?.code, "OAUTH_EXCHANGE_FAILED", "the flow is spent: the record now holds nothing");
    const before = browser.cookies.get(COOKIE)!;
    const planted = browser.clone();
    await browser.graphql(VALIDATE, { apiKey: stack.stub.testKeys.valid });
    const after = browser.cookies.get(COOKIE)!;
    assert.notEqual(sessionIdOf(after), sessionIdOf(before), "sign-in moved to a new session id");
    assert.equal(await isAuthenticated(browser), true);
    assert.equal(await isAuthenticated(planted), false, "whoever knew the earlier id is not signed in");
  });

  describe("a signed cookie naming no usable record (one planted by someone who kept an old cookie)", () => {
    /** A browser holding a validly signed cookie for `id`, and in Redis, when given, this record for it. */
    async function planted(id: string, record?: object): Promise<HttpClient> {
      if (record !== undefined) await stack.redis.command("SET", `${SESSION_KEY_PREFIX}${id}`, keyring.encrypt(JSON.stringify(record)), "EX", "3600");
      const browser = new HttpClient(stack.gatewayUrl);
      browser.cookies.set(COOKIE, encodeURIComponent(`s:${sign(id, TEST_SECRETS.SESSION_SECRET)}`));
      return browser;
    }
    const emptyRecord = () => ({ cookie: { originalMaxAge: 3_600_000, expires: new Date(stack.gateway.clock.now() + 3_600_000).toISOString() } });

    const signIn = (browser: HttpClient) => browser.graphql(VALIDATE, { apiKey: stack.stub.testKeys.valid });
    const startOAuth = (browser: HttpClient) => browser.graphql("mutation { initiateOAuth { state } }");

    /** Plants a cookie (and record), has the browser do `action`, and checks the session it now holds is not the planted one. */
    async function assertFreshId(action: (browser: HttpClient) => Promise<{ body: { errors?: unknown } }>, record?: object): Promise<void> {
      const known = `planted-${Math.random().toString(36).slice(2)}`;
      const browser = await planted(known, record);
      const answer = await action(browser);
      assert.equal(answer.body.errors, undefined, JSON.stringify(answer.body.errors));
      const id = sessionIdOf(browser.cookies.get(COOKIE)!);
      assert.notEqual(id, known, "whoever planted the cookie does not know the new session's id");
      assert.ok((await sessionKeys()).includes(`${SESSION_KEY_PREFIX}${id}`), "the new session is stored under its own id");
      assert.equal(await isAuthenticated(await planted(known)), false, "the planted id holds no sign-in");
    }

    it("gets a fresh session id at sign-in and at the start of an OAuth sign-in when its record is missing (it expired, or was signed out)", async () => {
      await assertFreshId(signIn);
      await assertFreshId(startOAuth);
    });

    it("gets a fresh session id at sign-in when its record holds neither a key nor a pending sign-in", async () => {
      await assertFreshId(signIn, emptyRecord());
    });
  });

  it("comes with answers that no cache may keep", async () => {
    const browser = await signedInClient();
    const graphql = await browser.graphql(STATUS);
    const rest = await browser.get("/api/v1/openrouter/auth/status");
    const refused = await new HttpClient(stack.gatewayUrl).get("/api/v1/openrouter/auth/user-info");
    for (const response of [graphql, rest, refused]) {
      assert.equal(response.headers.get("cache-control"), "no-store");
      assert.equal(response.headers.get("etag"), null);
    }
    assert.equal(refused.status, 401);
  });

  it("in double quotes is read the same way by a request that only reads the session and by one that ends it", async () => {
    const browser = await signedInClient();
    const value = browser.cookies.get(COOKIE)!;
    const sentAs = (cookie: string) => {
      const other = new HttpClient(stack.gatewayUrl);
      other.cookies.set(COOKIE, cookie);
      return other;
    };
    // Quotes written as %22 are part of the value: no session, for reading or for signing out.
    const encodedQuotes = sentAs(`%22${value}%22`);
    assert.equal(await isAuthenticated(encodedQuotes), false);
    await encodedQuotes.graphql("mutation { logout { authenticated } }");
    assert.equal(await isAuthenticated(browser), true, "a cookie that reads as no session cannot end one");
    // Plain quotes around a value are not part of it (RFC 6265): the same session, for both.
    const quoted = sentAs(`"${value}"`);
    assert.equal(await isAuthenticated(quoted), true);
    await quoted.graphql("mutation { logout { authenticated } }");
    assert.equal(await isAuthenticated(browser), false);
  });

  it("that was tampered with reads as signed out, not as an error", async () => {
    const browser = await signedInClient();
    const value = browser.cookies.get(COOKIE)!;
    // Read once with the genuine cookie first: the gateway remembers verified cookie values, and
    // a near miss of one it remembers must not pass.
    assert.equal((await browser.graphql(STATUS)).body.data.status.authenticated, true);
    for (const tampered of [value.slice(0, -2) + "xx", value.slice(0, -1), `${value}x`, "s%3Aforged.signature", "garbage", "%E0%A4%A"]) {
      browser.cookies.set(COOKIE, tampered);
      const response = await browser.graphql(STATUS);
      assert.equal(response.status, 200);
      assert.equal(response.body.data.status.authenticated, false, `${tampered} was accepted`);
    }
    browser.cookies.set(COOKIE, value);
    assert.equal((await browser.graphql(STATUS)).body.data.status.authenticated, true);
  });
});

describe("the session record in Redis", () => {
  it("has a TTL matching the idle timeout", async () => {
    const browser = await signedInClient();
    const key = `${SESSION_KEY_PREFIX}${sessionIdOf(browser.cookies.get(COOKIE)!)}`;
    const ttl = Number(await stack.redis.command("TTL", key));
    assert.ok(ttl > 3590 && ttl <= 3600, `TTL ${ttl} should be about SESSION_TTL_SECONDS (3600)`);
  });

  it("has its expiry pushed forward by activity, cookie and record together, at most once per renewal window", async () => {
    const browser = await signedInClient();
    const key = `${SESSION_KEY_PREFIX}${sessionIdOf(browser.cookies.get(COOKIE)!)}`;
    const quiet = await browser.graphql(STATUS);
    assert.equal(quiet.setCookies.length, 0, "just signed in: nothing to renew, no cookie re-sent");

    // The last renewal is now longer ago than the window (a tenth of the 3600 s idle timeout).
    await stack.redis.command("EXPIRE", key, "100");
    stack.gateway.clock.advance(361_000);

    const renewed = await browser.graphql(STATUS);
    const cookie = renewed.setCookies.find((line) => line.startsWith(`${COOKIE}=`));
    assert.ok(cookie, "the cookie is re-sent with the new expiry");
    const cookieExpiresIn = (Date.parse(/Expires=([^;]+)/.exec(cookie)![1]!) - stack.gateway.clock.now()) / 1000;
    const ttl = Number(await stack.redis.command("TTL", key));
    assert.ok(ttl > 3590, `TTL ${ttl} should be back to about 3600 after a request`);
    assert.ok(Math.abs(cookieExpiresIn - ttl) < 5, `cookie (${cookieExpiresIn} s) and record (${ttl} s) expire together`);
    assert.equal((await browser.graphql(STATUS)).setCookies.length, 0, "renewed once, not on every request");
  });

  for (const [name, env, cookieName] of [
    ["behind a TLS proxy", { TRUST_PROXY: "loopback" }, COOKIE],
    ["with COOKIE_SECURE=true behind a TLS proxy", { TRUST_PROXY: "loopback", COOKIE_SECURE: "true" }, `__Host-${COOKIE}`],
  ] as const) {
    it(`re-sends the cookie at renewal with Secure, like the sign-in cookie, ${name}`, async () => {
      const gateway = await startGateway({ ...stack.env, ...env }, { clock: stack.gateway.clock });
      try {
        const browser = new HttpClient(gateway.url, { headers: { "x-forwarded-proto": "https" } });
        const signIn = await browser.graphql(VALIDATE, { apiKey: stack.stub.testKeys.valid });
        assert.match(signIn.setCookies.find((line) => line.startsWith(`${cookieName}=`)) ?? "", /; Secure/, "the sign-in cookie is Secure");
        stack.gateway.clock.advance(361_000);
        const renewed = await browser.graphql(STATUS);
        const cookie = renewed.setCookies.find((line) => line.startsWith(`${cookieName}=`));
        assert.ok(cookie, `the cookie is re-sent at renewal (got ${renewed.setCookies.join(" | ")})`);
        for (const attribute of [/; Secure/, /; HttpOnly/, /; Path=\//, /; SameSite=Lax/]) assert.match(cookie, attribute);
      } finally {
        await gateway.close();
      }
    });
  }

  it("is read with one GET, and nothing written, when a signed-in user's status is asked", async () => {
    const browser = await signedInClient();
    const before = await commandCalls();
    for (let i = 0; i < 3; i++) {
      assert.equal(await isAuthenticated(browser), true);
      assert.equal((await browser.get("/api/v1/openrouter/auth/status")).status, 200);
    }
    const after = await commandCalls();
    const used = Object.fromEntries([...after].map(([name, calls]) => [name, calls - (before.get(name) ?? 0)]).filter(([name, calls]) => calls !== 0 && name !== "info"));
    assert.deepEqual(used, { get: 6 }, "one GET per status read, and no write, expiry or second read");
  });

  it("is written once by a sign-in", async () => {
    const before = await commandCalls();
    const response = await new HttpClient(stack.gatewayUrl).graphql(VALIDATE, { apiKey: stack.stub.testKeys.valid });
    assert.equal(response.body.data.validateKey.valid, true);
    const after = await commandCalls();
    const calls = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
    // One SET, the record's (commands a script runs count too); the attempt counter only counts.
    assert.equal(calls("set"), 1);
    assert.equal(calls("incr"), 1);
  });

  it("is one Fernet token holding no key, label or other field in the clear", async () => {
    await signedInClient();
    const keys = await sessionKeys();
    assert.equal(keys.length, 1);
    const value = await stack.redis.command("GET", keys[0]!);
    assert.match(value, /^gAAAAA[A-Za-z0-9_-]+=*$/, "a Fernet token");
    const account = stack.stub.account(stack.stub.testKeys.valid)!;
    for (const secret of [account.key, account.key.slice(9, 30), account.label, "apiKey", "signedInAt", "API_KEY", "cookie"]) {
      assert.ok(!value.includes(secret), `Redis value contains ${secret}`);
    }
    // Any Fernet implementation with OPENROUTER_ENCRYPTION_KEY can read it.
    const record = JSON.parse(FernetKeyring.fromString(TEST_SECRETS.OPENROUTER_ENCRYPTION_KEY).decrypt(value));
    assert.equal(record.auth.apiKey, account.key);
    assert.equal(record.auth.method, "API_KEY");
  });

  it("takes less than 1 KB of Redis memory per signed-in session, however many there are", async () => {
    const gateway = await startGateway({ ...stack.env, RATE_LIMIT_MAX: "1000" });
    try {
      const usedMemory = async () => Number(/^used_memory:(\d+)/m.exec(await stack.redis.command("INFO", "memory"))![1]);
      // The first sign-in also brings the gateway's connection and its scripts into Redis.
      await new HttpClient(gateway.url).graphql(VALIDATE, { apiKey: stack.stub.testKeys.valid });
      const before = await usedMemory();
      const sessions = 100;
      const browsers = Array.from({ length: sessions }, () => new HttpClient(gateway.url));
      for (let i = 0; i < sessions; i += 10) {
        await Promise.all(browsers.slice(i, i + 10).map((browser) => browser.graphql(VALIDATE, { apiKey: stack.stub.testKeys.valid })));
      }
      const perSession = ((await usedMemory()) - before) / sessions;
      const key = `${SESSION_KEY_PREFIX}${sessionIdOf(browsers[0]!.cookies.get(COOKIE)!)}`;
      const bytes = Number(await stack.redis.command("MEMORY", "USAGE", key));
      assert.equal((await sessionKeys()).length, sessions + 1);
      // Under 1 KB with room to spare for what this test does not reach: the keyspace's own
      // growth with thousands of sessions (about 60 B per session at the bench's 5,000).
      const budget = 1024 - 128;
      assert.ok(bytes <= budget, `MEMORY USAGE of one session: ${bytes} B`);
      assert.ok(perSession <= budget, `used_memory grew by ${perSession} B per session`);
    } finally {
      await gateway.close();
    }
  });

  it("every key the gateway writes has a TTL", async () => {
    const browser = await signedInClient();
    await browser.graphql("mutation { initiateOAuth { state } }");
    const all = (await stack.redis.command("--scan")).split("\n").filter((key) => key !== "");
    assert.ok(all.length >= 2);
    for (const key of all) {
      const ttl = Number(await stack.redis.command("TTL", key));
      assert.ok(ttl > 0, `${key} has TTL ${ttl}`);
    }
  });

  it("is deleted on sign-out, so the old cookie no longer works", async () => {
    const browser = await signedInClient();
    const copy = browser.clone();
    await browser.graphql("mutation { logout { authenticated } }");
    assert.deepEqual(await sessionKeys(), []);
    assert.equal(await isAuthenticated(copy), false);
  });

  it("ends the session after SESSION_MAX_AGE_SECONDS from sign-in, whatever the activity", async () => {
    const browser = await signedInClient();
    stack.gateway.clock.advance(7201 * 1000);
    assert.equal(await isAuthenticated(browser), false);
    assert.deepEqual(await sessionKeys(), [], "the expired record is deleted");
  });

  it("never lets the Redis TTL reach past the absolute lifetime", async () => {
    const browser = await signedInClient();
    const [key] = await sessionKeys();
    stack.gateway.clock.advance((7200 - 600) * 1000); // 10 minutes of lifetime left
    assert.equal(await isAuthenticated(browser), true);
    const ttl = Number(await stack.redis.command("TTL", key!));
    assert.ok(ttl > 590 && ttl <= 600, `TTL ${ttl} should be the 600 s left, not the idle timeout`);
  });
});

describe("sessions across gateway restarts and key rotation", () => {
  it("keeps the user signed in when the gateway restarts on the same Redis", async () => {
    const first = await startGateway(stack.env);
    const browser = await signedInClient(first.url);
    await first.close();
    const second = await startGateway(stack.env);
    try {
      const again = new HttpClient(second.url);
      for (const [name, value] of browser.cookies) again.cookies.set(name, value);
      assert.equal(await isAuthenticated(again), true);
    } finally {
      await second.close();
    }
  });

  it("reads sessions written under a retired encryption key after rotation, and writes new ones under the new key", async () => {
    const oldKey = FernetKeyring.generateKey();
    const newKey = FernetKeyring.generateKey();
    const before = await startGateway({ ...stack.env, OPENROUTER_ENCRYPTION_KEY: oldKey });
    const browser = await signedInClient(before.url);
    await before.close();

    const rotated = await startGateway({ ...stack.env, OPENROUTER_ENCRYPTION_KEY: `${newKey},${oldKey}` });
    try {
      const again = new HttpClient(rotated.url);
      for (const [name, value] of browser.cookies) again.cookies.set(name, value);
      assert.equal(await isAuthenticated(again), true, "a session written under the old key still reads");

      await again.graphql(VALIDATE, { apiKey: stack.stub.testKeys.unlimited });
      const [key] = await sessionKeys();
      const token = await stack.redis.command("GET", key!);
      assert.doesNotThrow(() => FernetKeyring.fromString(newKey).decrypt(token));
      assert.throws(() => FernetKeyring.fromString(oldKey).decrypt(token));
    } finally {
      await rotated.close();
    }
  });

  it("treats a record no configured key can read as signed out", async () => {
    const browser = await signedInClient();
    const other = await startGateway({ ...stack.env, OPENROUTER_ENCRYPTION_KEY: FernetKeyring.generateKey() });
    try {
      const again = new HttpClient(other.url);
      for (const [name, value] of browser.cookies) again.cookies.set(name, value);
      const response = await again.graphql(STATUS);
      assert.equal(response.status, 200);
      assert.equal(response.body.data.status.authenticated, false);
    } finally {
      await other.close();
    }
  });
});
