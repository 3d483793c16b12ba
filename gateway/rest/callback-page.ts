import { randomBytes } from "node:crypto";
import type { Response } from "express";

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
}

// The page's one script. It is static: the data it acts on travels in a JSON block, which a
// browser never executes, so nothing request-dependent is ever interpreted as code.
const SCRIPT = `
const data = JSON.parse(document.getElementById("result").textContent);
if (window.opener && data.message && data.targetOrigin) {
  window.opener.postMessage(data.message, data.targetOrigin);
  window.close();
} else if (data.returnTo) {
  location.replace(data.returnTo);
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
  const data = JSON.stringify({ message: content.message, targetOrigin: content.targetOrigin, returnTo: content.returnTo })
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
