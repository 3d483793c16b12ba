import type { Config } from "./config.js";

/** A combination of settings that start-up accepts but that cannot work in a browser. */
export interface ConfigWarning {
  /** The variable to change. */
  readonly variable: string;
  readonly message: string;
}

/**
 * What the browser will do with the session cookie, checked against where the pages are. Each of
 * these shows, without a warning, only as an element that stays signed out (or signs out again on
 * reload), so the gateway says it once at start-up, naming the setting to change.
 */
export function configWarnings(config: Config): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  const gateway = new URL(config.redirectUri);
  const { sameSite, partitioned, secure } = config.cookie;

  const crossSite = [...config.allowedOrigins].filter((origin) => !sameSiteAs(new URL(origin), gateway));
  if (crossSite.length > 0 && sameSite !== "none") {
    warnings.push({
      variable: "COOKIE_SAMESITE",
      message:
        `ALLOWED_ORIGINS has ${crossSite.join(", ")}, on another site than the gateway (${gateway.origin}), but COOKIE_SAMESITE=${sameSite}: ` +
        "browsers will not send the session cookie from those pages, so the element there stays signed out. " +
        "Serve the gateway on the pages' site, or set COOKIE_SAMESITE=none and COOKIE_PARTITIONED=true with the gateway on HTTPS.",
    });
  }
  if (sameSite === "none" && !partitioned) {
    warnings.push({
      variable: "COOKIE_PARTITIONED",
      message:
        "COOKIE_SAMESITE=none without COOKIE_PARTITIONED=true: browsers that block third-party cookies (by default, or because the user chose to) " +
        "drop the session cookie of a gateway embedded on another site, so the element there signs in and is signed out again on reload. Set COOKIE_PARTITIONED=true.",
    });
  }
  if (partitioned && sameSite !== "none") {
    warnings.push({
      variable: "COOKIE_SAMESITE",
      message: `COOKIE_PARTITIONED=true with COOKIE_SAMESITE=${sameSite}: a partitioned cookie is only useful across sites, where a ${sameSite} cookie is never sent. Set COOKIE_SAMESITE=none.`,
    });
  }
  if (secure && gateway.protocol === "http:" && !isLoopback(gateway.hostname)) {
    warnings.push({
      variable: "OPENROUTER_REDIRECT_URI",
      message:
        `The session cookie is Secure but OPENROUTER_REDIRECT_URI (${gateway.origin}) is plain HTTP: browsers keep Secure cookies only from HTTPS, so no sign-in will last. ` +
        "Serve the gateway over HTTPS (with TRUST_PROXY behind a TLS-terminating proxy) and give its https:// URL.",
    });
  }
  return warnings;
}

/**
 * Whether two URLs are on the same site as browsers decide it for SameSite cookies: the same
 * scheme and registrable domain. Without the Public Suffix List the registrable domain is taken
 * as the last two labels, which can only call two sites one (hosts under `co.uk`, `github.io`),
 * never one site two: so a warning may be missed, never given wrongly.
 * @see https://html.spec.whatwg.org/multipage/browsers.html#same-site
 */
function sameSiteAs(a: URL, b: URL): boolean {
  return a.protocol === b.protocol && siteOf(a.hostname) === siteOf(b.hostname);
}

function siteOf(hostname: string): string {
  // An IP address is a site of its own.
  if (/^[\d.]+$/.test(hostname) || hostname.startsWith("[")) return hostname;
  return hostname.split(".").slice(-2).join(".");
}

/** Browsers treat these as secure contexts and keep Secure cookies from them over plain HTTP. */
function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname.endsWith(".localhost") || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
