import { redactText } from "./logging/redact.js";

/**
 * The product's one error vocabulary. The OpenRouter client, the session layer, the services,
 * GraphQL and REST all speak it; nothing else reaches a caller. Each code has its HTTP status
 * and the words a caller sees when nothing more specific was said, here and nowhere else.
 */
export const ErrorCode = {
  BAD_USER_INPUT: "BAD_USER_INPUT",
  INVALID_API_KEY: "INVALID_API_KEY",
  UNAUTHENTICATED: "UNAUTHENTICATED",
  OAUTH_STATE_INVALID: "OAUTH_STATE_INVALID",
  OAUTH_EXCHANGE_FAILED: "OAUTH_EXCHANGE_FAILED",
  UPSTREAM_UNAVAILABLE: "UPSTREAM_UNAVAILABLE",
  SESSION_STORE_UNAVAILABLE: "SESSION_STORE_UNAVAILABLE",
  /** The gateway is closing: what it has started runs to its end, and it takes on nothing new. */
  SHUTTING_DOWN: "SHUTTING_DOWN",
  RATE_LIMITED: "RATE_LIMITED",
  /** A request body over the size limit. */
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  /** A request body that is not JSON, or in an encoding the gateway does not read. */
  UNSUPPORTED_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  /**
   * An OAuth sign-in whose issued key may spend more than OPENROUTER_KEY_LIMIT (no limit, or a
   * higher one): the user changed the `/auth` URL's `limit`. The key is not kept.
   */
  KEY_LIMIT_TOO_HIGH: "KEY_LIMIT_TOO_HIGH",
  /** A sign-in over plain HTTP where the session cookie is Secure: the browser would never get it. */
  INSECURE_TRANSPORT: "INSECURE_TRANSPORT",
  /** An unsafe request from a browser on an origin that is not allowed. */
  FORBIDDEN_ORIGIN: "FORBIDDEN_ORIGIN",
  // The OpenRouter proxy's own refusals (/api/v1/openrouter/proxy).
  /** PROXY_ENABLED=false, or a path the proxy does not serve. */
  PROXY_DISABLED: "PROXY_DISABLED",
  NOT_FOUND: "NOT_FOUND",
  /** The model (or one of `models`) is not in PROXY_ALLOWED_MODELS. */
  MODEL_NOT_ALLOWED: "MODEL_NOT_ALLOWED",
  /** `max_tokens` / `max_completion_tokens` above PROXY_MAX_TOKENS. */
  MAX_TOKENS_EXCEEDED: "MAX_TOKENS_EXCEEDED",
  /** The account already has PROXY_MAX_CONCURRENT_STREAMS requests running. */
  TOO_MANY_STREAMS: "TOO_MANY_STREAMS",
  /** The account has spent PROXY_SPEND_LIMIT credits through the proxy in this window. */
  SPEND_LIMIT_REACHED: "SPEND_LIMIT_REACHED",
  /** The catch-all that masks every unexpected failure. */
  INTERNAL_SERVER_ERROR: "INTERNAL_SERVER_ERROR",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Each code's HTTP status (REST, and GraphQL errors raised before an operation runs) and default words. */
const VOCABULARY: Readonly<Record<ErrorCode, { readonly status: number; readonly message: string }>> = {
  BAD_USER_INPUT: { status: 400, message: "The request is malformed." },
  INVALID_API_KEY: { status: 401, message: "OpenRouter rejected this API key." },
  UNAUTHENTICATED: { status: 401, message: "Connect your OpenRouter account first." },
  OAUTH_STATE_INVALID: { status: 400, message: "This sign-in link is unknown, expired or already used. Start again." },
  OAUTH_EXCHANGE_FAILED: { status: 403, message: "OpenRouter did not accept the sign-in. Start again." },
  UPSTREAM_UNAVAILABLE: { status: 502, message: "OpenRouter is not answering right now. Try again shortly." },
  SESSION_STORE_UNAVAILABLE: { status: 503, message: "Sessions are unavailable right now. Try again shortly." },
  SHUTTING_DOWN: { status: 503, message: "This gateway is shutting down. Try again shortly." },
  RATE_LIMITED: { status: 429, message: "Too many attempts. Wait a moment and try again." },
  PAYLOAD_TOO_LARGE: { status: 413, message: "The request body is too large." },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: "Send the request body as application/json." },
  KEY_LIMIT_TOO_HIGH: {
    status: 403,
    message: "OpenRouter issued a key that can spend more than this site allows (its spending limit was changed on OpenRouter's page), so it was not kept. Sign in again without changing the limit.",
  },
  INSECURE_TRANSPORT: {
    status: 403,
    message: "Signing in needs HTTPS: the session cookie is Secure, so a browser drops it over plain HTTP. Serve the gateway over HTTPS, or behind a TLS proxy set TRUST_PROXY so it sees the https the proxy forwards.",
  },
  FORBIDDEN_ORIGIN: { status: 403, message: "Requests from this origin are not allowed." },
  PROXY_DISABLED: { status: 404, message: "The OpenRouter proxy is turned off on this gateway." },
  NOT_FOUND: { status: 404, message: "Nothing is served at this path." },
  MODEL_NOT_ALLOWED: { status: 403, message: "This model is not allowed here." },
  MAX_TOKENS_EXCEEDED: { status: 400, message: "The request asks for more tokens than allowed here." },
  TOO_MANY_STREAMS: { status: 429, message: "Too many requests are running for this OpenRouter account. Wait for one to finish." },
  SPEND_LIMIT_REACHED: { status: 429, message: "This page has spent its budget of your OpenRouter credits for now. Try again later." },
  INTERNAL_SERVER_ERROR: { status: 500, message: "Something went wrong on our side." },
};

