import type { CookieOptions, RequestHandler } from "express";
import session, { type Store } from "express-session";
import type { Config } from "../config.js";
import { ErrorCode, GatewayError } from "../errors.js";
import { sessionIdReader } from "./session-cookie.js";
import { SessionHandle, type StoredRecord } from "./session-handle.js";

declare module "express-serve-static-core" {
  interface Request {
    /** Set by the session middleware for everything downstream (resolvers, REST, getOpenRouterKey). */
    sessionHandle?: SessionHandle;
  }
}

/**
 * The session of every request as a SessionHandle (read from the store when the cookie names
 * one), express-session configured per SPEC §6 for the requests that change it, and the expiry
 * policy: the rolling idle timeout and the absolute lifetime.
 */
export function sessionMiddleware(config: Config, store: Store): RequestHandler {
  const cookie: CookieOptions = {
    httpOnly: true,
    secure: config.cookie.secure,
    sameSite: config.cookie.sameSite,
    partitioned: config.cookie.partitioned,
    path: "/",
  };
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
  const clearCookie = { name: config.cookie.name, options: cookie };
  const sessionIdOf = sessionIdReader(config.cookie.name, secrets);
  const storeUnavailable = (error: unknown) => new GatewayError(ErrorCode.SESSION_STORE_UNAVAILABLE, undefined, { cause: error });

  /** A session's expiry is pushed forward at most this often: a tenth of the idle timeout, at most 5 minutes. */
  const renewEveryMs = Math.max(1, Math.min(300, Math.floor(config.session.ttlSeconds / 10))) * 1000;

  // The idle timeout and the absolute lifetime, which express-session has no option for. The
  // cookie and the Redis record always expire together: both are rewritten when a renewal is
  // due, so an active user stays signed in, and an idle one is signed out at most a renewal
  // window earlier than a per-request renewal would have done.
  async function applyExpiryPolicy(handle: SessionHandle): Promise<void> {
    const { auth, renewedAt } = handle.data;
    const now = Date.now();
    const absoluteEnd = auth === undefined ? Infinity : auth.signedInAt + config.session.maxAgeSeconds * 1000;
    if (absoluteEnd <= now) return handle.destroy();
    const due = now - (renewedAt ?? 0) >= renewEveryMs;
    // Never let the idle expiry reach past the absolute one.
    const expires = handle.cookieExpires?.getTime() ?? 0;
    if (due || expires > absoluteEnd) await handle.renew(Math.min(config.session.ttlSeconds * 1000, absoluteEnd - now), now);
  }

  // Reading the session is one store read and nothing else: express-session (which would also
  // hash the record twice, wrap the response and rebuild its objects on every request) joins
  // only a request that changes the session, through the handle's attach().
  return (req, res, next) => {
    const attach = () =>
      new Promise<void>((resolve, reject) => {
        expressSession(req, res, (error?: unknown) => (error ? reject(storeUnavailable(error)) : resolve()));
      });
    const id = sessionIdOf(req.headers.cookie);
    const proceed = (record: StoredRecord | undefined) => {
      const handle = (req.sessionHandle = new SessionHandle(req, res, { id, record, attach, clearCookie }));
      if (handle.storedId === undefined) return next();
      applyExpiryPolicy(handle).then(() => next(), next);
    };
    // No session cookie, or a forged one: a signed-out caller, and no store access at all.
    if (id === undefined) return proceed(undefined);
    store.get(id, (error, record) => {
      if (error) return next(storeUnavailable(error));
      proceed((record as StoredRecord | null | undefined) ?? undefined);
    });
  };
}
