import { GraphQLError } from "graphql";

/**
 * The product's one error vocabulary (SPEC §3). The OpenRouter client, the session layer, the
 * service, GraphQL and REST all speak it; nothing else reaches a caller.
 */
export const ErrorCode = {
  BAD_USER_INPUT: "BAD_USER_INPUT",
  INVALID_API_KEY: "INVALID_API_KEY",
  UNAUTHENTICATED: "UNAUTHENTICATED",
  OAUTH_STATE_INVALID: "OAUTH_STATE_INVALID",
  OAUTH_EXCHANGE_FAILED: "OAUTH_EXCHANGE_FAILED",
  UPSTREAM_UNAVAILABLE: "UPSTREAM_UNAVAILABLE",
  SESSION_STORE_UNAVAILABLE: "SESSION_STORE_UNAVAILABLE",
  RATE_LIMITED: "RATE_LIMITED",
  // The OpenRouter proxy's own refusals (/api/v1/openrouter/proxy).
  /** PROXY_ENABLED=false, or a path the proxy does not serve. */
  PROXY_DISABLED: "PROXY_DISABLED",
  NOT_FOUND: "NOT_FOUND",
  /** The model (or one of `models`) is not in PROXY_ALLOWED_MODELS. */
  MODEL_NOT_ALLOWED: "MODEL_NOT_ALLOWED",
  /** `max_tokens` / `max_completion_tokens` above PROXY_MAX_TOKENS. */
  MAX_TOKENS_EXCEEDED: "MAX_TOKENS_EXCEEDED",
  /** The session already has PROXY_MAX_CONCURRENT_STREAMS completions running. */
  TOO_MANY_STREAMS: "TOO_MANY_STREAMS",
  /** Not in SPEC §3's table: the catch-all that masks every unexpected failure. */
  INTERNAL_SERVER_ERROR: "INTERNAL_SERVER_ERROR",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** HTTP status for each code on the REST paths (SPEC §4). */
export const httpStatusOf: Readonly<Record<ErrorCode, number>> = {
  BAD_USER_INPUT: 400,
  INVALID_API_KEY: 401,
  UNAUTHENTICATED: 401,
  OAUTH_STATE_INVALID: 400,
  OAUTH_EXCHANGE_FAILED: 403,
  UPSTREAM_UNAVAILABLE: 502,
  SESSION_STORE_UNAVAILABLE: 503,
  RATE_LIMITED: 429,
  PROXY_DISABLED: 404,
  NOT_FOUND: 404,
  MODEL_NOT_ALLOWED: 403,
  MAX_TOKENS_EXCEEDED: 400,
  TOO_MANY_STREAMS: 429,
  INTERNAL_SERVER_ERROR: 500,
};

/** The words a caller sees when nothing more specific was said. */
const defaultMessages: Readonly<Record<ErrorCode, string>> = {
  BAD_USER_INPUT: "The request is malformed.",
  INVALID_API_KEY: "OpenRouter rejected this API key.",
  UNAUTHENTICATED: "Connect your OpenRouter account first.",
  OAUTH_STATE_INVALID: "This sign-in link is unknown, expired or already used. Start again.",
  OAUTH_EXCHANGE_FAILED: "OpenRouter did not accept the sign-in. Start again.",
  UPSTREAM_UNAVAILABLE: "OpenRouter is not answering right now. Try again shortly.",
  SESSION_STORE_UNAVAILABLE: "Sessions are unavailable right now. Try again shortly.",
  RATE_LIMITED: "Too many attempts. Wait a moment and try again.",
  PROXY_DISABLED: "The OpenRouter proxy is turned off on this gateway.",
  NOT_FOUND: "Nothing is served at this path.",
  MODEL_NOT_ALLOWED: "This model is not allowed here.",
  MAX_TOKENS_EXCEEDED: "The request asks for more tokens than allowed here.",
  TOO_MANY_STREAMS: "Too many completions are running for this session. Wait for one to finish.",
  INTERNAL_SERVER_ERROR: "Something went wrong on our side.",
};

export interface GatewayErrorOptions {
  /** Seconds the caller should wait (RATE_LIMITED, and UPSTREAM_UNAVAILABLE after a 429). */
  retryAfterSeconds?: number;
  /** For logs only: never serialised to a caller. */
  cause?: unknown;
}

/**
 * An error a caller may see. Its message is always one written here, never an upstream body or
 * an exception's text, so no key, host or stack can leak through it.
 */
export class GatewayError extends GraphQLError {
  readonly code: ErrorCode;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string = defaultMessages[code], options: GatewayErrorOptions = {}) {
    const extensions: Record<string, unknown> = { code };
    if (options.retryAfterSeconds !== undefined) extensions.retryAfter = options.retryAfterSeconds;
    super(message, { extensions, originalError: options.cause instanceof Error ? options.cause : undefined });
    this.name = "GatewayError";
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get httpStatus(): number {
    return httpStatusOf[this.code];
  }
}

export const isGatewayError = (error: unknown): error is GatewayError => error instanceof GatewayError;

/** Any failure as the vocabulary's error: known ones pass through, the rest are masked. */
export function toGatewayError(error: unknown): GatewayError {
  if (isGatewayError(error)) return error;
  return new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, undefined, { cause: error });
}
