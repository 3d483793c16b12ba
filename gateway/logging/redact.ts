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
