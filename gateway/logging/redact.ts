/** What a secret is replaced with, as the logger's own redaction writes it. */
export const CENSOR = "[redacted]";

/**
 * Secrets as they appear in free text (a URL path, a message), each with what stays visible:
 * - an OpenRouter key (`sk-or-…`, also percent-encoded): its prefix, so a reader sees a key was there;
 * - a Fernet token (a session record, an OAuth state record): nothing of it;
 * - a bearer credential: the word `Bearer`;
 * - a `name=value` pair whose name the logger censors as a field (`api_key`, `code`,
 *   `code_verifier`, `state`, `key`, `cookie`, `authorization`…): the name.
 */
const SECRETS_IN_TEXT = new RegExp(
  [
    /(sk(?:-|%2d)or(?:-|%2d))[\w.~%-]*/.source,
    /()gAAAAA[\w=-]{20,}/.source,
    /(bearer\s+)[^\s,;]+/.source,
    /((?<![a-z0-9])(?:api_?key|code_?verifier|verifier|code|state|key|cookie|authorization)(?:=|%3d))[^&;/\s]*/.source,
  ].join("|"),
  "gi",
);

/**
 * Log text with every secret it holds censored: for values that reach a log line as text rather
 * than as a field the logger's `redact` paths can name (a request's path: a key pasted into a URL
 * would otherwise be written out as it is).
 */
export function redactText(text: string): string {
  return text.replace(SECRETS_IN_TEXT, (_match, ...kept: unknown[]) => {
    const prefix = kept.slice(0, 4).find((group) => typeof group === "string") ?? "";
    return `${prefix}${CENSOR}`;
  });
}

/**
 * How many layers of percent-encoding a path is read through before its secrets are looked for.
 * Each layer is a pass over the path, so a path wrapped in more (`%25252573k-or-…`) is cut instead.
 */
const MAX_DECODINGS = 4;

/**
 * A request path as a log may show it: percent-decoded (also when encoded several times over)
 * before secrets are looked for, so a key written `/%73k-or-v1-…` is censored like one written
 * plainly. A path still encoded after MAX_DECODINGS layers is kept up to its first `%`. A `?`
 * that decoding brings out is written `%3F`, so that a logged path never shows a query string.
 */
export function redactPath(path: string): string {
  let decoded = path;
  for (let layer = 0; layer < MAX_DECODINGS; layer++) {
    const next = decodeLayer(decoded);
    if (next === decoded) return redactText(decoded).replaceAll("?", "%3F");
    decoded = next;
  }
  if (decodeLayer(decoded) === decoded) return redactText(decoded).replaceAll("?", "%3F");
  return `${redactText(decoded.slice(0, decoded.indexOf("%"))).replaceAll("?", "%3F")}${CENSOR}`;
}

/**
 * One layer of percent-encoding decoded. A run of escapes that is not UTF-8 (`%ff`, a cut
 * sequence) has its ASCII escapes decoded and the rest left as they are: a key is ASCII, and a
 * stray byte before it must not keep it hidden from redaction.
 */
function decodeLayer(text: string): string {
  return text.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run.replace(/%([0-7][0-9a-f])/gi, (_escape, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    }
  });
}
