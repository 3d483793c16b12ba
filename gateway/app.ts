import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Router, type NextFunction, type Request, type Response } from "express";
import { OAuthService, type StateRecord } from "./auth/oauth-service.js";
import { AuthService } from "./auth/service.js";
import { causeForLog } from "./errors.js";
import { loadConfig, type Config } from "./config.js";
import { configWarnings } from "./config-warnings.js";
import { ErrorCode, GatewayError, toGatewayError } from "./errors.js";
import { createApolloServer } from "./graphql/apollo.js";
import { graphqlHandler } from "./graphql/http-handler.js";
import type { GraphQLContext } from "./graphql/context.js";
import { AttemptLimiter } from "./auth/attempt-limiter.js";
import { cors } from "./http/cors.js";
import { crossSiteReadGuard } from "./http/cross-site-reads.js";
import { originGuard } from "./http/origin-guard.js";
import { jsonBody } from "./http/json-body.js";
import { arrivalOf } from "./http/arrival.js";
import { callerOf } from "./http/caller.js";
import { errorResponder } from "./http/error-response.js";
import { inSeries } from "./http/in-series.js";
import { onRoots, underRoots } from "./http/gateway-paths.js";
import { requestLog } from "./http/request-log.js";
import { RequestsInFlight } from "./http/requests-in-flight.js";
import { securityHeaders } from "./http/security-headers.js";
import { sendJson } from "./http/send-json.js";
import { createLogger, type Logger } from "./logging/logger.js";
import { createGatewayMetrics } from "./metrics/registry.js";
import type { GatewayMetrics } from "./metrics/recorders.js";
import { OpenRouterClient } from "./openrouter/client.js";
import { UpstreamConnections } from "./openrouter/upstream-connections.js";
import { packageRoot } from "./util/package-root.js";
import { PROXY_PATH, createProxyRouter } from "./proxy/router.js";
import { originProbe } from "./rest/origin-probe.js";
import { relayPage } from "./rest/relay-page.js";
import { PROXY_BUDGET_PATH, REST_BASE, addRestRoutes } from "./rest/routes.js";
import { EncryptedRecords } from "./session/encrypted-records.js";
import { connectRedis, type RedisClient } from "./session/redis-connection.js";
import { KEY_PREFIX, createSessionStorage } from "./session/session-store.js";
import type { KeyValueStore } from "./store/key-value-store.js";
import { MemoryStore } from "./store/memory-store.js";
import { RedisStore } from "./store/redis-store.js";
import { sessionMiddleware } from "./session/session-middleware.js";
import { fixedCookieAttributes } from "./session/session-cookie.js";
import { ThrottledErrorLog } from "./logging/throttled-error-log.js";

export interface OpenRouterAuthOptions {
  /** Settings as the contract's §7 (docs/contract.md) environment variables; defaults to `process.env`. Ignored when `config` is given. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** A configuration already loaded with `loadConfig`. */
  readonly config?: Config;
  /** Where log lines go; defaults to a pino logger on stdout at LOG_LEVEL. */
  readonly logger?: Logger;
  /**
   * The time, in epoch ms, for every session lifetime, OAuth flow and cached-user decision;
   * defaults to `Date.now`. Tests move it instead of waiting. (Redis TTLs run on Redis's clock.)
   */
  readonly now?: () => number;
  /**
   * How long `close()` waits for the requests still running to end before it goes on, cutting the
   * proxied completions still streaming; SHUTDOWN_GRACE_MS (10 s) by default.
   */
  readonly shutdownGraceMs?: number;
  /**
   * Prometheus metrics (docs/operating.md): on when METRICS_PORT is set, or with `true`; then
   * `router.metrics.handler` serves them where the host mounts it.
   */
  readonly metrics?: boolean;
}

/**
 * How long requests in flight get to end when the gateway stops: after SIGTERM or SIGINT, before
 * the standalone process exits anyway (server/listen.ts), and in `close()`, before it goes on and
 * cuts the proxied completions still streaming.
 */
