import type { RequestHandler } from "express";
import { sendJson } from "../http/send-json.js";

/**
 * `GET {REST_BASE}/origin`: whether the calling page's origin (the request's `Origin`) is in
 * ALLOWED_ORIGINS, as `{"origin","allowed"}`. Open to every origin (`*`, no credentials), so that
 * the element can ask it after its own credentialed request failed as a network error: a refused
 * CORS request and an unreachable gateway look alike to a page, and only the first is a setting
 * to change. It reveals nothing a failed CORS request does not already imply, and reads no session.
 */
export function originProbe(allowedOrigins: ReadonlySet<string>): RequestHandler {
  return (req, res) => {
    const origin = req.get("origin") ?? null;
    res.setHeader("access-control-allow-origin", "*");
    res.vary("Origin");
    sendJson(res, { origin, allowed: origin !== null && allowedOrigins.has(origin) });
  };
}
