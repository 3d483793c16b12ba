import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { AuthService } from "../auth/service.js";
import type { Config } from "../config.js";
import { ErrorCode, GatewayError, causeForLog, errorBody } from "../errors.js";
import { cors } from "../http/cors.js";
import { inSeries } from "../http/in-series.js";
import { originGuard } from "../http/origin-guard.js";
import { jsonBody } from "../http/json-body.js";
import type { Logger } from "../logging/logger.js";
import type { OpenRouterClient } from "../openrouter/client.js";
import { accountIdOf } from "./account-id.js";
import { AccountLimits, type Release } from "./account-limits.js";
import { BudgetReadAhead } from "./budget-read-ahead.js";
import { CompletionLog } from "./completion-log.js";
import { CompletionsInFlight } from "./completions-in-flight.js";
import { PROXY_ENDPOINTS, type ProxyEndpoint } from "./endpoints.js";
import { forwardRequest, type ForwardResult } from "./forward.js";
import { ModelPrices } from "./model-prices.js";
import { checkProxyRequest, type ProxyRequest } from "./policy.js";
import { ProxyBudgetReader, SpendBudget } from "./spend-budget.js";
import { errorResponder, sendError } from "../http/error-response.js";
import { ThrottledErrorLog } from "../logging/throttled-error-log.js";
import type { UpstreamConnections } from "../openrouter/upstream-connections.js";
import type { KeyValueStore } from "../store/key-value-store.js";
import type { ProxyMetrics } from "../metrics/recorders.js";
import type { SessionMiddleware } from "../session/session-middleware.js";

/** Where the proxy is mounted: an OpenAI-compatible base URL. */
export const PROXY_PATH = "/api/v1/openrouter/proxy";

export interface ProxyDeps {
  readonly config: Config;
  readonly auth: AuthService;
  /** Where the per-account limits and the spend tallies are kept: Redis, shared by every instance, or this process. */
  readonly store: KeyValueStore;
  readonly logger: Logger;
  /** The gateway's session middleware: the proxy runs before the gateway's own CORS, so it brings the session along itself. */
  readonly sessions: SessionMiddleware;
  /** Prefix of the store keys the limits use. */
  readonly keyPrefix: string;
  /** The gateway's connections to OpenRouter (closed by the gateway, after the proxy). */
  readonly upstream: UpstreamConnections;
  /** OpenRouter's API, for the model prices a cut answer is counted at. */
  readonly openrouter: OpenRouterClient;
  /** The gateway's clock (epoch ms). */
  readonly now: () => number;
  /** The proxy's Prometheus metrics, when metrics are on. */
  readonly metrics?: ProxyMetrics;
}

/** The proxy, and how its owner stops it. */
export interface ProxyRouter {
  /** Every request under PROXY_PATH, mounted there: it answers each one itself, errors included. */
  readonly handler: RequestHandler;
  /** The signed-in account's spend budget, for GraphQL's `proxyBudget` and REST's `proxy-budget`. */
  readonly budget: ProxyBudgetReader;
  /**
   * Refuses requests from now on (503 SHUTTING_DOWN), lets those running end, for at most
   * `graceMs`, cuts those still running then, and stops renewing their leases. Resolves once
   * nothing of the proxy needs OpenRouter's connections or the store any more.
   */
  close(graceMs: number): Promise<void>;
}

/**
 * The OpenRouter proxy: the OpenAI-compatible endpoints of endpoints.ts, each with the session's
 * key, for pages and OpenAI-style clients that hold the session cookie and never the key. Every
 * refusal (signed out, another origin, too large, against the policy, over a limit or the spend
 * budget, the gateway closing) is answered here, before anything goes upstream, as
 * `{"error":{"code":"<CODE>","message":"..."}}`.
 */
