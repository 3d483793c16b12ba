import { randomBytes } from "node:crypto";
import type { RequestHandler } from "express";
import { arrivalOf } from "../http/arrival.js";

/** The channel the callback page and the relay frame share, on the gateway's origin. */
export const POPUP_CHANNEL = "openrouter-auth-popup";

/** The longest words a page may have the popup say. */
const MAX_WORDS = 300;

// The frame's one script; static, like the callback page's: the origin it serves arrives in a
// JSON block, the element's language and words in the frame's own query.
const SCRIPT = `
const { origin, channel: name, max } = JSON.parse(document.getElementById("relay").textContent);
const query = new URLSearchParams(location.search);
const channel = new BroadcastChannel(name);
channel.onmessage = ({ data }) => {
  if (!data || data.type !== "openrouter-auth" || data.targetOrigin !== origin || typeof data.state !== "string") return;
  const ok = data.ok === true;
  parent.postMessage(ok ? { type: "openrouter-auth", state: data.state, ok } : { type: "openrouter-auth", state: data.state, ok, error: String(data.error) }, origin);
  const words = (query.get(ok ? "done" : "failed") || "").slice(0, max);
  channel.postMessage({ type: "openrouter-auth-ack", state: data.state, lang: (query.get("lang") || "").slice(0, 35), words });
};`;

/**
 * `GET {REST_BASE}/oauth/relay?origin=&lang=&done=&failed=`: the frame the element embeds while a
 * popup sign-in runs, for the case where the popup has lost its opener (a host page with
 * `Cross-Origin-Opener-Policy: same-origin` severs it as soon as it leaves the host's origin). The
 * callback page, on the gateway's origin like this frame, announces the outcome on a
 * BroadcastChannel; this frame passes it to its parent and answers with the words, in the
 * element's language, that the popup shows if it cannot close itself.
 *
 * Only the parent named by `origin` gets anything, and only for flows that origin started: it must
 * be an allowed origin (or the gateway's own, for a router mounted in the host's app), the frame
 * may only be embedded there (`frame-ancestors`), `postMessage` targets it exactly, and the
 * callback page names the flow's origin, which must match. A code never travels this way.
 */
export function relayPage(allowedOrigins: ReadonlySet<string>): RequestHandler {
  return (req, res) => {
    const origin = typeof req.query.origin === "string" ? req.query.origin : "";
    const allowed = allowedOrigins.has(origin) || origin === arrivalOf(req).origin;
    const nonce = randomBytes(16).toString("base64");
    // The CSP replaces helmet's `frame-ancestors 'none'`; X-Frame-Options would forbid the frame
    // on another origin whatever the CSP says in older browsers.
    res.removeHeader("x-frame-options");
    res
      .status(allowed ? 200 : 403)
      .set({
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": `default-src 'none'; script-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'; frame-ancestors ${allowed ? origin : "'none'"}`,
        "referrer-policy": "no-referrer",
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      })
      .send(
        allowed
          ? `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>openrouter-auth relay</title></head><body>
<script type="application/json" id="relay">${JSON.stringify({ origin, channel: POPUP_CHANNEL, max: MAX_WORDS }).replaceAll("<", "\\u003c")}</script>
<script nonce="${nonce}">${SCRIPT}</script>
</body></html>
`
          : `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not allowed</title></head><body><p>This origin is not in the gateway's ALLOWED_ORIGINS.</p></body></html>\n`,
      );
  };
}
