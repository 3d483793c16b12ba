import type { RequestHandler } from "express";
import { ErrorCode, GatewayError } from "../errors.js";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * CORS only hides answers from other origins; the request itself still runs. So an unsafe
 * request (a sign-in, a sign-out) from a browser on an origin that is not allowed is refused
 * here, before any side effect. Browsers say where a request comes from in `Sec-Fetch-Site`
 * (and `Origin`); a request with neither comes from a non-browser client and passes, since no
 * browser's ambient cookie can be abused through it.
 * @see https://web.dev/articles/fetch-metadata
 */
export function originGuard(allowedOrigins: ReadonlySet<string>, options: { readonly everyMethod?: boolean } = {}): RequestHandler {
  return (req, _res, next) => {
    // `everyMethod`: reads too, where the read itself costs or reveals something (the proxy's GETs).
    if (options.everyMethod !== true && SAFE_METHODS.has(req.method)) return next();
    const site = req.get("sec-fetch-site");
    const origin = req.get("origin");
    if (site === "same-origin" || site === "none") return next();
    if (origin !== undefined && allowedOrigins.has(origin)) return next();
    if (site === undefined && origin === undefined) return next();
    // Without Fetch Metadata (older browsers), a same-origin request still names our own origin.
    if (site === undefined && origin === `${req.protocol}://${req.get("host")}`) return next();
    next(new GatewayError(ErrorCode.FORBIDDEN_ORIGIN));
  };
}
