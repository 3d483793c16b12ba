import type { IncomingMessage } from "node:http";
import { ErrorCode, GatewayError } from "../errors.js";
import type { OpenRouterMetrics } from "../metrics/recorders.js";
import type { Model } from "../model.js";
import { readBody, type UpstreamConnections } from "./upstream-connections.js";

/** What `GET /key` says about a key (docs/contract.md §2), in our names. */
export interface KeyInfo {
  readonly label: string;
  readonly usage: number;
  readonly limit: number | null;
  readonly limitRemaining: number | null;
  readonly isFreeTier: boolean;
  /** `daily`, `weekly`, `monthly`, or null when the limit never resets. */
  readonly limitReset: string | null;
  /** ISO 8601; null when the key does not expire. */
  readonly expiresAt: string | null;
  readonly usageDaily: number | null;
  readonly usageWeekly: number | null;
  readonly usageMonthly: number | null;
}

export interface Credits {
  readonly totalCredits: number;
  readonly totalUsage: number;
}

export interface OpenRouterClientOptions {
  readonly timeoutMs: number;
}

/** The largest answer read: the model list, the longest, is about 1 MB today. */
const ANSWER_LIMIT = 16 * 1024 * 1024;

/**
 * OpenRouter's REST API (docs/contract.md §2), over the gateway's upstream connections. Every failure leaves here as a
 * GatewayError from the contract's §3 (docs/contract.md) vocabulary; upstream bodies and messages never travel further,
 * since they may echo what we sent.
 */
export class OpenRouterClient {
  readonly #timeoutMs: number;
  readonly #connections: UpstreamConnections;
  readonly #metrics: OpenRouterMetrics | undefined;

  constructor(options: OpenRouterClientOptions, connections: UpstreamConnections, metrics?: OpenRouterMetrics) {
    this.#timeoutMs = options.timeoutMs;
    this.#connections = connections;
    this.#metrics = metrics;
  }

  /** @throws INVALID_API_KEY when OpenRouter does not know or has disabled the key. */
  async getKey(apiKey: string): Promise<KeyInfo> {
    const body = await this.#request("/key", { apiKey, onUnauthorized: ErrorCode.INVALID_API_KEY });
    const data = objectAt(body, "data");
    return {
      label: stringAt(data, "label"),
      usage: numberAt(data, "usage"),
      limit: nullableNumberAt(data, "limit"),
      limitRemaining: nullableNumberAt(data, "limit_remaining"),
      isFreeTier: data.is_free_tier === true,
      // Details for display, newer than the fields above: a key whose answer lacks them, or
      // carries them in another shape, still signs in, with them unknown.
      limitReset: optionalString(data, "limit_reset"),
      expiresAt: optionalDate(data, "expires_at"),
      usageDaily: optionalNumber(data, "usage_daily"),
      usageWeekly: optionalNumber(data, "usage_weekly"),
      usageMonthly: optionalNumber(data, "usage_monthly"),
    };
  }

  async getCredits(apiKey: string): Promise<Credits> {
    const body = await this.#request("/credits", { apiKey, onUnauthorized: ErrorCode.INVALID_API_KEY });
    const data = objectAt(body, "data");
    return { totalCredits: numberAt(data, "total_credits"), totalUsage: numberAt(data, "total_usage") };
  }

  async listModels(apiKey: string): Promise<Model[]> {
    const body = await this.#request("/models", { apiKey, onUnauthorized: ErrorCode.INVALID_API_KEY });
    const data = (body as { data?: unknown }).data;
    if (!Array.isArray(data)) throw malformed();
    return data.filter(isObject).map((model) => {
      const pricing = isObject(model.pricing) ? model.pricing : {};
      return {
        id: stringAt(model, "id"),
        name: typeof model.name === "string" ? model.name : stringAt(model, "id"),
        contextLength: typeof model.context_length === "number" ? model.context_length : null,
        promptPrice: typeof pricing.prompt === "string" ? pricing.prompt : null,
        completionPrice: typeof pricing.completion === "string" ? pricing.completion : null,
      };
    });
  }

