import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import express from "express";
import { loadConfig } from "../../gateway/config.js";
import { FernetKeyring } from "../../gateway/crypto/fernet.js";
import { configRefusal } from "../support/config-refusal.js";

/**
 * Runs `npm start`'s entry with these settings (no Redis, a free port) until it exits; a server
 * that starts instead is stopped (by its pid) once it says it listens, and reads as exit code null.
 */
async function runServer(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const server = fileURLToPath(new URL("../../gateway/server/main.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", server], { env: { ...process.env, PORT: "0", REDIS_URL: "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  let stdout = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
    if (stdout.includes('"event":"listening"')) child.kill("SIGKILL");
  });
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { code, stdout, stderr };
}

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

  describe("TRUST_PROXY ranges that trust a large part of the public internet", () => {
    for (const [value, words] of [
      ["0.0.0.0/0", /public IPv4 addresses, more than a \/8/],
      ["::/0", /public IPv4 addresses, more than a \/8/],
      ["0.0.0.0/1,128.0.0.0/1", /public IPv4 addresses, more than a \/8/],
      ["::ffff:0.0.0.0/96", /public IPv4 addresses, more than a \/8/],
      ["1.0.0.0/8, 2.0.0.0/8", /33,554,432 public IPv4 addresses/],
      ["0.0.0.0/0.0.0.0", /public IPv4 addresses/],
      ["2000::/3", /about 2\^125 public IPv6 addresses, more than a \/16/],
      ["10.0.0.0/8, 2001::/15", /public IPv6 addresses/],
    ] as const) {
      it(`stops start-up naming TRUST_PROXY for ${value}`, () => {
        const error = configRefusal({ TRUST_PROXY: value });
        assert.equal(error.variable, "TRUST_PROXY");
        assert.match(error.message, words);
        assert.match(error.message, /X-Forwarded-For/);
        assert.match(error.message, /hop count/, "says what to set instead");
      });
    }

    it("counts the public addresses only, and each once: private blocks and overlapping entries do not add up", () => {
      assert.doesNotThrow(() => loadConfig({ TRUST_PROXY: "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, fc00::/7, fe80::/10" }));
      assert.doesNotThrow(() => loadConfig({ TRUST_PROXY: "1.0.0.0/8, 1.0.0.0/9, 1.128.0.0/9" }), "one /8, however it is written");
      assert.equal(configRefusal({ TRUST_PROXY: "1.0.0.0/8, 2.0.0.0/32" }).variable, "TRUST_PROXY", "one address more than a /8 is refused");
    });

    it("accepts a CDN's published ranges", () => {
      const cloudflare = "173.245.48.0/20,103.21.244.0/22,103.22.200.0/22,103.31.4.0/22,141.101.64.0/18,108.162.192.0/18,190.93.240.0/20,188.114.96.0/20,197.234.240.0/22,198.41.128.0/17,162.158.0.0/15,104.16.0.0/13,104.24.0.0/14,172.64.0.0/13,131.0.72.0/22,2400:cb00::/32,2606:4700::/32,2803:f800::/32,2405:b500::/32,2405:8100::/32,2a06:98c0::/29,2c0f:f248::/32";
      assert.deepEqual(loadConfig({ TRUST_PROXY: cloudflare }).trustProxy, cloudflare.split(","));
    });

    it("refuses a netmask with holes, which Express cannot read", () => {
      const error = configRefusal({ TRUST_PROXY: "10.0.0.0/255.0.255.0" });
      assert.equal(error.variable, "TRUST_PROXY");
      assert.match(error.message, /got "10\.0\.0\.0\/255\.0\.255\.0"/);
    });

    it("every list start-up accepts is one Express takes", () => {
      for (const value of ["loopback, 10.0.0.0/8, 192.168.0.0/255.255.0.0, fd00::/8, 203.0.113.9", "::ffff:10.0.0.0/104", "1.2.3.4/32", "1.0.0.0/255.0.0.0", "fe80::1%eth0"]) {
        const app = express();
        assert.doesNotThrow(() => app.set("trust proxy", loadConfig({ TRUST_PROXY: value }).trustProxy), value);
      }
    });

    for (const value of ["0.0.0.0/0", "::/0", "0.0.0.0/1,128.0.0.0/1"]) {
      it(`stops \`npm start\` with one line naming TRUST_PROXY, no stack trace, for ${value}`, { timeout: 20_000 }, async () => {
        const { code, stdout, stderr } = await runServer({ TRUST_PROXY: value });
        assert.equal(code, 1);
        assert.equal(stdout, "");
        assert.equal(stderr.trim().split("\n").length, 1, stderr);
        assert.match(stderr, /^openrouter-auth: invalid configuration: TRUST_PROXY trusts /);
      });
    }
  });

  it("accepts OPENROUTER_CLIENT_ID and OPENROUTER_CLIENT_SECRET for compatibility, needing neither", () => {
    assert.doesNotThrow(() => loadConfig({ OPENROUTER_CLIENT_ID: "legacy", OPENROUTER_CLIENT_SECRET: "legacy" }));
  });

  it("stops `npm start` with one line naming the variable and exit code 1", { timeout: 20_000 }, async () => {
    const { code, stdout, stderr } = await runServer({ PORT: "eighty" });
    assert.equal(code, 1);
    assert.equal(stdout, "");
    assert.equal(stderr.trim().split("\n").length, 1, stderr);
    assert.match(stderr, /^openrouter-auth: invalid configuration: PORT must be a whole number/);
  });
});
