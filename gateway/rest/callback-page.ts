import { randomBytes } from "node:crypto";
import type { Response } from "express";
import { POPUP_CHANNEL } from "./relay-page.js";

/** What the popup tells its opener (docs/contract.md §5 step 3). */
export type CallbackMessage =
  | { type: "openrouter-auth"; ok: true }
  | { type: "openrouter-auth"; ok: false; error: string }
  | { type: "openrouter-auth"; code: string; state: string };

export interface CallbackPageContent {
  readonly title: string;
  readonly text: string;
  /** Posted to the opener, at `targetOrigin` only; null posts nothing. */
  readonly message: CallbackMessage | null;
  readonly targetOrigin: string | null;
  /** Where to go when there is no opener (redirect mode); already checked against the allow-list. */
  readonly returnTo: string | null;
  /**
   * The flow's state, when the page reports its outcome (`ok`): with no opener and nowhere to
   * return to (a popup cut off by its opener's COOP), the outcome goes to the element's relay
   * frame (`relay-page.ts`) instead.
   */
  readonly state?: string;
}

/** How many times, and how often (ms), a popup without an opener announces its outcome until the relay frame answers. */
const ANNOUNCE = { times: 20, everyMs: 250 };

// The page's one script. It is static: the data it acts on travels in a JSON block, which a
// browser never executes, so nothing request-dependent is ever interpreted as code. Without an
// opener, an outcome (never a code) is announced on the gateway's origin, where the element's
// relay frame hears it; the frame answers with the element's words for "you can close this
// window", shown before the window tries to close itself (a popup that lost its opener may not be
// allowed to).
const SCRIPT = `
const data = JSON.parse(document.getElementById("result").textContent);
if (window.opener && data.message && data.targetOrigin) {
  window.opener.postMessage(data.message, data.targetOrigin);
  window.close();
} else if (data.returnTo) {
  location.replace(data.returnTo);
} else if (data.state && data.targetOrigin && data.message && "ok" in data.message) {
  const channel = new BroadcastChannel(data.channel);
  const outcome = { ...data.message, state: data.state, targetOrigin: data.targetOrigin };
  let sent = 0;
  const timer = setInterval(() => {
    if (++sent >= data.announce.times) clearInterval(timer);
    channel.postMessage(outcome);
  }, data.announce.everyMs);
  channel.postMessage(outcome);
  channel.onmessage = ({ data: ack }) => {
    if (!ack || ack.type !== "openrouter-auth-ack" || ack.state !== data.state) return;
    clearInterval(timer);
    channel.close();
    if (typeof ack.words === "string" && ack.words) {
      const main = document.querySelector("main");
      const text = document.createElement("p");
      text.textContent = ack.words;
      main.replaceChildren(text);
      main.lang = typeof ack.lang === "string" ? ack.lang : "";
      document.title = ack.words;
    }
    window.close();
  };
}`;

const STYLE = `
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; display: grid; place-items: center; min-height: 100vh; color: #1f2328; background: #fff; }
main { max-width: 28rem; padding: 2rem; text-align: center; }
@media (prefers-color-scheme: dark) { body { color: #e6edf3; background: #0d1117; } }`;

/**
 * Sends the page OpenRouter's redirect lands on: a strict CSP with a nonce for its one script and
 * style, no referrer (the URL holds a code), never cached, and no COOP `same-origin`, which would
 * sever the popup from its opener.
 */
export function sendCallbackPage(res: Response, content: CallbackPageContent, status = 200): void {
  const nonce = randomBytes(16).toString("base64");
  const data = JSON.stringify({ message: content.message, targetOrigin: content.targetOrigin, returnTo: content.returnTo, state: content.state ?? null, channel: POPUP_CHANNEL, announce: ANNOUNCE })
    // Inside <script type="application/json">, only "<" could end the block early.
    .replaceAll("<", "\\u003c");
  res
    .status(status)
    .set({
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      "referrer-policy": "no-referrer",
      "cache-control": "no-store",
      "cross-origin-opener-policy": "unsafe-none",
      "x-content-type-options": "nosniff",
    })
    .send(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(content.title)}</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(content.title)}</h1>
<p>${escapeHtml(content.text)}</p>
</main>
<script type="application/json" id="result">${data}</script>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>
`);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
