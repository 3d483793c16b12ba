/**
 * Every endpoint the proxy serves (docs/contract.md §10), one row each: what it checks and how it
 * is answered. One forwarder serves every row (router.ts); an endpoint OpenRouter adds is a row
 * here. Any other path, and any other method on these paths, is 404 and reaches no upstream.
 */
export interface ProxyEndpoint {
  /** The path under the proxy's base URL, and under OPENROUTER_API_BASE. */
  readonly path: string;
  readonly method: "GET" | "POST";
  /**
   * Body fields that name models, each checked against PROXY_ALLOWED_MODELS: `model`, and
   * `models`, OpenRouter's fallbacks (a string or a list). The first is required under a policy.
   */
  readonly modelFields: readonly string[];
  /**
   * Body fields that ask for at most so many tokens, each checked against PROXY_MAX_TOKENS; the
   * first is the one sent with the cap when the request asks for none.
   */
  readonly tokenFields: readonly string[];
  /** Whether `"stream": true` is this endpoint's to take. */
  readonly streams: boolean;
  /**
   * Whether its answers cost credits (with `usage.cost` in the JSON body or the last event of a
   * stream): such a request counts against the spend budget, and is refused once it is used.
   */
  readonly spends: boolean;
  /** Query parameters passed on (every other one is dropped); each must be given, once. */
  readonly query: readonly string[];
  /** "models": OpenRouter's model list, narrowed to PROXY_ALLOWED_MODELS when set. */
  readonly answer: "as-is" | "models";
}

const inference = { method: "POST", modelFields: ["model", "models"], streams: true, spends: true, query: [], answer: "as-is" } as const;

export const PROXY_ENDPOINTS: readonly ProxyEndpoint[] = Object.freeze([
  { ...inference, path: "/chat/completions", tokenFields: ["max_tokens", "max_completion_tokens"] },
  { ...inference, path: "/completions", tokenFields: ["max_tokens"] },
  // OpenRouter's Responses API (beta), streamed as its typed events.
  { ...inference, path: "/responses", tokenFields: ["max_output_tokens"] },
  { ...inference, path: "/embeddings", tokenFields: [], streams: false },
  { path: "/models", method: "GET", modelFields: [], tokenFields: [], streams: false, spends: false, query: [], answer: "models" },
  // One generation's stats: OpenRouter answers only for generations made with the same key.
  { path: "/generation", method: "GET", modelFields: [], tokenFields: [], streams: false, spends: false, query: ["id"], answer: "as-is" },
]);
