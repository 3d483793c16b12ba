import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import express from "express";
import { FernetKeyring } from "../../gateway/crypto/fernet.js";
import { loadConfig } from "../../gateway/config.js";
import { startOpenRouterStub, type OpenRouterStub } from "../../dev/openrouter-stub.js";
import { createLogger } from "../../gateway/logging/logger.js";
import type { OpenRouterAuthRouter } from "../../gateway/app.js";
import { expressServerOptions } from "../../gateway/http/express-server-options.js";
import { createStandaloneApp } from "../../gateway/server/standalone-app.js";
import { startRedisServer, type RedisServerHandle } from "./redis-server.js";
import { TestClock } from "./clock.js";

/** A real gateway over loopback, with every log line it wrote kept for assertions. */
export interface TestGateway {
  /** "http://127.0.0.1:PORT" (by default) */
  readonly url: string;
  readonly gateway: OpenRouterAuthRouter;
  readonly logs: string[];
  /** The gateway's clock: move it forward instead of waiting. */
  readonly clock: TestClock;
  close(): Promise<void>;
}

/** Settings every test gateway shares; a test overrides any of them. */
export const TEST_SECRETS = {
  OPENROUTER_ENCRYPTION_KEY: FernetKeyring.generateKey(),
  SESSION_SECRET: "test-session-secret-of-at-least-32-characters",
};

/** How a test gateway is reached; the defaults give "http://127.0.0.1:PORT". */
export interface GatewayListenOptions {
  /** Serve HTTPS with this PEM key and certificate (e.g. from `makeSelfSignedCertificate`). */
  readonly tls?: { readonly key: string; readonly cert: string };
  /**
   * The host name in the gateway's URL (and so in OPENROUTER_REDIRECT_URI), e.g. "localhost" to
   * put the gateway on another site than a page on 127.0.0.1. It still listens on 127.0.0.1 only.
   */
  readonly hostname?: string;
  /** The clock the gateway reads (several gateways may share one); a fresh one by default. */
  readonly clock?: TestClock;
  /** How long the router's close() lets proxied completions end; the gateway's default when unset. */
  readonly shutdownGraceMs?: number;
}

/**
 * Starts the standalone gateway on a free port. The port is known before the configuration is
 * read, so OPENROUTER_REDIRECT_URI points at this very gateway unless the test sets it.
 */
export async function startGateway(env: Record<string, string | undefined>, options: GatewayListenOptions = {}): Promise<TestGateway> {
  // Served as npm start serves it; the gateway is built into the app once the port is known.
  const app = express();
  const server: Server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert, ...expressServerOptions(app) }, app) : createServer(expressServerOptions(app), app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `${options.tls ? "https" : "http"}://${options.hostname ?? "127.0.0.1"}:${(server.address() as AddressInfo).port}`;

  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString("utf8").split("\n").filter((line) => line !== ""));
      done();
    },
  });
  // Generous attempt limits: test files sign in, and start flows, many times from one address;
  // the rate-limit tests set their own.
  const config = loadConfig({ ...TEST_SECRETS, LOG_LEVEL: "info", RATE_LIMIT_MAX: "100000", OAUTH_START_LIMIT_MAX: "100000", OPENROUTER_REDIRECT_URI: `${url}/api/v1/openrouter/auth/oauth/callback`, ...env });
  const clock = options.clock ?? new TestClock();
  const { gateway } = createStandaloneApp(config, createLogger(config.logLevel, sink), app, { https: options.tls !== undefined, now: clock.now, shutdownGraceMs: options.shutdownGraceMs });
  await gateway.whenConnected();

  return {
    url,
    gateway,
    logs,
    clock,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.close();
    },
  };
}

/** The gateway with everything real behind it: its own Redis and the OpenRouter stand-in. */
export interface TestStack {
  readonly gatewayUrl: string;
  readonly gateway: TestGateway;
  readonly stub: OpenRouterStub;
  readonly redis: RedisServerHandle;
  /** The settings the gateway runs with: start another instance on the same Redis with them. */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Another gateway on the same Redis and stand-in: the stack's settings with `env` over them
   * (`undefined` unsets one: `{ REDIS_URL: undefined }` keeps its state in its own process).
   * Closed by closeOthers(), for a test's afterEach, or else by close().
   */
  startAnother(env?: Record<string, string | undefined>, options?: GatewayListenOptions): Promise<TestGateway>;
  /** Closes every gateway startAnother() started and has not closed yet. */
  closeOthers(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestStack(
  options: { env?: Record<string, string>; privateRedis?: boolean } & GatewayListenOptions = {},
): Promise<TestStack> {
  const redis = await startRedisServer({ private: options.privateRedis ?? false });
  const stub = await startOpenRouterStub();
  const env = { REDIS_URL: redis.url, OPENROUTER_API_BASE: stub.apiBase, OPENROUTER_AUTH_URL: stub.authUrl, ...options.env };
  const gateway = await startGateway(env, { tls: options.tls, hostname: options.hostname, clock: options.clock });
  const others: TestGateway[] = [];
  const closeOthers = async () => {
    for (const other of others.splice(0)) await other.close();
  };
  return {
    gatewayUrl: gateway.url,
    gateway,
    stub,
    redis,
    env,
    async startAnother(overrides = {}, listenOptions = {}) {
      const other = await startGateway({ ...env, ...overrides }, listenOptions);
      others.push(other);
      return other;
    },
    closeOthers,
    async close() {
      await closeOthers();
      await gateway.close();
      await stub.close();
      await redis.close();
    },
  };
}
