import type { ProxyConfig } from "../config.js";
import { ErrorCode, GatewayError } from "../errors.js";

/** What the proxy needs to know of a chat completion request, and the body it sends upstream. */
export interface CompletionRequest {
  /** The `model` asked for, when it is a string (for the access log too). */
  readonly model: string | undefined;
  readonly stream: boolean;
  /** The JSON body to send to OpenRouter: the caller's, with `max_tokens` added when a cap applies and none was asked for. */
  readonly body: Record<string, unknown>;
}

const TOKEN_FIELDS = ["max_tokens", "max_completion_tokens"] as const;

/**
 * Checks a parsed request body against the proxy's policy, before anything goes upstream.
 * Everything OpenRouter itself would judge (messages, parameters) is left to OpenRouter.
 * @throws BAD_USER_INPUT, MODEL_NOT_ALLOWED, MAX_TOKENS_EXCEEDED
 */
export function checkCompletionRequest(input: unknown, policy: Pick<ProxyConfig, "allowedModels" | "maxTokens">): CompletionRequest {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, "The request body must be a JSON object.");
  }
  const body = { ...(input as Record<string, unknown>) };
  const { model, models, stream } = body;
  if (model !== undefined && typeof model !== "string") throw new GatewayError(ErrorCode.BAD_USER_INPUT, "`model` must be a string.");
  if (stream !== undefined && typeof stream !== "boolean") throw new GatewayError(ErrorCode.BAD_USER_INPUT, "`stream` must be true or false.");

  if (policy.allowedModels !== undefined) {
    // OpenRouter falls back to the account's default model when none is named, and to the
    // `models` list when the first choice fails: each of them must be allowed.
    if (model === undefined) throw new GatewayError(ErrorCode.MODEL_NOT_ALLOWED, "Name a `model`: this gateway allows only some models.");
    const asked = [model, ...(Array.isArray(models) ? models : models === undefined ? [] : [models])];
    for (const id of asked) {
      if (typeof id !== "string" || !isAllowed(id, policy.allowedModels)) {
        throw new GatewayError(ErrorCode.MODEL_NOT_ALLOWED, `The model ${JSON.stringify(typeof id === "string" ? id.slice(0, 100) : id)} is not allowed here.`);
      }
    }
  }

  if (policy.maxTokens !== undefined) {
    let asked = false;
    for (const field of TOKEN_FIELDS) {
      const value = body[field];
      if (value === undefined || value === null) continue;
      if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
        throw new GatewayError(ErrorCode.BAD_USER_INPUT, `\`${field}\` must be a whole number of at least 1.`);
      }
      if (value > policy.maxTokens) {
        throw new GatewayError(ErrorCode.MAX_TOKENS_EXCEEDED, `\`${field}\` may be at most ${policy.maxTokens} here.`);
      }
      asked = true;
    }
    // A cap that a request escapes by asking for nothing would be no cap: the model's own
    // maximum can be far above it.
    if (!asked) body.max_tokens = policy.maxTokens;
  }

  return { model: typeof model === "string" ? model : undefined, stream: stream === true, body };
}

/** Whether `id` is in the allow list: an exact entry, or an entry ending in `*` that it starts with. */
export function isAllowed(id: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) => (entry.endsWith("*") ? id.startsWith(entry.slice(0, -1)) : id === entry));
}
