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
 * express-session configured per SPEC §6, followed by the absolute-lifetime check that
 * express-session has no option for.
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
    // Idle timeout: each answer pushes the cookie's and the record's expiry forward.
    rolling: true,
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

  const absoluteLifetime = async (req: Request, _res: Response, next: NextFunction) => {
    const auth = req.session?.auth;
    if (auth === undefined) return next();
    const remainingMs = auth.signedInAt + config.session.maxAgeSeconds * 1000 - Date.now();
    if (remainingMs <= 0) {
      try {
        await req.sessionHandle!.destroy();
      } catch (error) {
        return next(error);
      }
      return next();
    }
    // Never let the idle expiry (cookie and Redis TTL alike) reach past the absolute one.
    req.session.cookie.maxAge = Math.min(config.session.ttlSeconds * 1000, remainingMs);
    next();
  };

  return [withStoreErrorsCoded, absoluteLifetime as RequestHandler];
}
