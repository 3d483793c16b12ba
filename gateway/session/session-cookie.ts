import { parse } from "cookie";
import { unsign } from "cookie-signature";

/**
 * The session id a request's cookie carries, read exactly as express-session reads it: the value
 * `s:<id>.<signature>`, its signature checked against each secret in turn (the first signs, all
 * verify). Undefined when there is no such cookie or its signature does not hold.
 */
export function signedSessionId(header: string | undefined, name: string, secrets: readonly string[]): string | undefined {
  // Most callers without a session send no cookie, or only the host's own: skip parsing them.
  if (header === undefined || !header.includes(name)) return undefined;
  const value = parse(header)[name];
  if (value === undefined || !value.startsWith("s:")) return undefined;
  for (const secret of secrets) {
    const id = unsign(value.slice(2), secret);
    if (id !== false) return id;
  }
  return undefined;
}
