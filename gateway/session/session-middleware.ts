import type { CookieOptions, NextFunction, Request, RequestHandler, Response } from "express";
import session, { type Store } from "express-session";
import type { Config } from "../config.js";
import { ErrorCode, GatewayError } from "../errors.js";
import { SessionHandle } from "./session-handle.js";

declare module "express-serve-static-core" {
  interface Request {
    /** Set by the session middleware for everything downstream (resolvers, REST, getOpenRouterKey). */
    sessionHandle?: SessionHandle;
  }
}

/**
 * express-session configured per SPEC §6, followed by the expiry policy: the rolling idle
 * timeout and the absolute lifetime.
 */
export function sessionMiddleware(config: Config, store: Store): RequestHandler[] {
  const cookie: CookieOptions = {
    httpOnly: true,
    secure: config.cookie.secure,
    sameSite: config.cookie.sameSite,
    partitioned: config.cookie.partitioned,
    path: "/",
  };
  const expressSession = session({
    name: config.cookie.name,
    secret: [...config.sessionSecrets],
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
  const clearCookie = { name: config.cookie.name, options: cookie };

  const withStoreErrorsCoded: RequestHandler = (req, res, next) => {
    expressSession(req, res, (error?: unknown) => {
      if (error) return next(new GatewayError(ErrorCode.SESSION_STORE_UNAVAILABLE, undefined, { cause: error }));
      req.sessionHandle = new SessionHandle(req, res, clearCookie);
      next();
    });
  };

  /** A session's expiry is pushed forward at most this often: a tenth of the idle timeout, at most 5 minutes. */
  const renewEveryMs = Math.max(1, Math.min(300, Math.floor(config.session.ttlSeconds / 10))) * 1000;

  // The idle timeout and the absolute lifetime, which express-session has no option for. The
  // cookie and the Redis record always expire together: both are rewritten when a renewal is
  // due, so an active user stays signed in, and an idle one is signed out at most a renewal
  // window earlier than a per-request renewal would have done.
  const expiryPolicy = async (req: Request, _res: Response, next: NextFunction) => {
    const session = req.session;
    if (session === undefined || (session.auth === undefined && session.oauth === undefined)) return next();
    const now = Date.now();
    const absoluteEnd = session.auth === undefined ? Infinity : session.auth.signedInAt + config.session.maxAgeSeconds * 1000;
    if (absoluteEnd <= now) {
      try {
        await req.sessionHandle!.destroy();
      } catch (error) {
        return next(error);
      }
      return next();
    }
    const expires = session.cookie.expires?.getTime() ?? 0;
    const due = now - (session.renewedAt ?? 0) >= renewEveryMs;
    // Never let the idle expiry reach past the absolute one.
    if (due || expires > absoluteEnd) {
      session.cookie.maxAge = Math.min(config.session.ttlSeconds * 1000, absoluteEnd - now);
      // A change to the record: express-session saves it (with the TTL of the new expiry) and
      // sends the cookie again.
      session.renewedAt = now;
    }
    next();
  };

  return [withStoreErrorsCoded, expiryPolicy as RequestHandler];
}