/** The HTTP status a code is answered with. */
export const httpStatusOf = (code: ErrorCode): number => VOCABULARY[code].status;

/** The words a caller sees for a code when nothing more specific was said. */
export const messageOf = (code: ErrorCode): string => VOCABULARY[code].message;

export interface GatewayErrorOptions {
  /** Seconds the caller should wait (RATE_LIMITED, SPEND_LIMIT_REACHED, and UPSTREAM_UNAVAILABLE after a 429). */
  retryAfterSeconds?: number;
  /** For logs only: never serialised to a caller. */
  cause?: unknown;
}

/**
 * An error a caller may see. Its message is always one written in the gateway, never an upstream
 * body or an exception's text, so no key, host or stack can leak through it. A plain `Error`: the
 * GraphQL and REST layers each turn it into their own answer with `errorBody`.
 */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string = messageOf(code), options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "GatewayError";
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get httpStatus(): number {
    return httpStatusOf(this.code);
  }
}

/** Any failure as the vocabulary's error: known ones pass through, the rest are masked. */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, undefined, { cause: error });
}

/** One error in GraphQL's response shape (`errors[]` entry), before Apollo adds `path`. */
export interface GraphQLErrorBody {
  readonly message: string;
  readonly extensions: { readonly code: ErrorCode; readonly retryAfter?: number };
}

/** An error in REST's shape: `{"error": "<words>", "code": "<CODE>"}`, plus `retry_after` and extras. */
export type RestErrorBody = Record<string, unknown> & { readonly error: string; readonly code: ErrorCode; readonly retry_after?: number };

/**
 * An error in the OpenRouter proxy's shape, the one OpenRouter and OpenAI-style clients use:
 * `{"error": {"code": "<CODE>", "message": "<words>"}}`, so a client reads the proxy's own
 * refusals exactly as it reads an error OpenRouter sent through it (those keep their numeric code).
 */
export interface ProxyErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string };
}

/** Where an error is answered: each surface has its own body shape. */
export type ErrorSurface = "graphql" | "rest" | "proxy";

/**
 * The body a caller gets for an error, in the shape of the surface it called: GraphQL's
 * `{message, extensions: {code, retryAfter?}}`, REST's `{error, code, retry_after?}` (with
 * `extra` fields beside them, such as validate-key's `"valid": false`), or the proxy's
 * `{error: {code, message}}`.
 */
export function errorBody(error: GatewayError, surface: "graphql"): GraphQLErrorBody;
export function errorBody(error: GatewayError, surface: "rest", extra?: Record<string, unknown>): RestErrorBody;
export function errorBody(error: GatewayError, surface: "proxy"): ProxyErrorBody;
export function errorBody(error: GatewayError, surface: ErrorSurface, extra: Record<string, unknown> = {}): GraphQLErrorBody | RestErrorBody | ProxyErrorBody {
  const retryAfter = error.retryAfterSeconds;
  if (surface === "graphql") {
    return { message: error.message, extensions: { code: error.code, ...(retryAfter !== undefined ? { retryAfter } : {}) } };
  }
  if (surface === "proxy") return { error: { code: error.code, message: error.message } };
  return { ...extra, error: error.message, code: error.code, ...(retryAfter !== undefined ? { retry_after: retryAfter } : {}) };
}

/** A text with anything secret-like censored: a key pasted into the wrong field comes back in messages. */
export const redactSecrets = redactText;

/**
 * What a log line may say about why an error happened: the cause's name and its message with
 * secrets redacted, never the object itself (an upstream error can carry request headers).
 */
export function causeForLog(cause: unknown): { name: string | undefined; message: string } | undefined {
  if (cause === undefined || cause === null) return undefined;
  if (cause instanceof Error) return { name: cause.name, message: redactSecrets(String(cause.message)) };
  return { name: undefined, message: redactSecrets(String(cause)) };
}
