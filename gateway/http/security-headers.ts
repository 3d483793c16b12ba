import type { RequestHandler } from "express";
import helmet from "helmet";

/**
 * helmet's headers on everything the gateway serves. The CSP suits the demo page (same-origin
 * scripts and styles only); the OAuth callback page replaces it with its own nonce-based one.
 */
export function securityHeaders(options: { hsts: boolean }): RequestHandler {
  return helmet({
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
  });
}
