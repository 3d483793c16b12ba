import type { ProxyConfig } from "../config.js";
import { ErrorCode, GatewayError } from "../errors.js";
import type { ProxyEndpoint } from "./endpoints.js";

/** What the proxy needs to know of a request, and what it sends upstream. */
export interface ProxyRequest {
  /** The `model` asked for, when it is a string (for the access log and the spend estimate). */
  readonly model: string | undefined;
  readonly stream: boolean;
  /**
   * The JSON body to send to OpenRouter: the caller's, with the endpoint's token field added when
   * a cap applies and none was asked for; undefined for a GET.
   */
  readonly body: Record<string, unknown> | undefined;
  /** The query passed on (`?id=…`), or "". */
  readonly search: string;
  /** The most tokens the answer may hold, when the request (or the cap) says: what a cut answer is counted at. */
  readonly maxTokens: number | undefined;
}

/** A query parameter's value is an id: short, one line. */
const QUERY_VALUE_LIMIT = 200;

/**
 * Checks a request against the endpoint's row and the proxy's policy, before anything goes
 * upstream: every model it names, every token field, `stream`, the query. Everything OpenRouter
 * itself would judge (messages, parameters) is left to OpenRouter.
 * @throws BAD_USER_INPUT, MODEL_NOT_ALLOWED, MAX_TOKENS_EXCEEDED
 */
export function checkProxyRequest(
  endpoint: ProxyEndpoint,
  input: { body: unknown; query: URLSearchParams },
  policy: Pick<ProxyConfig, "allowedModels" | "maxTokens">,
): ProxyRequest {
  const search = checkQuery(endpoint, input.query);
  if (endpoint.method === "GET") return { model: undefined, stream: false, body: undefined, search, maxTokens: undefined };

  if (typeof input.body !== "object" || input.body === null || Array.isArray(input.body)) {
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, "The request body must be a JSON object.");
  }
  const body = { ...(input.body as Record<string, unknown>) };
  const { model, stream } = body;
  if (model !== undefined && typeof model !== "string") throw new GatewayError(ErrorCode.BAD_USER_INPUT, "`model` must be a string.");
  if (stream !== undefined && typeof stream !== "boolean") throw new GatewayError(ErrorCode.BAD_USER_INPUT, "`stream` must be true or false.");
  if (stream === true && !endpoint.streams) throw new GatewayError(ErrorCode.BAD_USER_INPUT, `${endpoint.path} does not stream: leave \`stream\` out.`);

  if (policy.allowedModels !== undefined) checkModels(endpoint, body, policy.allowedModels);
  const maxTokens = checkTokens(endpoint, body, policy.maxTokens);
  return { model: typeof model === "string" ? model : undefined, stream: stream === true, body, search, maxTokens };
}

/** The endpoint's query parameters, each given once as a short value; others are not passed on. */
function checkQuery(endpoint: ProxyEndpoint, query: URLSearchParams): string {
  if (endpoint.query.length === 0) return "";
  const kept = new URLSearchParams();
  for (const name of endpoint.query) {
    const values = query.getAll(name);
    const value = values[0];
    if (values.length !== 1 || value === undefined || value === "" || value.length > QUERY_VALUE_LIMIT || /[\u0000-\u001f]/.test(value)) {
      throw new GatewayError(ErrorCode.BAD_USER_INPUT, `Give \`${name}\` once, as a value of at most ${QUERY_VALUE_LIMIT} characters.`);
    }
    kept.set(name, value);
  }
  return `?${kept.toString()}`;
}

/**
 * OpenRouter falls back to the account's default model when none is named, and to the `models`
 * list when the first choice fails: each of them must be allowed.
 */
function checkModels(endpoint: ProxyEndpoint, body: Record<string, unknown>, allowed: readonly string[]): void {
  const [required] = endpoint.modelFields;
  if (required !== undefined && body[required] === undefined) {
    throw new GatewayError(ErrorCode.MODEL_NOT_ALLOWED, `Name a \`${required}\`: this gateway allows only some models.`);
  }
  for (const field of endpoint.modelFields) {
    const value = body[field];
    const asked = Array.isArray(value) ? value : value === undefined ? [] : [value];
    for (const id of asked) {
      if (typeof id !== "string" || !isAllowed(id, allowed)) {
        throw new GatewayError(ErrorCode.MODEL_NOT_ALLOWED, `The model ${JSON.stringify(typeof id === "string" ? id.slice(0, 100) : id)} is not allowed here.`);
      }
    }
  }
}

/**
 * Checks every token field the endpoint has against the cap; with a cap, a request that asks for
 * none gets the cap in the endpoint's first field. Returns the most tokens the answer may hold.
 */
function checkTokens(endpoint: ProxyEndpoint, body: Record<string, unknown>, cap: number | undefined): number | undefined {
  let most: number | undefined;
  for (const field of endpoint.tokenFields) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
      // Without a cap, OpenRouter judges the value.
      if (cap === undefined) continue;
      throw new GatewayError(ErrorCode.BAD_USER_INPUT, `\`${field}\` must be a whole number of at least 1.`);
    }
    if (cap !== undefined && value > cap) {
      throw new GatewayError(ErrorCode.MAX_TOKENS_EXCEEDED, `\`${field}\` may be at most ${cap} here.`);
    }
    // OpenRouter stops at the lower of two limits asked for.
    most = most === undefined ? value : Math.min(most, value);
  }
  const [first] = endpoint.tokenFields;
  // A cap that a request escapes by asking for nothing would be no cap: the model's own maximum
  // can be far above it.
  if (cap !== undefined && most === undefined && first !== undefined) {
    body[first] = cap;
    most = cap;
  }
  return most;
}

/**
 * Whether `id` is in the allow list: an exact entry, or an entry ending in `*` that it starts
 * with (`openai/*` takes `openai/gpt-4o`, never `openai-evil/x`: the `/` is part of the prefix).
 */
export function isAllowed(id: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) => (entry.endsWith("*") ? id.startsWith(entry.slice(0, -1)) : id === entry));
}