export const SHUTDOWN_GRACE_MS = 10_000;

/** An Express router with the whole gateway, plus what its owner needs to run it. */
export interface OpenRouterAuthRouter extends Router {
  readonly config: Config;
  readonly logger: Logger;
  /** The gateway's metrics, with their own registry and `GET /metrics` handler; undefined while metrics are off. */
  readonly metrics: GatewayMetrics | undefined;
  /** Whether the session store takes writes (what `/readyz` reports). */
  ready(): Promise<boolean>;
  /**
   * Resolves once the session store is connected, or after `timeoutMs` regardless (the gateway
   * still serves then, answering SESSION_STORE_UNAVAILABLE until Redis is reachable).
   */
  whenConnected(timeoutMs?: number): Promise<boolean>;
  /**
   * Stops the gateway: from now on answers its requests with 503 SHUTTING_DOWN (but for the
   * element module and /healthz; /readyz says "shutting-down"), lets those running end, within
   * `shutdownGraceMs`, then stops GraphQL and closes the connections to OpenRouter and Redis.
   * Best called once the HTTP server stopped accepting. Later calls share the first.
   */
  close(): Promise<void>;
}

declare module "express-serve-static-core" {
  interface Request {
    openRouterAuth?: AuthService;
  }
}

/** The element's self-contained module, built by `npm run build`. */
const ELEMENT_MODULE = join(packageRoot, "dist", "openrouter-auth.js");

/** The element's other languages, one module each, imported on demand from beside the element. */
const LOCALE_DIR = join(packageRoot, "dist", "openrouter-auth-locales");
const LOCALE_MODULES: ReadonlySet<string> = new Set(existsSync(LOCALE_DIR) ? readdirSync(LOCALE_DIR).filter((file) => file.endsWith(".js")) : []);

/**
 * The paths the gateway answers itself, each with everything below it. Its request log, security
 * headers, CORS and origin refusals apply to these alone: a host's own routes, mounted after the
 * router, keep their own headers and rules (docs/contract.md §6).
 */
const GATEWAY_PATHS = ["/graphql", REST_BASE, PROXY_PATH, PROXY_BUDGET_PATH, "/openrouter-auth.js", "/openrouter-auth-locales", "/healthz", "/readyz"];

/** Why the session of a host route's request could not be read, for getOpenRouterKey to report. */
const sessionFailures = new WeakMap<Request, unknown>();

/**
 * The whole gateway as one Express router (docs/contract.md §6): GraphQL at /graphql, the REST paths, the
 * OAuth callback page and the element module. A host mounts it in its own app, before its own
 * routes, so that `getOpenRouterKey(req)` works there too.
 */
