import type { RequestHandler } from "express";
import { ErrorCode, GatewayError } from "../errors.js";

/**
 * GraphQL queries over GET (urql's default, graphql-request's `method: "GET"`) run only when no
 * other site can have caused the request without CORS. A GET that another site's page makes
 * without CORS (an `<img src>`, a link, a form, a `no-cors` fetch) carries the user's cookie but
 * could not read the answer; it must not run a query either. Browsers say who caused a request
 * in Fetch Metadata:
 * - `Sec-Fetch-Site: same-origin` or `none` (the user's own navigation): runs;
 * - `same-site` or `cross-site`: runs only as a CORS request (`Sec-Fetch-Mode: cors`) whose
 *   `Origin` is allowed, i.e. one whose answer the page may read anyway;
 * - no Fetch Metadata and no `Origin`: a client that is not a browser (no ambient cookie to
 *   abuse), which runs; with an `Origin`, that origin must be allowed or the gateway's own.
 * Mutations never get here over GET: Apollo serves them over POST only, and POSTs need JSON
 * (a preflighted content type) and pass the origin guard.
 * @see https://web.dev/articles/fetch-metadata
 * @see https://www.w3.org/TR/fetch-metadata/
 */
export function crossSiteReadGuard(allowedOrigins: ReadonlySet<string>): RequestHandler {
  return (req, _res, next) => {
    if (req.method !== "GET" && req.method !== "HEAD") return next();
    const site = req.get("sec-fetch-site");
    const origin = req.get("origin");
    if (site === "same-origin" || site === "none") return next();
    const allowed = origin !== undefined && (allowedOrigins.has(origin) || origin === `${req.protocol}://${req.get("host")}`);
    if (site === undefined ? origin === undefined || allowed : req.get("sec-fetch-mode") === "cors" && allowed) return next();
    next(new GatewayError(ErrorCode.FORBIDDEN_ORIGIN));
  };
}
