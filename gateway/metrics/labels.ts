import { ErrorCode, httpStatusOf } from "../errors.js";

/**
 * The bounded sets every label's values come from: a value outside its set is recorded as
 * `other` (or `unknown`), never as it came. What a caller chose (a path, an operation name, a
 * model, a header) can thus neither grow the number of series nor carry a secret into a scrape.
 */

/** Where a request came in: the gateway's surfaces, a fixed set. */
export const SURFACES = ["graphql", "rest", "proxy", "element", "health", "other"] as const;
export type Surface = (typeof SURFACES)[number];

/** The codes of the vocabulary a refusal is counted by: those answered with a 4xx status. */
export const REFUSAL_CODES: ReadonlySet<ErrorCode> = new Set(
  (Object.values(ErrorCode) as ErrorCode[]).filter((code) => {
    const status = httpStatusOf(code);
    return status >= 400 && status < 500;
  }),
);

/** Every code of the vocabulary (a sign-in's outcome when it failed). */
export const ERROR_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/** HTTP statuses as label values: a real status, else `other`. */
export function statusLabel(status: number): string {
  return Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : "other";
}

export const GRAPHQL_OUTCOMES = ["success", "refused", "failed"] as const;
export type GraphQLOutcome = (typeof GRAPHQL_OUTCOMES)[number];
/** Operation labels besides the schema's own root fields. */
export const OTHER_OPERATIONS = ["multiple", "introspection", "unknown"] as const;

export const SIGN_IN_METHODS = ["api_key", "oauth"] as const;
export type SignInMethod = (typeof SIGN_IN_METHODS)[number];

export const OAUTH_EVENTS = ["started", "completed", "failed", "expired"] as const;
export type OAuthEvent = (typeof OAUTH_EVENTS)[number];

export const SESSION_END_REASONS = ["sign_out", "expired", "revoked"] as const;
export type SessionEndReason = (typeof SESSION_END_REASONS)[number];

/** The Redis commands the gateway and connect-redis send; any other is `other`. */
export const STORE_COMMANDS: ReadonlySet<string> = new Set([
  "get",
  "set",
  "del",
  "getdel",
  "expire",
  "pexpire",
  "ttl",
  "pttl",
  "eval",
  "evalsha",
  "zrem",
  "mget",
  "scan",
  "ping",
  "info",
  "cluster",
  "select",
  "auth",
  "quit",
]);

/** The OpenRouter API paths the gateway's own client calls (openrouter/client.ts). */
export const OPENROUTER_ENDPOINTS: ReadonlySet<string> = new Set(["/key", "/credits", "/models", "/auth/keys"]);

/** The proxy's endpoints (docs/contract.md §10), as paths below the proxy's base URL; any other is `other`. */
export const PROXY_ENDPOINTS: ReadonlySet<string> = new Set(["/chat/completions", "/completions", "/responses", "/embeddings", "/models", "/generation"]);

/** How a proxied request ended (the proxy's access-log outcomes); any other is `other`. */
export const PROXY_OUTCOMES: ReadonlySet<string> = new Set(["completed", "upstream-error", "upstream-failed", "client-left", "gateway-closed", "refused", "failed"]);

export const TOKEN_KINDS = ["prompt", "completion"] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

/** A value as its label: itself when in the set, else `other`. */
export function bounded(value: string, set: ReadonlySet<string>): string {
  return set.has(value) ? value : "other";
}

/**
 * Model ids as labels: only those PROXY_ALLOWED_MODELS lists. An exact entry is its own label;
 * an id a prefix entry (`openai/*`) matches is labelled with that entry, since the ids under a
 * prefix are the caller's to make up. Everything else, and every model when no list is set, is `other`.
 */
export function modelLabeller(allowedModels: readonly string[] | undefined): (model: string | undefined) => string {
  const exact = new Set((allowedModels ?? []).filter((entry) => !entry.endsWith("*")));
  const prefixes = (allowedModels ?? []).filter((entry) => entry.endsWith("*")).map((entry) => ({ entry, prefix: entry.slice(0, -1) }));
  return (model) => {
    if (model === undefined) return "other";
    if (exact.has(model)) return model;
    return prefixes.find((candidate) => model.startsWith(candidate.prefix))?.entry ?? "other";
  };
}
