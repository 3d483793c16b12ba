import { ErrorCode, GatewayError } from "./errors.js";

/**
 * Every check of caller input, in one place: each takes an `unknown`, throws BAD_USER_INPUT with
 * words for the caller when it does not fit, and otherwise returns it narrowed to what the
 * services work with (as oauth4webapi's assertion helpers do). GraphQL has already checked the
 * types of its arguments; REST bodies arrive as any JSON, so the same checks serve both.
 */

const refuse = (message: string): never => {
  throw new GatewayError(ErrorCode.BAD_USER_INPUT, message);
};

/**
 * The form the server accepts: any `sk-or-` token of 20 to 256 URL-safe characters, prefix
 * included. Today's keys are `sk-or-v1-` + 64 hex, but that is OpenRouter's to change, so the
 * server checks only what keeps junk and oversize input away and lets OpenRouter decide.
 */
const API_KEY = /^sk-or-[A-Za-z0-9_-]{14,250}$/;

/** An OpenRouter API key, returned without surrounding white space (pasting often brings a newline). */
export function assertApiKey(value: unknown): string {
  if (typeof value !== "string" || value.trim() === "") return refuse("Enter an OpenRouter API key.");
  const key = value.trim();
  if (key.length > 256) return refuse("That is too long to be an OpenRouter API key.");
  if (!API_KEY.test(key)) return refuse("OpenRouter API keys start with sk-or- and are 20 to 256 letters, digits, - or _.");
  return key;
}

/** A non-empty string of at most `max` characters (an OAuth code or state). */
export function boundedString(value: unknown, name: string, max: number): string {
  if (typeof value !== "string" || value === "" || value.length > max) {
    return refuse(`\`${name}\` must be a non-empty string of at most ${max} characters.`);
  }
  return value;
}

const MAX_RETURN_TO_LENGTH = 2048;

/** A URL on one of the allowed origins, by exact origin match: no prefixes, no suffixes, no other schemes. */
export function assertReturnTo(value: string, allowedOrigins: ReadonlySet<string>): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || !allowedOrigins.has(url.origin) || value.length > MAX_RETURN_TO_LENGTH) {
    return refuse("returnTo must be a URL on one of the allowed origins.");
  }
  return url.toString();
}

/** The largest credit limit the gateway passes on when it has no cap of its own: a billion dollars. */
const MAX_KEY_LIMIT = 1e9;

/**
 * The credit limit (US dollars) a sign-in asks OpenRouter to put on the key it issues: a positive
 * number, never above the gateway's cap. Left out, the cap applies (null: no limit asked for).
 */
export function assertKeyLimit(value: unknown, cap: number | undefined): number | null {
  if (value === undefined || value === null) return cap ?? null;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > MAX_KEY_LIMIT) {
    return refuse("`limit` must be a positive number of credits (US dollars).");
  }
  if (cap !== undefined && value > cap) return refuse(`\`limit\` must be at most ${cap}, the most this site lets a key spend.`);
  return value;
}

/** `models()`' arguments: `first` a whole number from 0 to 500 (default 50), `search` trimmed and lower-cased. */
export function modelsArguments(options: { search?: string | null; first?: number | null }): { search: string; first: number } {
  const first = options.first ?? 50;
  if (!Number.isInteger(first) || first < 0 || first > 500) return refuse("`first` must be a whole number from 0 to 500.");
  const search = options.search?.trim().toLowerCase() ?? "";
  if (search.length > 200) return refuse("`search` must be at most 200 characters.");
  return { search, first };
}

/** A REST request body: a JSON object, or nothing at all (read as an empty one). */
export function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== "object" || Array.isArray(body)) return refuse("The request body must be a JSON object.");
  return body as Record<string, unknown>;
}

/** A REST field that is true, false, or absent (read as false). */
export function optionalBoolean(value: unknown, name: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") return refuse(`${name} must be true or false.`);
  return value;
}

/** A REST field that is a string, or absent (read as null). */
export function optionalString(value: unknown, name: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") return refuse(`${name} must be a string.`);
  return value;
}