export function createProxyRouter(deps: ProxyDeps): ProxyRouter {
  const { config, auth, logger, metrics } = deps;
  const policy = config.proxy;
  const accountId = accountIdOf(config.sessionSecrets[0]!);
  const prefix = `${deps.keyPrefix}proxy:`;
  const limits = new AccountLimits({ store: deps.store, policy, prefix });
  const spend = policy.enabled && policy.spendLimit !== undefined ? new SpendBudget({ store: deps.store, limit: policy.spendLimit, prefix: `${prefix}spend:`, now: deps.now }) : undefined;
  const budget = new ProxyBudgetReader({ auth, budget: spend, accountIdOf: accountId });

  const proxyCors = cors(config.allowedOrigins, { allowRequestedHeaders: true });
  if (!policy.enabled) {
    const handler: RequestHandler = (req, res) =>
      proxyCors(req, res, () => {
        const error = new GatewayError(ErrorCode.PROXY_DISABLED);
        sendError(res, error, errorBody(error, "proxy"));
      });
    return { handler, budget, close: async () => {} };
  }
  const { upstream } = deps;
  // Reads too: a GET through the proxy spends the user's key as much as a POST does.
  const guard = originGuard(config.allowedOrigins, { everyMethod: true });
  const inFlight = new CompletionsInFlight();
  const prices = new ModelPrices(deps.openrouter, deps.now);
  const readAhead = spend === undefined ? undefined : new BudgetReadAhead({ budget: spend, sessionIdOf: deps.sessions.sessionIdOf });
  /** Costs being counted, which close() lets finish before the store closes. */
  const counting = new Set<Promise<void>>();

  const signedIn: RequestHandler = (req, _res, next) => {
    next(req.sessionHandle !== undefined && auth.apiKeyOf(req.sessionHandle) !== null ? undefined : new GatewayError(ErrorCode.UNAUTHENTICATED));
  };
  // Counted in first, before the session is read: once closing has begun, the store may be
  // closed too, and the caller is told why it is refused. The request's log note is its part of
  // the request's access-log line (http/request-log.ts), refusals included.
  const admitted: RequestHandler = (_req, res, next) => {
    const log = new CompletionLog();
    if (!inFlight.admit(res, log)) return next(new GatewayError(ErrorCode.SHUTTING_DOWN));
    res.accessLogNote = log;
    next();
  };
  const body = jsonBody(policy.maxBodyBytes);

  /** Both limits, and the budget for an endpoint that spends, asked at once; a refusal gives back the place taken. */
  async function admit(endpoint: ProxyEndpoint, account: string, res: Response): Promise<Release> {
    // Nothing to ask (no limit set, no budget to spend): no promises to settle, no place to give back.
    const budgetCheck = endpoint.spends ? readAhead?.check(res, account) : undefined;
    if (!limits.counts) {
      const refusal = budgetCheck === undefined ? undefined : await budgetCheck;
      if (refusal !== undefined) throw refusal;
      return NOTHING_TO_RELEASE;
    }
    // The check never rejects: its refusal is its value.
    const [place, refusal] = await Promise.allSettled([limits.admit(account), budgetCheck]);
    if (place.status === "rejected") throw place.reason;
    if (refusal.status === "fulfilled" && refusal.value !== undefined) {
      place.value();
      throw refusal.value;
    }
    return place.value;
  }

  const spendNotCounted = (error: unknown) => logger.warn({ event: "proxy.spend", err: causeForLog(error) }, "an answer's cost could not be counted");

  /**
   * Counts what an answer cost: its `usage.cost`, or, when none came of an answer that may have
   * cost something (the client left, the stream broke off), the most it could have cost.
   */
  function count(account: string, apiKey: string, asked: ProxyRequest, result: ForwardResult): void {
    if (spend === undefined) return;
    const status = result.upstreamStatus;
    if (result.cost === undefined && status !== undefined && (status < 200 || status > 299)) return;
    // The usual case, a cost the answer gave: queued in the store at once, which sends it before
    // it closes (the proxy closes first), so only a failure needs a handler.
    if (result.cost !== undefined) {
      spend.spend(account, result.cost).catch(spendNotCounted);
      return;
    }
    const counted = (async () => {
      try {
        const cost = result.cost ?? (await prices.mostCostOf(apiKey, asked.model, asked.maxTokens));
        await spend.spend(account, cost);
      } catch (error) {
        spendNotCounted(error);
      }
    })();
    counting.add(counted);
    void counted.finally(() => counting.delete(counted));
  }

  /** Each endpoint's checks and handler, as one handler, by routeKey. */
  const routes = new Map<string, RequestHandler>();
  for (const endpoint of PROXY_ENDPOINTS) {
    const budgetAhead = endpoint.spends && readAhead !== undefined ? [readAhead.begin] : [];
    // One handler rather than six or seven, each of which a router would wrap (a layer's call,
    // its promise check, its `next`); they run in this order all the same.
    const checks = [admitted, guard, ...budgetAhead, deps.sessions, signedIn, ...(endpoint.method === "POST" ? [body] : [])];
    const handler: RequestHandler = async (req, res) => {
      const log = res.accessLogNote as CompletionLog;
      const apiKey = auth.apiKeyOf(req.sessionHandle!)!;
      // Only an endpoint that takes a query parameter reads the query.
      const query = endpoint.query.length === 0 ? NO_QUERY : new URLSearchParams(req.originalUrl.split("?")[1] ?? "");
      const asked = checkProxyRequest(endpoint, { body: req.body, query }, policy);
      log.asked(asked.model, asked.stream);
      const account = accountId(apiKey);
      const release = await admit(endpoint, account, res);
      if (release !== NOTHING_TO_RELEASE) res.once("close", release);
      // The client left while the limits were asked: its place goes back at once.
      if (res.destroyed) return release();
      const origin = req.get("origin");
      const arrivedAt = process.hrtime.bigint();
      metrics?.started(endpoint.path);
      log.forwarding = forwardRequest(res, {
        upstream,
        apiKey,
        endpoint,
        request: asked,
        readUsage: !endpoint.spends ? "none" : metrics !== undefined ? "cost-and-tokens" : spend !== undefined ? "cost" : "none",
        allowedModels: policy.allowedModels,
        referer: config.appUrl ?? (origin !== undefined && config.allowedOrigins.has(origin) ? origin : undefined),
        title: config.appTitle,
        idleTimeoutMs: policy.idleTimeoutMs,
      });
      const result = await log.forwarding.catch((error: unknown) => {
        metrics?.ended(endpoint.path, "failed", 0);
        throw error;
      });
      if (metrics !== undefined) observe(metrics, endpoint, asked, result, arrivedAt);
      if (endpoint.spends) count(account, apiKey, asked, result);
    };
    routes.set(`${endpoint.method} ${endpoint.path}`, inSeries(...checks, handler));
  }
  const served = PROXY_ENDPOINTS.map((endpoint) => `${endpoint.method} ${endpoint.path}`).join(", ");
  const respond = errorResponder(logger, new ThrottledErrorLog(logger), { surface: "proxy" });
  /** A request no endpoint takes: refused as any other (another origin's), else NOT_FOUND. */
  const unserved = (req: Request, res: Response, fail: NextFunction) => guard(req, res, (error?: unknown) => fail(error ?? new GatewayError(ErrorCode.NOT_FOUND, `The proxy serves ${served} only.`)));
  // One handler, not a Router: the endpoints are found in one Map read rather than by a router's
  // layers (a regular expression and a Route each), and a router of the proxy's own cost every
  // completion a second dispatch (its `next`, its URL trimmed and restored: about 1 KB a completion).
  const handler: RequestHandler = (req, res, next) => {
    const fail = (error?: unknown) => respond(error, req, res, next);
    try {
      const route = routes.get(routeKey(req.method, req.path));
      proxyCors(req, res, route === undefined ? () => unserved(req, res, fail) : () => route(req, res, (error?: unknown) => (error === undefined ? unserved(req, res, fail) : fail(error))));
    } catch (thrown) {
      fail(thrown);
    }
  };
  return {
    handler,
    budget,
    async close(graceMs) {
      await inFlight.close(graceMs);
      limits.close();
      await Promise.all(counting);
    },
  };
}

/**
 * `METHOD /path` of the endpoint a request names, as Express's router would match its routes:
 * the path without regard to case (a request line's characters are all below U+0100, where only
 * A-Z lower-case to ASCII), with or without one trailing slash; HEAD served as GET.
 */
export function routeKey(method: string, path: string): string {
  const trimmed = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  return `${method === "HEAD" ? "GET" : method} ${trimmed.toLowerCase()}`;
}

/** What admit() gives back when it took no place. */
const NOTHING_TO_RELEASE: Release = () => {};
/** The query of an endpoint that takes none: never read (policy.ts passes on none). */
const NO_QUERY = new URLSearchParams();

/** What one forwarded request adds to the proxy's metrics, once its answer is over. */
function observe(metrics: ProxyMetrics, endpoint: ProxyEndpoint, asked: ProxyRequest, result: ForwardResult, arrivedAt: bigint): void {
  if (result.firstByteAt !== undefined) metrics.firstByte(endpoint.path, Number(result.firstByteAt - arrivedAt) / 1e9);
  metrics.ended(endpoint.path, result.outcome, result.bytes);
  if (result.usage !== undefined) metrics.spent(asked.model, result.usage);
}
