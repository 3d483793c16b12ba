import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../../gateway/config.js";
import { FernetKeyring } from "../../gateway/crypto/fernet.js";
import { configRefusal } from "../support/config-refusal.js";

const PRODUCTION = {
  NODE_ENV: "production",
  REDIS_URL: "redis://127.0.0.1:6399",
  OPENROUTER_ENCRYPTION_KEY: FernetKeyring.generateKey(),
  SESSION_SECRET: "a-production-session-secret-of-32-chars-or-more",
  OPENROUTER_REDIRECT_URI: "https://app.example.com/api/v1/openrouter/auth/oauth/callback",
};

describe("configuration", () => {
  it("has working defaults for development, making up secrets it says it made up", () => {
    const config = loadConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.redisUrl, undefined);
    assert.equal(config.redirectUri, "http://localhost:8080/api/v1/openrouter/auth/oauth/callback");
    assert.equal(config.openrouter.apiBase, "https://openrouter.ai/api/v1");
    assert.equal(config.openrouter.timeoutMs, 10_000);
    assert.deepEqual([...config.generatedSecrets].sort(), ["OPENROUTER_ENCRYPTION_KEY", "SESSION_SECRET"]);
    assert.equal(config.cookie.secure, false);
    assert.equal(config.cookie.name, "openrouter-auth.sid");
    assert.deepEqual(config.session, { ttlSeconds: 86_400, maxAgeSeconds: 604_800 });
    assert.ok(Object.isFrozen(config));
  });

  it("makes production cookies Secure and __Host- by default", () => {
    const config = loadConfig(PRODUCTION);
    assert.equal(config.cookie.secure, true);
    assert.equal(config.cookie.name, "__Host-openrouter-auth.sid");
    assert.deepEqual(config.generatedSecrets, []);
  });

  for (const missing of ["REDIS_URL", "OPENROUTER_ENCRYPTION_KEY", "SESSION_SECRET", "OPENROUTER_REDIRECT_URI"] as const) {
    it(`refuses to start in production without ${missing}`, () => {
      const error = configRefusal({ ...PRODUCTION, [missing]: "" });
      assert.equal(error.variable, missing);
      assert.match(error.message, /required when NODE_ENV=production/);
    });
  }

  for (const [variable, value, words] of [
    ["PORT", "eighty", /whole number/],
    ["PORT", "70000", /whole number from 0 to 65535/],
    ["REDIS_URL", "http://127.0.0.1:6379", /redis:\/\/ or rediss:\/\//],
    ["OPENROUTER_ENCRYPTION_KEY", "not-a-fernet-key", /key #1/],
    ["OPENROUTER_ENCRYPTION_KEY", `${FernetKeyring.generateKey()},short`, /key #2/],
    ["SESSION_SECRET", "too-short", /at least 32 characters/],
    ["OPENROUTER_API_BASE", "ftp://example.com", /http\(s\) URL/],
    ["ALLOWED_ORIGINS", "https://app.example.com/path", /origins like/],
    ["ALLOWED_ORIGINS", "*", /origins like/],
    ["COOKIE_SAMESITE", "sometimes", /lax, strict, none/],
    ["COOKIE_SECURE", "maybe", /true or false/],
    ["SESSION_TTL_SECONDS", "-5", /whole number/],
    ["UPSTREAM_TIMEOUT_MS", "0", /from 1 to/],
    ["LOG_LEVEL", "loud", /one of/],
    ["TRUST_PROXY", "yes", /hop count/],
    ["TRUST_PROXY", "10.0.0.0/33", /addresses or subnets/],
  ] as const) {
    it(`names ${variable} when it is "${value}"`, () => {
      const error = configRefusal({ [variable]: value });
      assert.equal(error.variable, variable);
      assert.match(error.message, words);
      assert.doesNotMatch(error.message, /\n/, "one line");
    });
  }

  it("refuses SameSite=None with an explicitly insecure cookie, and forces Secure otherwise", () => {
    assert.equal(configRefusal({ COOKIE_SAMESITE: "none", COOKIE_SECURE: "false" }).variable, "COOKIE_SECURE");
    assert.equal(loadConfig({ COOKIE_SAMESITE: "none" }).cookie.secure, true);
  });

  it("refuses an absolute lifetime shorter than the idle timeout", () => {
    assert.equal(configRefusal({ SESSION_TTL_SECONDS: "7200", SESSION_MAX_AGE_SECONDS: "3600" }).variable, "SESSION_MAX_AGE_SECONDS");
  });

  it("allows the gateway's own origin and the listed origins, exactly", () => {
    const config = loadConfig({ ALLOWED_ORIGINS: "https://app.example.com, http://localhost:3000/", OPENROUTER_REDIRECT_URI: "https://auth.example.com/cb" });
    assert.deepEqual([...config.allowedOrigins].sort(), ["http://localhost:3000", "https://app.example.com", "https://auth.example.com"]);
  });

  it("listens on loopback only without Redis and HOST, and where HOST says otherwise", () => {
    assert.equal(loadConfig({}).host, "127.0.0.1");
    assert.equal(loadConfig({ HOST: "0.0.0.0" }).host, "0.0.0.0");
    assert.equal(loadConfig({ REDIS_URL: "redis://127.0.0.1:6399" }).host, undefined, "with Redis, all interfaces as before");
  });

  it("limits OAuth starts to 20 a minute per address and per session unless OAUTH_START_LIMIT_* say otherwise", () => {
    assert.deepEqual(loadConfig({}).oauthStarts, { max: 20, windowSeconds: 60 });
    assert.deepEqual(loadConfig({ OAUTH_START_LIMIT_MAX: "5", OAUTH_START_LIMIT_WINDOW_SECONDS: "600" }).oauthStarts, { max: 5, windowSeconds: 600 });
    assert.equal(configRefusal({ OAUTH_START_LIMIT_MAX: "0" }).variable, "OAUTH_START_LIMIT_MAX");
    assert.equal(configRefusal({ OAUTH_START_LIMIT_WINDOW_SECONDS: "soon" }).variable, "OAUTH_START_LIMIT_WINDOW_SECONDS");
  });

  it("refuses TRUST_PROXY=true, which lets a client choose its own address, and says what to set instead", () => {
    for (const value of ["true", "TRUE"]) {
      const error = configRefusal({ TRUST_PROXY: value });
      assert.equal(error.variable, "TRUST_PROXY");
      assert.match(error.message, /^TRUST_PROXY cannot be true/);
      assert.match(error.message, /hop count/);
      assert.match(error.message, /addresses or subnets/);
      assert.match(error.message, /loopback \/ uniquelocal/);
      assert.doesNotMatch(error.message, /\n/, "one line");
    }
  });

  it("takes TRUST_PROXY as a hop count or a list of proxy addresses, subnets and named ranges", () => {
    assert.equal(loadConfig({}).trustProxy, 0);
    assert.equal(loadConfig({ TRUST_PROXY: "false" }).trustProxy, 0);
    assert.equal(loadConfig({ TRUST_PROXY: "2" }).trustProxy, 2);
    assert.deepEqual(loadConfig({ TRUST_PROXY: "Loopback, 10.0.0.0/8, 192.168.0.0/255.255.0.0, fd00::/8, 203.0.113.9" }).trustProxy, ["loopback", "10.0.0.0/8", "192.168.0.0/255.255.0.0", "fd00::/8", "203.0.113.9"]);
  });

  it("accepts OPENROUTER_CLIENT_ID and OPENROUTER_CLIENT_SECRET for compatibility, needing neither", () => {
    assert.doesNotThrow(() => loadConfig({ OPENROUTER_CLIENT_ID: "legacy", OPENROUTER_CLIENT_SECRET: "legacy" }));
  });

  it("stops `npm start` with one line naming the variable and exit code 1", { timeout: 20_000 }, async () => {
    const server = fileURLToPath(new URL("../../gateway/server/main.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", server], { env: { ...process.env, PORT: "eighty", REDIS_URL: "" }, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let stdout = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdout.on("data", (chunk) => (stdout += chunk));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    assert.equal(code, 1);
    assert.equal(stdout, "");
    assert.equal(stderr.trim().split("\n").length, 1, stderr);
    assert.match(stderr, /^openrouter-auth: invalid configuration: PORT must be a whole number/);
  });
});
