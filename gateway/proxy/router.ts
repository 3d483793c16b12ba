import express, { Router, type RequestHandler } from "express";
import type { AuthService } from "../auth/service.js";
import type { Config } from "../config.js";
import { ErrorCode, GatewayError, errorBody } from "../errors.js";
import { cors } from "../http/cors.js";
import { jsonOnly, originGuard } from "../http/origin-guard.js";
import type { Logger } from "../logging/logger.js";
import { CompletionLog } from "./completion-log.js";
import { CompletionsInFlight } from "./completions-in-flight.js";
import { forwardCompletion } from "./forward.js";
import { checkCompletionRequest } from "./policy.js";
import { errorResponder, sendError } from "../http/error-response.js";
import { ThrottledErrorLog } from "../logging/throttled-error-log.js";
import { SessionLimits } from "./session-limits.js";
import type { UpstreamConnections } from "../openrouter/upstream-connections.js";
import type { KeyValueStore } from "../store/key-value-store.js";

/** Where the proxy is mounted: an OpenAI-compatible base URL. */
export const PROXY_PATH = "/api/v1/openrouter/proxy";

export interface ProxyDeps {
  readonly config: Config;
  readonly auth: AuthService;
  /** Where the per-session limits are kept: Redis, shared by every instance, or this process. */
  readonly store: KeyValueStore;
  readonly logger: Logger;
  /** The gateway's session middleware: the proxy runs before the gateway's own CORS, so it brings the session along itself. */
  readonly sessions: RequestHandler;
  /** Prefix of the store keys the limits use. */
  readonly keyPrefix: string;
  /** The gateway's connections to OpenRouter (closed by the gateway, after the proxy). */
  readonly upstream: UpstreamConnections;
}

/** The proxy, and how its owner stops it. */
export interface ProxyRouter {
  readonly router: Router;
  /**
   * Refuses completions from now on (503 SHUTTING_DOWN), lets those running end, for at most
   * `graceMs`, cuts those still running then, and stops renewing their leases. Resolves once
   * nothing of the proxy needs OpenRouter's connections or the store any more.
   */
  close(graceMs: number): Promise<void>;
}

/**
 * The OpenRouter proxy: `POST /chat/completions` with the session's key, for pages and
 * OpenAI-style clients that hold the session cookie and never the key. Every refusal (signed
 * out, another origin, too large, against the policy, over a limit, the gateway closing) is
 * answered here, before anything goes upstream, as `{"error":{"code":"<CODE>","message":"..."}}`.
 */
export function createProxyRouter(deps: ProxyDeps): ProxyRouter {
  const { config, auth, logger } = deps;
  const policy = config.proxy;
  const router = Router();
  const limits = new SessionLimits({ store: deps.store, policy, prefix: `${deps.keyPrefix}proxy:` });

  router.use(cors(config.allowedOrigins, { allowRequestedHeaders: true }));
  if (!policy.enabled) {
    router.use((_req, res) => {
      const error = new GatewayError(ErrorCode.PROXY_DISABLED);
      sendError(res, error, errorBody(error, "proxy"));
    });
    return { router, close: async () => {} };
  }
  const { upstream } = deps;
  const guard = originGuard(config.allowedOrigins);
  const inFlight = new CompletionsInFlight();

  const signedIn: RequestHandler = (req, _res, next) => {
    next(req.sessionHandle !== undefined && auth.apiKeyOf(req.sessionHandle) !== null ? undefined : new GatewayError(ErrorCode.UNAUTHENTICATED));
  };

  router.post(
    "/chat/completions",
    // Counted in first, before the session is read: once closing has begun, the store may be
    // closed too, and the caller is told why it is refused. The completion's log note is its
    // part of the request's access-log line (http/request-log.ts), refusals included.
    (_req, res, next) => {
      const log = new CompletionLog();
      if (!inFlight.admit(res, log)) return next(new GatewayError(ErrorCode.SHUTTING_DOWN));
      res.accessLogNote = log;
      next();
    },
    guard,
    deps.sessions,
    signedIn,
    jsonOnly,
    express.json({ limit: policy.maxBodyBytes }),
    async (req, res) => {
      const log = res.accessLogNote as CompletionLog;
      const session = req.sessionHandle!;
      const apiKey = auth.apiKeyOf(session)!;
      const completion = checkCompletionRequest(req.body, policy);
      log.asked(completion.model, completion.stream);
      const sessionId = session.storedId!;
      const release = await limits.admit(sessionId);
      res.once("close", release);
      if (res.destroyed) return release();
      const origin = req.get("origin");
      log.forwarding = forwardCompletion(res, {
        upstream,
        apiKey,
        completion,
        referer: config.appUrl ?? (origin !== undefined && config.allowedOrigins.has(origin) ? origin : undefined),
        title: config.appTitle,
        idleTimeoutMs: policy.idleTimeoutMs,
      });
      await log.forwarding;
    },
  );
  router.use(guard, (_req, _res, next) => next(new GatewayError(ErrorCode.NOT_FOUND, "The proxy serves POST /chat/completions only.")));
  router.use(errorResponder(logger, new ThrottledErrorLog(logger), { surface: "proxy" }));
  return {
    router,
    async close(graceMs) {
      await inFlight.close(graceMs);
      limits.close();
    },
  };
}
