import type { Request, RequestHandler, Response } from "express";
import helmet, { type HelmetOptions } from "helmet";

/**
 * helmet's options for everything the gateway serves. The CSP suits the demo page (same-origin
 * scripts and styles only); the OAuth callback page replaces it with its own nonce-based one.
 */
export function securityHeaderOptions(options: { hsts: boolean }): HelmetOptions {
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        imgSrc: ["'self'", "data:"],
      },
    },
    // Pages here open the OAuth popup: `same-origin` would sever it from its opener.
    crossOriginOpenerPolicy: { policy: "same-origin-allow-popups" },
    // The element module is loaded by host pages on other origins.
    crossOriginResourcePolicy: { policy: "cross-origin" },
    // Only where cookies are Secure, i.e. the gateway is served over HTTPS.
    strictTransportSecurity: options.hsts ? { maxAge: 31_536_000 } : false,
  };
}

/**
 * helmet's headers on every answer. With these options they depend on nothing in the request (no
 * CSP directive is a function), so helmet is asked once, at start-up, which headers it sets and
 * which it removes, and each request gets exactly those in one pass, rather than through helmet's
 * dozen nested middlewares and their closures on every request. Should a directive ever depend
 * on the request (a per-request nonce), this must go back to running helmet per request.
 */
export function securityHeaders(options: { hsts: boolean }): RequestHandler {
  const { set, removed } = headersSetBy(helmet(securityHeaderOptions(options)));
  return (_req, res, next) => {
    // Express adds X-Powered-By to every response before any middleware runs.
    for (const name of removed) res.removeHeader(name);
    for (const [name, value] of set) res.setHeader(name, value);
    next();
  };
}

/** What a middleware that only sets and removes headers, synchronously, does to a response. */
function headersSetBy(middleware: ReturnType<typeof helmet>): { set: ReadonlyArray<readonly [string, string]>; removed: readonly string[] } {
  const set = new Map<string, readonly [string, string]>();
  const removed: string[] = [];
  const recorder = {
    setHeader(name: string, value: string) {
      set.set(name.toLowerCase(), [name, value]);
    },
    removeHeader(name: string) {
      set.delete(name.toLowerCase());
      removed.push(name);
    },
  };
  let finished = false;
  middleware({} as Request, recorder as unknown as Response, (error?: unknown) => {
    if (error !== undefined) throw error;
    finished = true;
  });
  if (!finished) throw new Error("helmet did not set its headers synchronously");
  return { set: [...set.values()], removed };
}