export function createOpenRouterAuth(options: OpenRouterAuthOptions = {}): OpenRouterAuthRouter {
  const config = options.config ?? loadConfig(options.env ?? process.env);
  const logger = options.logger ?? createLogger(config.logLevel);

  const now = options.now ?? Date.now;
  const metrics = (options.metrics ?? config.metrics !== undefined) ? createGatewayMetrics({ allowedModels: config.proxy.allowedModels }) : undefined;
  const redis: RedisClient | undefined = config.redis === undefined ? undefined : connectRedis(config.redis, logger, { metrics: metrics?.store });
  if (redis === undefined) metrics?.store.up(true);
  const kv: KeyValueStore = redis === undefined ? new MemoryStore({ now }) : new RedisStore(redis, { probeKey: `${KEY_PREFIX}readyz` });
  if (redis === undefined) logger.warn({ event: "session.store" }, "REDIS_URL is not set: sessions live in this process only and end when it stops (development only)");
  for (const name of config.generatedSecrets) {
    logger.warn({ event: "config.generated", variable: name }, `${name} is not set: using a random one for this run, so sessions do not survive a restart. Set it before any real use.`);
  }
  for (const warning of configWarnings(config)) {
    logger.warn({ event: "config.warning", variable: warning.variable }, warning.message);
  }

  const upstream = new UpstreamConnections(config.openrouter.apiBase);
  const openrouter = new OpenRouterClient(config.openrouter, upstream, metrics?.openrouter);
  const attempts = new AttemptLimiter({ store: kv, limit: config.attempts, prefix: `${KEY_PREFIX}attempts:` });
  const starts = new AttemptLimiter({ store: kv, limit: config.oauthStarts, prefix: `${KEY_PREFIX}oauth-starts:` });
  const auth = new AuthService({ config, openrouter, attempts, now, metrics: metrics?.auth });
  const states = new EncryptedRecords<StateRecord>({ store: kv, keyring: config.keyring, prefix: `${KEY_PREFIX}oauth-state:` });
  const oauth = new OAuthService({ config, openrouter, auth, states, starts, now, metrics: metrics?.auth });
  const storeErrors = new ThrottledErrorLog(logger);
  const apollo = createApolloServer({ production: config.production, logger, storeErrors, plugins: metrics === undefined ? [] : [metrics.graphqlPlugin] });
  // Lets the router be made synchronously, as hosts expect of Express middleware: requests that
  // arrive while Apollo is starting wait for it, and close() waits for the start too, since Apollo
  // refuses to stop while starting (a SIGTERM in the first moments after start-up).
  const apolloStarted = apollo.start().then(
    () => true,
    (error: unknown) => {
      logger.error({ err: causeForLog(error) }, "GraphQL failed to start: every GraphQL request will fail");
      return false;
    },
  );

  const sessions = sessionMiddleware(config, createSessionStorage({ kv, redis, keyring: config.keyring, fixedCookie: fixedCookieAttributes(config.cookie) }), now, metrics?.auth);
  const proxy = createProxyRouter({ config, auth, store: kv, logger, sessions, keyPrefix: KEY_PREFIX, upstream, openrouter, now, metrics: metrics?.proxy });
  /** How many requests to the gateway's paths, proxied completions included, are running: close() lets them end. */
  const inFlight = new RequestsInFlight();

  const router = Router() as OpenRouterAuthRouter;
  router.use(onRoots(GATEWAY_PATHS, inSeries(requestLog(logger, inFlight, metrics), securityHeaders({ hsts: config.cookie.secure }))));

  // Public, and served before CORS and the session middleware: any page may load the element
  // (and the languages it imports from beside itself), and fetching it never touches the session store.
  const sendModule = (file: string, res: Response, next: NextFunction) => {
    res.setHeader("access-control-allow-origin", "*");
    res.sendFile(file, { maxAge: "10m", headers: { "content-type": "text/javascript; charset=utf-8" } }, (error) => {
      if (error) next(error);
    });
  };
  router.get("/openrouter-auth.js", (_req, res, next) => sendModule(ELEMENT_MODULE, res, next));
  router.get("/openrouter-auth-locales/:file", (req, res, next) => {
    const file = req.params.file;
    if (!LOCALE_MODULES.has(file)) return next();
    sendModule(join(LOCALE_DIR, file), res, next);
  });
  // Open to every origin as well, and before CORS: it answers the pages that CORS refuses.
  router.get(`${REST_BASE}/origin`, originProbe(config.allowedOrigins));
  // The OAuth relay frame reads no session either: it only passes on what the callback page says.
  router.get(`${REST_BASE}/oauth/relay`, relayPage(config.allowedOrigins));
  // The OpenRouter proxy, with its own CORS (OpenAI-style clients send headers of their own),
  // body limit and OpenAI-style error shape.
  router.use(PROXY_PATH, proxy.handler);
  router.use(onRoots(GATEWAY_PATHS, inSeries(cors(config.allowedOrigins), originGuard(config.allowedOrigins))));
  router.get("/healthz", (_req, res) => {
    sendJson(res, { status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    // A load balancer stops sending requests here while the running ones end.
    if (inFlight.closing) return sendJson(res, { status: "shutting-down" }, 503);
    const ok = await ready();
    sendJson(res, { status: ok ? "ready" : "unavailable", sessionStore: ok ? "up" : "down" }, ok ? 200 : 503);
  });

  // Every request from here on needs the store or GraphQL, which close() stops: from close() on
  // none of the gateway's is taken (those already running, counted in by the access log, are let
  // end). The host's routes read the session too, for getOpenRouterKey: one store read, and only
  // when the cookie names a session. A store failure there is not the gateway's to answer: the
  // host's page still renders, and getOpenRouterKey rejects with SESSION_STORE_UNAVAILABLE
  // (SHUTTING_DOWN once the router is closing). One layer for both, as every layer costs each
  // request its match and its URL trimmed and restored.
  const onGatewayPath = underRoots(GATEWAY_PATHS);
  router.use((req, res, next) => {
    req.openRouterAuth = auth;
    if (onGatewayPath(req.path) !== undefined) {
      if (inFlight.closing) return next(new GatewayError(ErrorCode.SHUTTING_DOWN));
      return sessions(req, res, next);
    }
    if (req.sessionHandle !== undefined) return next();
    if (inFlight.closing) {
      sessionFailures.set(req, new GatewayError(ErrorCode.SHUTTING_DOWN));
      return next();
    }
    sessions(req, res, (error?: unknown) => {
      if (error !== undefined) sessionFailures.set(req, error);
      next();
    });
  });
  const json = jsonBody(16_384);
  const crossSiteReads = crossSiteReadGuard(config.allowedOrigins);
  router.all(
    "/graphql",
    inSeries(
      crossSiteReads,
      json,
      graphqlHandler(apollo, async (req): Promise<GraphQLContext> => ({ auth, oauth, budget: proxy.budget, session: req.sessionHandle!, caller: callerOf(req), origin: req.get("origin"), arrival: arrivalOf(req) })),
    ),
  );
  addRestRoutes(router, { auth, oauth, budget: proxy.budget, jsonBody: json, crossSiteReads });
  router.use(errorResponder(logger, storeErrors));

  // A store that answers but refuses writes (out of memory, a read-only replica) cannot sign
  // anyone in: not ready.
  function ready(): Promise<boolean> {
    return kv.acceptsWrites();
  }

  async function whenConnected(timeoutMs = 5_000): Promise<boolean> {
    if (redis === undefined || redis.status === "ready") return true;
    return new Promise((resolve) => {
      const done = (connected: boolean) => {
        clearTimeout(timer);
        redis.off("ready", onReady);
        resolve(connected);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      redis.once("ready", onReady);
    });
  }

  // One closing, however many callers ask for it (a host's shutdown and its tests' teardown, say).
  let closed: Promise<void> | undefined;
  return Object.assign(router, {
    config,
    logger,
    metrics,
    ready,
    whenConnected,
    close() {
      closed ??= (async () => {
        const graceMs = options.shutdownGraceMs ?? SHUTDOWN_GRACE_MS;
        // First, while GraphQL, OpenRouter's connections and the store still serve the requests running.
        await Promise.all([proxy.close(graceMs), inFlight.close(graceMs)]);
        if (await apolloStarted) await apollo.stop();
        upstream.close();
        await kv.close();
      })();
      return closed;
    },
  });
}

/**
 * The signed-in user's OpenRouter key for this request, or null (docs/contract.md §6): for the host's own
 * routes that call OpenRouter on the user's behalf. The router must be mounted before them.
 */
export async function getOpenRouterKey(req: Request): Promise<string | null> {
  const failure = sessionFailures.get(req);
  if (failure !== undefined) throw toGatewayError(failure);
  const auth = req.openRouterAuth;
  const session = req.sessionHandle;
  if (auth === undefined || session === undefined) {
    throw new Error("getOpenRouterKey: mount createOpenRouterAuth()'s router before this route");
  }
  return auth.apiKeyOf(session);
}
