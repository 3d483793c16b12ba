import type { CookieOptions, RequestHandler } from "express";
import session from "express-session";
import { sign } from "cookie-signature";
import type { Config } from "../config.js";
import type { AuthMetrics } from "../metrics/recorders.js";
import { ErrorCode, GatewayError } from "../errors.js";
import { fixedCookieAttributes, sessionIdReader } from "./session-cookie.js";
import { SessionHandle, type SessionHandleDeps } from "./session-handle.js";
import type { SessionState } from "./session-records.js";
import { lifetimePolicy, onRead } from "./session-lifetime.js";
import type { SessionStorage } from "./session-store.js";

declare module "express-serve-static-core" {
  interface Request {
    /** Set by the session middleware for everything downstream (resolvers, REST, getOpenRouterKey). */
    sessionHandle?: SessionHandle;
  }
}

/** The session middleware, and how it reads a request's session id from its cookie header. */
export type SessionMiddleware = RequestHandler & {
  /** The session id the cookie header names (its signature checked), as the middleware reads it. */
  readonly sessionIdOf: (cookieHeader: string | undefined) => string | undefined;
};

/**
 * The session of every request as a SessionHandle (read from the store when the cookie names
 * one), express-session configured per docs/contract.md §6 for the requests that change it, and the session
 * lifetime rules (session-lifetime.ts) applied as the record is read.
 */
export function sessionMiddleware(config: Config, storage: SessionStorage, now: () => number, metrics?: AuthMetrics): SessionMiddleware {
  const { store, records } = storage;
  const cookie: CookieOptions = { ...fixedCookieAttributes(config.cookie), secure: config.cookie.secure };
  const secrets = [...config.sessionSecrets];
  const expressSession = session({
    name: config.cookie.name,
    secret: secrets,
    store,
    // No session, and no store access, for a caller who has not started a sign-in.
    saveUninitialized: false,
    resave: false,
    // The idle timeout is renewed by the expiry policy below, at most once per renewal window,
    // rather than by re-signing and re-sending the cookie (and an EXPIRE) on every answer.
    rolling: false,
    // "keep": when reading a session fails (Redis hiccup), express-session leaves no session on
    // the request, and "destroy" would then delete the record as soon as Redis answers again.
    unset: "keep",
    // Where Secure is not required, it is still added whenever the request came over HTTPS
    // (directly, or through a proxy trusted by TRUST_PROXY).
    cookie: { ...cookie, secure: config.cookie.secure ? true : "auto", maxAge: config.session.ttlSeconds * 1000 },
  });
  const sessionIdOf = sessionIdReader(config.cookie.name, secrets);
  const storeUnavailable = (error: unknown) => new GatewayError(ErrorCode.SESSION_STORE_UNAVAILABLE, undefined, { cause: error });
  const handleDeps: SessionHandleDeps = {
    records,
    now,
    clearCookie: { name: config.cookie.name, options: cookie },
    // The cookie express-session would send, for a renewal written outside it.
    sendCookie(req, res, id, expires) {
      res.cookie(config.cookie.name, `s:${sign(id, secrets[0]!)}`, { ...cookie, secure: config.cookie.secure || req.secure, expires });
    },
    attach: (req, res) =>
      new Promise<void>((resolve, reject) => {
        expressSession(req, res, (error?: unknown) => (error ? reject(storeUnavailable(error)) : resolve()));
      }),
  };

  const policy = lifetimePolicy(config.session);

  // The idle timeout and the absolute lifetime, which express-session has no option for, and the
  // end of a session that held only flows that have since expired.
  async function applyLifetime(handle: SessionHandle): Promise<void> {
    const decision = onRead(handle.data, handle.cookieExpires?.getTime() ?? null, now(), policy);
    if (decision.action === "end") {
      const ended = handle.data;
      await handle.destroy();
      return metrics?.sessionExpired(ended);
    }
    if (decision.action === "renew") await handle.renew(decision.maxAgeMs);
  }

  // Reading the session is one store read and nothing else: express-session (which would also
  // hash the record twice, wrap the response and rebuild its objects on every request) joins
  // only a request that changes the session, through the handle's attach().
  const middleware: RequestHandler = (req, res, next) => {
    const id = sessionIdOf(req.headers.cookie);
    const proceed = (state: SessionState) => {
      const handle = (req.sessionHandle = new SessionHandle(req, res, id, state, handleDeps));
      if (handle.storedId === undefined) return next();
      applyLifetime(handle).then(() => next(), next);
    };
    // No session cookie, or a forged one: a signed-out caller, and no store access at all.
    if (id === undefined) return proceed(undefined);
    records.read(id).then(proceed, next);
  };
  return Object.assign(middleware, { sessionIdOf });
}