  /**
   * Trades an authorization code for a key (PKCE, no client secret).
   * @see https://openrouter.ai/docs/use-cases/oauth-pkce
   * @throws OAUTH_EXCHANGE_FAILED when OpenRouter refuses the code or verifier (400/403).
   */
  async exchangeCode(code: string, codeVerifier: string): Promise<{ key: string; userId: string | null }> {
    const body = await this.#request("/auth/keys", {
      json: { code, code_verifier: codeVerifier, code_challenge_method: "S256" },
      onRefused: ErrorCode.OAUTH_EXCHANGE_FAILED,
    });
    const result = isObject(body) ? body : {};
    return { key: stringAt(result, "key"), userId: typeof result.user_id === "string" ? result.user_id : null };
  }

  async #request(
    path: string,
    options: { apiKey?: string; json?: unknown; onUnauthorized?: ErrorCode; onRefused?: ErrorCode },
  ): Promise<unknown> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (options.apiKey !== undefined) headers.authorization = `Bearer ${options.apiKey}`;
    if (options.json !== undefined) headers["content-type"] = "application/json";

    // One deadline for the whole exchange: connecting, the answer's headers and its body, read or
    // drained. A timer of our own, cleared once the answer is over: AbortSignal.timeout() would
    // keep its timer, and the signal's bookkeeping, for the whole deadline after every call (a
    // sign-in makes two), whatever happened.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new Error(`OpenRouter did not answer within ${this.#timeoutMs} ms`)), this.#timeoutMs);
    const startedAt = process.hrtime.bigint();
    let response: IncomingMessage;
    try {
      response = await this.#connections.exchange(path, {
        method: options.json === undefined ? "GET" : "POST",
        headers,
        ...(options.json === undefined ? {} : { body: JSON.stringify(options.json) }),
        signal: deadline.signal,
      });
    } catch (cause) {
      clearTimeout(timer);
      this.#metrics?.call(path, "error", startedAt);
      // Refused, reset, DNS, TLS or our own timeout: all mean OpenRouter cannot be used now.
      throw new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, undefined, { cause });
    }
    response.once("close", () => clearTimeout(timer));

    const status = response.statusCode ?? 0;
    this.#metrics?.call(path, status, startedAt);
    if (status >= 200 && status <= 299) {
      let text: string;
      try {
        text = (await readBody(response, ANSWER_LIMIT)).toString("utf8");
      } catch (cause) {
        // Cut short, too large, or past the deadline.
        throw new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, undefined, { cause });
      }
      try {
        return JSON.parse(text) as unknown;
      } catch (cause) {
        throw malformed(cause);
      }
    }
    // The body is drained, never read into an error: it may quote our request.
    response.resume();
    if (status === 401 && options.onUnauthorized) throw new GatewayError(options.onUnauthorized);
    if ((status === 400 || status === 401 || status === 403) && options.onRefused) throw new GatewayError(options.onRefused);
    if (status === 429) {
      const retryAfterSeconds = parseRetryAfter(response.headers["retry-after"]);
      const message =
        retryAfterSeconds === undefined
          ? "OpenRouter is rate limiting requests. Try again shortly."
          : `OpenRouter is rate limiting requests. Try again in ${retryAfterSeconds} s.`;
      throw new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, message, { retryAfterSeconds });
    }
    throw new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, undefined, { cause: new Error(`OpenRouter ${path} answered ${status}`) });
  }
}

/** `Retry-After` is delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

const malformed = (cause?: unknown) =>
  new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, undefined, { cause: cause ?? new Error("OpenRouter answered an unexpected shape") });

function objectAt(value: unknown, field: string): Json {
  const inner = isObject(value) ? value[field] : undefined;
  if (!isObject(inner)) throw malformed();
  return inner;
}

function stringAt(value: Json, field: string): string {
  const inner = value[field];
  if (typeof inner !== "string") throw malformed();
  return inner;
}

function numberAt(value: Json, field: string): number {
  const inner = value[field];
  if (typeof inner !== "number" || !Number.isFinite(inner)) throw malformed();
  return inner;
}

function nullableNumberAt(value: Json, field: string): number | null {
  const inner = value[field];
  if (inner === null || inner === undefined) return null;
  if (typeof inner !== "number" || !Number.isFinite(inner)) throw malformed();
  return inner;
}

/** A number, or null when the field is absent, null or not a finite number. */
function optionalNumber(value: Json, field: string): number | null {
  const inner = value[field];
  return typeof inner === "number" && Number.isFinite(inner) ? inner : null;
}

/** A short word (`monthly`), or null when the field is absent or anything else. */
function optionalString(value: Json, field: string): string | null {
  const inner = value[field];
  return typeof inner === "string" && /^[\w-]{1,32}$/.test(inner) ? inner : null;
}

/** A date OpenRouter wrote, as ISO 8601 in UTC; null when absent or not a date. */
function optionalDate(value: Json, field: string): string | null {
  const inner = value[field];
  const time = typeof inner === "string" && inner.length <= 64 ? Date.parse(inner) : Number.NaN;
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}
