/**
 * A local stand-in for OpenRouter that speaks docs/contract.md §2 exactly, so that tests and `npm run demo`
 * never reach the real service.
 *
 * - `GET /api/v1/key` (and the older `GET /api/v1/auth/key`), `GET /api/v1/credits`,
 *   `GET /api/v1/models`, `POST /api/v1/auth/keys`: the public API the gateway calls.
 * - `GET /auth` and `POST /auth/approve`: a one-button consent page standing in for OpenRouter's
 *   OAuth PKCE sign-in; {@link OpenRouterStub.approve} does the same without a browser. The key
 *   it issues carries the `limit` and the name (`key_label`) that the authorize URL asks for.
 * - `POST /api/v1/chat/completions`, `/completions`, `/responses` and `/embeddings`
 *   (openrouter-stub/inference.ts, a row each): an answer that echoes the caller's last text, as
 *   JSON or streamed as server-sent events at a pace {@link OpenRouterStub.setChatPace} sets, with
 *   `usage.cost` on every answer; `GET /api/v1/generation?id=`: the stats of one of the key's answers.
 * - Key echoes ({@link OpenRouterStub.setKeyEcho}) make those answers carry the caller's key, as a
 *   hostile or broken upstream would, so that tests prove the gateway strikes it out.
 * - Faults ("down", "slow", "server-error", "rate-limited") let tests prove how the gateway copes
 *   with an upstream that fails; the consent page is never faulted.
 *
 * Every error body has the shape `{"error":{"code":<status>,"message":"...","metadata":{}}}`.
 *
 * @see https://openrouter.ai/docs/api-reference/api-keys/get-current-key
 * @see https://openrouter.ai/docs/use-cases/oauth-pkce
 * @see https://openrouter.ai/docs/api-reference/streaming
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { INFERENCE_ROUTES, STUB_EMBEDDING_MODELS, wordCount, type Answer, type Asked, type InferenceRoute, type Prices } from "./openrouter-stub/inference.js";

export interface StubAccount {
  /** "sk-or-v1-" + 64 hex */
  key: string;
  /** How OpenRouter masks the key: first 12 chars + "..." + last 3, e.g. "sk-or-v1-abc...123". */
  label: string;
  limit: number | null;
  usage: number;
  isFreeTier: boolean;
  totalCredits: number;
  /** "user_..." */
  userId: string;
  /** A disabled key answers 401. */
  disabled: boolean;
  /** The key's name on OpenRouter's keys page: what OAuth's `key_label` asked for; null for the app's default. */
  name: string | null;
  // The key's spending details on GET /key. Set one to undefined to leave it out of the answer,
  // as an older OpenRouter did.
  /** `limit_reset`: "daily", "weekly", "monthly", or null (default: "monthly" for a key with a limit). */
  limitReset: string | null | undefined;
  /** `expires_at` (ISO 8601), or null for a key that does not expire (default). */
  expiresAt: string | null | undefined;
  /** `usage_daily`, `usage_weekly`, `usage_monthly` (default: all of `usage`, spent today). */
  usageDaily: number | undefined;
  usageWeekly: number | undefined;
  usageMonthly: number | undefined;
}

/**
 * "down": connections are cut at once; "slow": the answer comes after `delayMs`; "stalled": the
 * head of a 200 and the start of its JSON body come at once, then nothing for `delayMs`, then the
 * connection is cut; "server-error" and "rate-limited": an error answer.
 */
export type StubFault = "none" | "down" | "slow" | "stalled" | "server-error" | "rate-limited";

export interface StubFaultOptions {
  /** "slow" and "stalled": how long to wait (default 30000). */
  delayMs?: number;
  /** "server-error": the status to answer (default 502). */
  status?: number;
  /** "rate-limited": the `Retry-After` value (default 7); "server-error": sent only when given. */
  retryAfterSeconds?: number;
  /** Limit the fault to these exact paths, e.g. ["/api/v1/auth/keys"]; default all. */
  paths?: string[];
}

/**
 * How inference answers carry the caller's key: "escaped-error": a 400 whose error message holds
 * the key with every character as a JSON `\u` escape; "in-body": a 2xx JSON answer whose text holds
 * the key, `\u`-escaped; "split-stream": a streamed answer whose text holds the key, sent in two
 * writes that cut the key in the middle; "none" (the default): no echo.
 */
export type KeyEcho = "none" | "escaped-error" | "in-body" | "split-stream";

export interface StubRequestRecord {
  readonly method: string;
  /** The path without its query. */
  readonly path: string;
  /** The query, with its `?`, when there was one. */
  readonly query?: string;
  /** Whether the request carried `Authorization: Bearer <something>`. */
  readonly hasBearer: boolean;
  /** The bearer key itself, when there was one. */
  readonly bearer?: string;
  /** For `POST /api/v1/auth/keys` and the inference paths: the parsed JSON body (the raw text when it is not JSON). */
  readonly body?: unknown;
  /** The `Host` header the request came with. */
  readonly host?: string;
  /** The app attribution headers OpenRouter reads (`HTTP-Referer`; the title as `X-Title` and as `X-OpenRouter-Title`), when sent. */
  readonly referer?: string;
  readonly title?: string;
  readonly openRouterTitle?: string;
  /** Streamed completions: how many content chunks have gone out so far. */
  readonly chunksSent?: number;
  /**
   * Streamed completions: the most bytes of the answer ever queued in the stand-in itself, written
   * but not yet taken by the connection (the stand-in writes on regardless, as a fast upstream
   * does): large when the client reads slower than the stand-in writes.
   */
  readonly maxQueuedBytes?: number;
  /** Whether the client went away before the answer was complete. */
  readonly aborted: boolean;
}

/** How a streamed completion is paced. */
export interface ChatPace {
  /** How many content chunks the answer is cut into (default 4). */
  readonly chunks?: number;
  /** The pause before each content chunk after the first (default 20 ms). */
  readonly intervalMs?: number;
  /**
   * Awaited before each content chunk after the first (after the pause), with that chunk's index:
   * lets a test hold the stream until its client has seen what came before.
   */
  readonly beforeChunk?: (index: number) => Promise<void> | void;
  /** Spaces added to each content chunk (default none): a long answer from a short question. */
  readonly padding?: number;
}

export interface OpenRouterStub {
  /** "http://127.0.0.1:PORT" */
  readonly origin: string;
  /** origin + "/api/v1" (what the gateway's OPENROUTER_API_BASE points at) */
  readonly apiBase: string;
  /** origin + "/auth" (OPENROUTER_AUTH_URL) */
  readonly authUrl: string;
  /** Ready-made keys: a normal one with limit 100 / usage 25.5, an unlimited free-tier one, a disabled one. */
  readonly testKeys: { readonly valid: string; readonly unlimited: string; readonly disabled: string };
  /** Create another valid account (random key) and return it. */
  addAccount(overrides?: Partial<StubAccount>): StubAccount;
  /** The live account record: tests may change it (usage, disabled, ...) and the stub answers accordingly. */
  account(key: string): StubAccount | undefined;
  setFault(fault: StubFault, options?: StubFaultOptions): void;
  /** How streamed completions are paced from now on; `{}` restores the defaults. */
  setChatPace(pace: ChatPace): void;
  /** Whether, and how, inference answers carry the caller's key from now on (see {@link KeyEcho}). */
  setKeyEcho(echo: KeyEcho): void;
  /**
   * How the consent redirect adds `code`: "standard" appends `&code=` when callback_url already
   * has a query (what OpenRouter documents); "naive" always appends `?code=`, giving
   * `...?state=S?code=C`, which the gateway must still parse.
   */
  setCodeAppendStyle(style: "standard" | "naive"): void;
  /**
   * What OAuth consent would do, without a browser: validates the authorize URL like GET /auth
   * does and returns the callback URL with a fresh code added. Throws if the URL lacks
   * callback_url or an S256 challenge.
   */
  approve(authorizeUrl: string): string;
  /**
   * Every request received, in order (method, path without query, the bearer key, the attribution
   * headers, for POST /auth/keys and /chat/completions the parsed body, and whether the client
   * aborted): lets tests prove what the gateway sent upstream. Requests answered by a fault are
   * recorded too. Each read is a snapshot.
   */
  readonly requests: ReadonlyArray<StubRequestRecord>;
  clearRequests(): void;
  close(): Promise<void>;
}

export interface StubModel {
  readonly id: string;
  readonly canonical_slug: string;
  readonly name: string;
  /** Unix seconds */
  readonly created: number;
  readonly description: string;
  readonly context_length: number;
  readonly architecture: {
    readonly modality: string;
    readonly input_modalities: readonly string[];
    readonly output_modalities: readonly string[];
    readonly tokenizer: string;
    readonly instruct_type: string | null;
  };
  /** US dollars per token (prompt, completion), per request, per image: decimal strings. */
  readonly pricing: { readonly prompt: string; readonly completion: string; readonly request: string; readonly image: string };
  readonly top_provider: {
    readonly context_length: number;
    readonly max_completion_tokens: number | null;
    readonly is_moderated: boolean;
  };
  readonly per_request_limits: null;
}

function model(
  id: string,
  name: string,
  created: number,
  description: string,
  contextLength: number,
  price: { prompt: string; completion: string; image?: string },
  arch: { tokenizer: string; vision: boolean; instructType?: string | null },
  top: { maxCompletionTokens: number | null; moderated: boolean },
): StubModel {
  const input = arch.vision ? ["text", "image"] : ["text"];
  return {
    id,
    canonical_slug: id,
    name,
    created,
    description,
    context_length: contextLength,
    architecture: {
      modality: arch.vision ? "text+image->text" : "text->text",
      input_modalities: input,
      output_modalities: ["text"],
      tokenizer: arch.tokenizer,
      instruct_type: arch.instructType ?? null,
    },
    pricing: { prompt: price.prompt, completion: price.completion, request: "0", image: price.image ?? "0" },
    top_provider: { context_length: contextLength, max_completion_tokens: top.maxCompletionTokens, is_moderated: top.moderated },
    per_request_limits: null,
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** The fixed model list `GET /api/v1/models` answers, in the order OpenRouter's shape uses. */
export const STUB_MODELS: ReadonlyArray<StubModel> = deepFreeze([
  model("openai/gpt-4o", "OpenAI: GPT-4o", 1715558400,
    "GPT-4o (\"o\" for \"omni\") is OpenAI's flagship multimodal model, taking text and image inputs with text outputs.",
    128000, { prompt: "0.0000025", completion: "0.00001", image: "0.003613" },
    { tokenizer: "GPT", vision: true }, { maxCompletionTokens: 16384, moderated: true }),
  model("openai/gpt-4o-mini", "OpenAI: GPT-4o-mini", 1721260800,
    "GPT-4o mini is OpenAI's small, affordable model for fast, lightweight tasks, with text and image inputs.",
    128000, { prompt: "0.00000015", completion: "0.0000006", image: "0.000217" },
    { tokenizer: "GPT", vision: true }, { maxCompletionTokens: 16384, moderated: true }),
  model("anthropic/claude-sonnet-4", "Anthropic: Claude Sonnet 4", 1747930371,
    "Claude Sonnet 4 balances capability and speed for coding, reasoning and everyday assistant work.",
    200000, { prompt: "0.000003", completion: "0.000015", image: "0.0048" },
    { tokenizer: "Claude", vision: true }, { maxCompletionTokens: 64000, moderated: false }),
  model("anthropic/claude-3.5-haiku", "Anthropic: Claude 3.5 Haiku", 1730678400,
    "Claude 3.5 Haiku is Anthropic's fastest model, suited to real-time and high-volume tasks.",
    200000, { prompt: "0.0000008", completion: "0.000004" },
    { tokenizer: "Claude", vision: false }, { maxCompletionTokens: 8192, moderated: true }),
  model("google/gemini-2.5-pro", "Google: Gemini 2.5 Pro", 1750169544,
    "Gemini 2.5 Pro is Google's most capable model for reasoning, coding, mathematics and science.",
    1048576, { prompt: "0.00000125", completion: "0.00001", image: "0.00516" },
    { tokenizer: "Gemini", vision: true }, { maxCompletionTokens: 65536, moderated: false }),
  model("google/gemini-2.5-flash", "Google: Gemini 2.5 Flash", 1750172488,
    "Gemini 2.5 Flash is Google's fast workhorse model with built-in thinking.",
    1048576, { prompt: "0.0000003", completion: "0.0000025", image: "0.001238" },
    { tokenizer: "Gemini", vision: true }, { maxCompletionTokens: 65535, moderated: false }),
  model("meta-llama/llama-3.3-70b-instruct", "Meta: Llama 3.3 70B Instruct", 1733506137,
    "Llama 3.3 70B is Meta's multilingual instruction-tuned model, optimized for dialogue.",
    131072, { prompt: "0.00000013", completion: "0.0000004" },
    { tokenizer: "Llama3", vision: false, instructType: "llama3" }, { maxCompletionTokens: 16384, moderated: false }),
  model("mistralai/mistral-large", "Mistral Large", 1708905600,
    "Mistral Large is Mistral AI's flagship model for complex multilingual reasoning and code.",
    128000, { prompt: "0.000002", completion: "0.000006" },
    { tokenizer: "Mistral", vision: false }, { maxCompletionTokens: null, moderated: false }),
  model("deepseek/deepseek-chat", "DeepSeek: DeepSeek V3", 1735241320,
    "DeepSeek-V3 is a mixture-of-experts chat model that rivals leading closed models.",
    163840, { prompt: "0.0000003", completion: "0.00000085" },
    { tokenizer: "DeepSeek", vision: false }, { maxCompletionTokens: 163840, moderated: false }),
  model("deepseek/deepseek-r1-0528:free", "DeepSeek: R1 0528 (free)", 1748455170,
    "DeepSeek R1 0528 is an open reasoning model; this free variant is rate-limited.",
    163840, { prompt: "0", completion: "0" },
    { tokenizer: "DeepSeek", vision: false, instructType: "deepseek-r1" }, { maxCompletionTokens: null, moderated: false }),
]);

const API = "/api/v1";
const DEFAULT_SLOW_MS = 30_000;
const DEFAULT_CODE_TTL_MS = 10 * 60_000;
const MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_CHAT_CHUNKS = 4;
const DEFAULT_CHAT_INTERVAL_MS = 20;
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** How OpenRouter masks a key: first 12 chars + "..." + last 3. */
function maskKey(key: string): string {
  return `${key.slice(0, 12)}...${key.slice(-3)}`;
}

function randomUserId(): string {
  let id = "user_";
  for (const byte of randomBytes(27)) id += BASE62[byte % 62];
  return id;
}

/** A key derived from a fixed seed, so the demo's printed test keys stay the same across runs. */
function seededKey(seed: string): string {
  return `sk-or-v1-${createHash("sha256").update(`openrouter-stub/${seed}`).digest("hex")}`;
}

/** BASE64URL(SHA256(verifier)), RFC 7636 §4.2. */
function s256(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function money(value: number): number {
  return Math.round(value * 1e8) / 1e8;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

interface AuthorizeRequest {
  callbackUrl: string;
  challenge: string;
  method: "S256";
  /** `limit`: the credit limit of the key to issue; null for none. */
  limit: number | null;
  /** `key_label`: the name of the key to issue; null for the default. */
  keyLabel: string | null;
}

/** Reads callback_url, code_challenge, code_challenge_method, limit and key_label as GET /auth does; a string is the error. */
function readAuthorizeParams(params: URLSearchParams): AuthorizeRequest | string {
  const callbackUrl = params.get("callback_url");
  if (!callbackUrl) return "callback_url is required";
  let parsed: URL;
  try {
    parsed = new URL(callbackUrl);
  } catch {
    return "callback_url must be an absolute URL";
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return "callback_url must be an http(s) URL";
  const challenge = params.get("code_challenge");
  if (!challenge) return "code_challenge is required";
  const method = params.get("code_challenge_method");
  if (method !== "S256") return "code_challenge_method must be S256";
  // An S256 challenge is BASE64URL(SHA256(verifier)) without padding: exactly 43 characters.
  if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) return "code_challenge is not a base64url SHA-256 digest";
  const limitText = params.get("limit");
  const limit = limitText === null ? null : Number(limitText);
  if (limit !== null && !(Number.isFinite(limit) && limit > 0)) return "limit must be a positive number";
  const keyLabel = params.get("key_label");
  if (keyLabel !== null && (keyLabel === "" || keyLabel.length > 100)) return "key_label must be 1 to 100 characters";
  return { callbackUrl, challenge, method, limit, keyLabel };
}

/** Adds `code` to a callback URL the way the provider does, keeping any fragment last. */
function appendCode(callbackUrl: string, code: string, style: "standard" | "naive"): string {
  const hashAt = callbackUrl.indexOf("#");
  const base = hashAt === -1 ? callbackUrl : callbackUrl.slice(0, hashAt);
  const fragment = hashAt === -1 ? "" : callbackUrl.slice(hashAt);
  const value = encodeURIComponent(code);
  if (style === "naive") return `${base}?code=${value}${fragment}`;
  const separator = !base.includes("?") ? "?" : base.endsWith("?") || base.endsWith("&") ? "" : "&";
  return `${base}${separator}code=${value}${fragment}`;
}

function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; display: grid; place-items: center; min-height: 100vh; }
  main { max-width: 28rem; padding: 2rem; }
  button { font: inherit; padding: 0.5rem 1.25rem; }
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

interface CodeGrant {
  challenge: string;
  method: "S256";
  account: StubAccount;
  expiresAt: number;
}

interface ActiveFault {
  fault: StubFault;
  options: StubFaultOptions;
}

type MutableRecord = { -readonly [K in keyof StubRequestRecord]: StubRequestRecord[K] };

interface PendingDelay {
  timer: NodeJS.Timeout;
  finish: (completed: boolean) => void;
}

class StubServer implements OpenRouterStub {
  readonly origin: string;
  readonly apiBase: string;
  readonly authUrl: string;
  readonly testKeys: { readonly valid: string; readonly unlimited: string; readonly disabled: string };

  private readonly accounts = new Map<string, StubAccount>();
  private readonly codes = new Map<string, CodeGrant>();
  private readonly records: MutableRecord[] = [];
  private readonly delays = new Set<PendingDelay>();
  private active: ActiveFault = { fault: "none", options: {} };
  private appendStyle: "standard" | "naive" = "standard";
  private chatPace: ChatPace = {};
  private keyEcho: KeyEcho = "none";
  /** Every answer given, for GET /generation: id → the key that asked, and the answer. */
  private readonly generations = new Map<string, { key: string; answer: Answer; streamed: boolean }>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly server: Server,
    origin: string,
    private readonly codeTtlMs: number,
  ) {
    this.origin = origin;
    this.apiBase = `${origin}${API}`;
    this.authUrl = `${origin}/auth`;
    const valid = this.addAccount({
      key: seededKey("valid"), limit: 100, usage: 25.5, isFreeTier: false, totalCredits: 50,
      userId: "user_2StubValidAccount00000000",
    });
    const unlimited = this.addAccount({
      key: seededKey("unlimited"), limit: null, usage: 0, isFreeTier: true, totalCredits: 0,
      userId: "user_2StubUnlimitedFreeTier0",
    });
    const disabled = this.addAccount({
      key: seededKey("disabled"), limit: 100, usage: 0, isFreeTier: false, totalCredits: 10,
      userId: "user_2StubDisabledAccount000", disabled: true,
    });
    this.testKeys = Object.freeze({ valid: valid.key, unlimited: unlimited.key, disabled: disabled.key });
    server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent && !res.destroyed) this.sendError(res, 500, "Internal Server Error");
        else res.destroy();
      });
    });
  }

  get requests(): ReadonlyArray<StubRequestRecord> {
    return Object.freeze(this.records.map((record) => Object.freeze({ ...record })));
  }

  clearRequests(): void {
    this.records.length = 0;
  }

  addAccount(overrides: Partial<StubAccount> = {}): StubAccount {
    const key = overrides.key ?? `sk-or-v1-${randomBytes(32).toString("hex")}`;
    if (this.accounts.has(key)) throw new Error(`openrouter-stub: an account with key ${maskKey(key)} already exists`);
    const limit = overrides.limit ?? null;
    const usage = overrides.usage ?? 0;
    const account: StubAccount = {
      limit,
      usage,
      isFreeTier: false,
      totalCredits: 10,
      userId: randomUserId(),
      disabled: false,
      limitReset: limit === null ? null : "monthly",
      name: null,
      expiresAt: null,
      usageDaily: usage,
      usageWeekly: usage,
      usageMonthly: usage,
      ...overrides,
      key,
      label: overrides.label ?? maskKey(key),
    };
    this.accounts.set(key, account);
    return account;
  }

  account(key: string): StubAccount | undefined {
    return this.accounts.get(key);
  }

  setFault(fault: StubFault, options: StubFaultOptions = {}): void {
    this.active = { fault, options: { ...options, ...(options.paths ? { paths: [...options.paths] } : {}) } };
  }

  setChatPace(pace: ChatPace): void {
    this.chatPace = { ...pace };
  }

  setKeyEcho(echo: KeyEcho): void {
    this.keyEcho = echo;
  }

  setCodeAppendStyle(style: "standard" | "naive"): void {
    this.appendStyle = style;
  }

  approve(authorizeUrl: string): string {
    let url: URL;
    try {
      url = new URL(authorizeUrl);
    } catch {
      throw new Error(`openrouter-stub: not a URL: ${authorizeUrl}`);
    }
    const expected = new URL(this.authUrl);
    if (url.port !== expected.port || url.pathname !== expected.pathname || !isLoopback(url.hostname)) {
      throw new Error(`openrouter-stub: ${url.origin}${url.pathname} is not this stand-in's auth page ${this.authUrl}`);
    }
    const request = readAuthorizeParams(url.searchParams);
    if (typeof request === "string") throw new Error(`openrouter-stub: ${request}`);
    return this.grant(request);
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const pending of this.delays) {
        clearTimeout(pending.timer);
        pending.finish(false);
      }
      this.delays.clear();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  /**
   * Mints a one-time code bound to the challenge and a fresh account whose key carries the
   * requested `limit` and is named after `key_label`; returns the redirect target.
   */
  private grant(request: AuthorizeRequest): string {
    const now = Date.now();
    for (const [code, grant] of this.codes) if (grant.expiresAt <= now) this.codes.delete(code);
    const code = randomBytes(24).toString("base64url");
    const account = this.addAccount({ limit: request.limit, name: request.keyLabel });
    this.codes.set(code, { challenge: request.challenge, method: request.method, account, expiresAt: now + this.codeTtlMs });
    return appendCode(request.callbackUrl, code, this.appendStyle);
  }

  private faultFor(path: string): ActiveFault {
    if (path === "/auth" || path === "/auth/approve") return { fault: "none", options: {} };
    const { paths } = this.active.options;
    if (paths && !paths.includes(path)) return { fault: "none", options: {} };
    return this.active;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", this.origin);
    const path = url.pathname;
    const authorization = req.headers.authorization ?? "";
    const bearer = /^Bearer\s+(\S+)/i.exec(authorization)?.[1];
    const record: MutableRecord = { method, path, hasBearer: bearer !== undefined, aborted: false };
    if (bearer !== undefined) record.bearer = bearer;
    if (req.headers.host !== undefined) record.host = req.headers.host;
    const referer = req.headers["http-referer"];
    const title = req.headers["x-title"];
    const openRouterTitle = req.headers["x-openrouter-title"];
    if (typeof referer === "string") record.referer = referer;
    if (typeof title === "string") record.title = title;
    if (typeof openRouterTitle === "string") record.openRouterTitle = openRouterTitle;
    this.records.push(record);

    const { fault, options } = this.faultFor(path);
    if (fault === "down") {
      req.socket.destroy();
      return;
    }
    // "close" before the answer is complete: the client (the gateway) gave up on it.
    res.once("close", () => {
      if (!res.writableFinished) record.aborted = true;
    });

    const text = method === "POST" ? await readBody(req) : (req.resume(), "");
    if (url.search !== "") record.query = url.search;
    if (method === "POST" && path.startsWith(`${API}/`) && text !== null) {
      try {
        record.body = JSON.parse(text);
      } catch {
        record.body = text;
      }
    }

    if (fault === "slow") {
      const completed = await this.delay(options.delayMs ?? DEFAULT_SLOW_MS, res);
      if (!completed) return;
    } else if (fault === "stalled") {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"data":{');
      if (await this.delay(options.delayMs ?? DEFAULT_SLOW_MS, res)) res.destroy();
      return;
    } else if (fault === "server-error") {
      const status = options.status ?? 502;
      const headers: Record<string, string> =
        options.retryAfterSeconds === undefined ? {} : { "retry-after": String(options.retryAfterSeconds) };
      this.sendError(res, status, status === 503 ? "Service Unavailable" : "Upstream error", headers);
      return;
    } else if (fault === "rate-limited") {
      this.sendError(res, 429, "Rate limit exceeded", { "retry-after": String(options.retryAfterSeconds ?? 7) });
      return;
    }

    if (text === null) {
      this.sendError(res, 413, "Request body too large");
      return;
    }
    this.route(method, path, url, text, authorization, res, record);
  }

  private route(method: string, path: string, url: URL, text: string, authorization: string, res: ServerResponse, record: MutableRecord): void {
    const isGet = method === "GET" || method === "HEAD";
    switch (path) {
      case "/auth":
        if (!isGet) return this.notAllowed(res, "GET, HEAD");
        return this.consentPage(url.searchParams, res);
      case "/auth/approve":
        if (method !== "POST") return this.notAllowed(res, "POST");
        return this.consentApproved(new URLSearchParams(text), res);
      case `${API}/key`:
      case `${API}/auth/key`:
        if (!isGet) return this.notAllowed(res, "GET, HEAD");
        return this.withAccount(authorization, res, (account) => this.sendJson(res, 200, { data: keyInfo(account) }));
      case `${API}/credits`:
        if (!isGet) return this.notAllowed(res, "GET, HEAD");
        return this.withAccount(authorization, res, (account) =>
          this.sendJson(res, 200, { data: { total_credits: account.totalCredits, total_usage: account.usage } }));
      case `${API}/models`:
        if (!isGet) return this.notAllowed(res, "GET, HEAD");
        return this.sendJson(res, 200, { data: STUB_MODELS });
      case `${API}/auth/keys`:
        if (method !== "POST") return this.notAllowed(res, "POST");
        return this.exchange(text, res);
      case `${API}/generation`:
        if (!isGet) return this.notAllowed(res, "GET, HEAD");
        return this.withAccount(authorization, res, (account) => this.generation(url.searchParams.get("id"), account, res));
      default: {
        const inference = path.startsWith(API) ? INFERENCE_ROUTES[path.slice(API.length)] : undefined;
        if (inference === undefined) return this.sendError(res, 404, `Not Found: ${path}`);
        if (method !== "POST") return this.notAllowed(res, "POST");
        return this.withAccount(authorization, res, (account) => this.infer(inference, text, account, res, record));
      }
    }
  }

  private withAccount(authorization: string, res: ServerResponse, answer: (account: StubAccount) => void): void {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) return this.sendError(res, 401, "No auth credentials found");
    const account = this.accounts.get(match[1]!);
    if (!account) return this.sendError(res, 401, "User not found.");
    if (account.disabled) return this.sendError(res, 401, "This API key is disabled.");
    answer(account);
  }

  /** POST /api/v1/auth/keys: the PKCE code exchange. Every code is spent on its first use. */
  private exchange(text: string, res: ServerResponse): void {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return this.sendError(res, 400, "Invalid JSON body");
    }
    if (!isRecord(body)) return this.sendError(res, 400, "Expected a JSON object");
    const { code, code_verifier: verifier, code_challenge_method: method } = body;
    const grant = typeof code === "string" ? this.codes.get(code) : undefined;
    if (grant) this.codes.delete(code as string);
    if (typeof code !== "string" || code === "" || typeof verifier !== "string" || verifier === "" || typeof method !== "string") {
      return this.sendError(res, 400, "code, code_verifier and code_challenge_method are required");
    }
    if (method !== "S256" && method !== "plain") return this.sendError(res, 400, "code_challenge_method must be S256 or plain");
    if (!grant || grant.expiresAt <= Date.now()) return this.sendError(res, 403, "Invalid code");
    if (method !== grant.method || !sameText(s256(verifier), grant.challenge)) {
      return this.sendError(res, 403, "Invalid code_verifier");
    }
    this.sendJson(res, 200, { key: grant.account.key, user_id: grant.account.userId });
  }

  /** An inference endpoint (openrouter-stub/inference.ts): echoes the caller's last text, as JSON or as server-sent events. */
  private infer(route: InferenceRoute, text: string, account: StubAccount, res: ServerResponse, record: MutableRecord): void {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return this.sendError(res, 400, "Invalid JSON body");
    }
    if (!isRecord(body)) return this.sendError(res, 400, "Expected a JSON object");
    const asked = route.read(body);
    if (typeof asked === "string") return this.sendError(res, 400, asked);
    const prices = route.stream === null ? STUB_EMBEDDING_MODELS[asked.model] : STUB_MODELS.find((known) => known.id === asked.model)?.pricing;
    if (prices === undefined) return this.sendError(res, 400, `${asked.model} is not a valid model ID`);
    if (asked.stream && route.stream === null) return this.sendError(res, 400, "This endpoint does not stream");
    if (this.keyEcho === "escaped-error") {
      // Written by hand: JSON.stringify would never escape these characters.
      const payload = `{"error":{"code":400,"message":"This request was made with the key ${jsonEscaped(account.key)}, which cannot use ${asked.model}","metadata":{}}}`;
      res.writeHead(400, { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)), "cache-control": "no-store" });
      res.end(payload);
      return;
    }

    const echoed = this.keyEcho === "in-body" || this.keyEcho === "split-stream" ? `Echo: ${asked.question} (asked with ${account.key})` : `Echo: ${asked.question}`;
    const answer = this.answer(asked, route.stream === null ? "" : echoed, prices, account);
    if (!asked.stream) {
      const json = JSON.stringify(route.json(answer));
      // The key, once in the text, goes out \u-escaped: a client reads it all the same.
      const payload = this.keyEcho === "in-body" ? json.split(account.key).join(jsonEscaped(account.key)) : json;
      res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)), "cache-control": "no-store" });
      res.end(payload);
      return;
    }
    // A failing pace hook (a test's) ends the stream rather than the process.
    this.streamAnswer(res, record, route.stream!, answer, account.key).catch(() => res.destroy());
  }

  /** The answer to `asked`, its usage priced at the model's prices, remembered for GET /generation. */
  private answer(asked: Asked, text: string, prices: Prices, account: StubAccount): Answer {
    const promptTokens = wordCount(asked.input.join(" "));
    const completionTokens = wordCount(text);
    const cost = money(promptTokens * Number(prices.prompt) + completionTokens * Number(prices.completion));
    const answer: Answer = {
      id: `gen-${randomBytes(12).toString("hex")}`,
      model: asked.model,
      created: Math.floor(Date.now() / 1000),
      text,
      input: asked.input,
      base64: asked.base64 === true,
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens, cost },
    };
    this.generations.set(answer.id, { key: account.key, answer, streamed: asked.stream });
    return answer;
  }

  /** GET /api/v1/generation?id=: one answer's stats, for the key that asked for it; 404 for any other. */
  private generation(id: string | null, account: StubAccount, res: ServerResponse): void {
    const found = id === null ? undefined : this.generations.get(id);
    if (found === undefined || found.key !== account.key) return this.sendError(res, 404, "Generation not found");
    const { answer } = found;
    this.sendJson(res, 200, {
      data: {
        id: answer.id,
        model: answer.model,
        created_at: new Date(answer.created * 1000).toISOString(),
        streamed: found.streamed,
        total_cost: answer.usage.cost,
        tokens_prompt: answer.usage.prompt_tokens,
        tokens_completion: answer.usage.completion_tokens,
        native_tokens_prompt: answer.usage.prompt_tokens,
        native_tokens_completion: answer.usage.completion_tokens,
        finish_reason: "stop",
        provider_name: "OpenRouterStub",
      },
    });
  }

  /**
   * Sends the answer as OpenRouter streams one: a comment line, the endpoint's opening events,
   * content at the pace set, then its closing events (the one with usage, and the end).
   */
  private async streamAnswer(res: ServerResponse, record: MutableRecord, shape: NonNullable<InferenceRoute["stream"]>, answer: Answer, key: string): Promise<void> {
    const { chunks = DEFAULT_CHAT_CHUNKS, intervalMs = DEFAULT_CHAT_INTERVAL_MS, beforeChunk, padding = 0 } = this.chatPace;
    const pieces = splitInto(answer.text, Math.max(1, chunks)).map((piece) => piece + " ".repeat(padding));
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    res.write(": OPENROUTER PROCESSING\n\n");
    for (const event of shape.head(answer)) res.write(event);
    record.chunksSent = 0;
    record.maxQueuedBytes = 0;
    for (const [index, piece] of pieces.entries()) {
      if (index > 0) {
        if (!(await this.delay(intervalMs, res))) return;
        if (beforeChunk !== undefined) await beforeChunk(index);
        if (res.destroyed) return;
        // Like OpenRouter while a model thinks: a keep-alive comment between chunks.
        if (index === 1) res.write(": OPENROUTER PROCESSING\n\n");
      }
      const event = shape.piece(answer, piece);
      const keyAt = this.keyEcho === "split-stream" ? event.indexOf(key) : -1;
      if (keyAt === -1) res.write(event);
      else {
        // Two writes, apart in time, so that the gateway reads the key in two chunks.
        const cut = keyAt + Math.floor(key.length / 2);
        res.write(event.slice(0, cut));
        if (!(await this.delay(Math.max(intervalMs, 20), res))) return;
        res.write(event.slice(cut));
      }
      record.chunksSent = index + 1;
      record.maxQueuedBytes = Math.max(record.maxQueuedBytes, res.writableLength);
    }
    const tail = shape.tail(answer);
    for (const event of tail.slice(0, -1)) res.write(event);
    res.end(tail.at(-1));
  }

  private consentPage(params: URLSearchParams, res: ServerResponse): void {
    const request = readAuthorizeParams(params);
    if (typeof request === "string") return this.badConsent(res, request);
    const host = new URL(request.callbackUrl).host;
    const hidden = (name: string, value: string) =>
      `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
    this.sendHtml(res, 200, htmlPage(`Authorize ${host} – OpenRouter`, `<h1>Authorize ${escapeHtml(host)}</h1>
<p><strong>${escapeHtml(host)}</strong> wants to connect to your OpenRouter account. It will receive an API key that can spend your credits.</p>
<p>This is a local OpenRouter stand-in: no real account is involved.</p>
<form method="post" action="/auth/approve">
${hidden("callback_url", request.callbackUrl)}
${hidden("code_challenge", request.challenge)}
${hidden("code_challenge_method", request.method)}
${request.limit === null ? "" : hidden("limit", String(request.limit))}
${request.keyLabel === null ? "" : hidden("key_label", request.keyLabel)}
<button type="submit">Authorize</button>
</form>`));
  }

  private consentApproved(form: URLSearchParams, res: ServerResponse): void {
    const request = readAuthorizeParams(form);
    if (typeof request === "string") return this.badConsent(res, request);
    res.writeHead(302, { location: this.grant(request), "cache-control": "no-store", "content-length": "0" });
    res.end();
  }

  private badConsent(res: ServerResponse, message: string): void {
    this.sendHtml(res, 400, htmlPage("Bad request – OpenRouter", `<h1>Bad request</h1>
<p role="alert">${escapeHtml(message)}.</p>`));
  }

  private notAllowed(res: ServerResponse, allow: string): void {
    this.sendError(res, 405, "Method Not Allowed", { allow });
  }

  private sendError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
    this.sendJson(res, status, { error: { code: status, message, metadata: {} } }, headers);
  }

  private sendJson(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
    const body = JSON.stringify(payload);
    res.writeHead(status, {
      ...headers,
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(body)),
      "cache-control": "no-store",
    });
    res.end(body);
  }

  private sendHtml(res: ServerResponse, status: number, html: string): void {
    res.writeHead(status, {
      "content-type": "text/html; charset=utf-8",
      "content-length": String(Buffer.byteLength(html)),
      "cache-control": "no-store",
    });
    res.end(html);
  }

  /** Waits, unless the client goes away or the stub closes first; resolves whether the wait ran its course. */
  private delay(ms: number, res: ServerResponse): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const pending: PendingDelay = {
        timer: setTimeout(() => pending.finish(true), ms),
        finish: (completed) => {
          clearTimeout(pending.timer);
          this.delays.delete(pending);
          res.off("close", onClose);
          resolve(completed);
        },
      };
      const onClose = () => pending.finish(false);
      res.on("close", onClose);
      this.delays.add(pending);
    });
  }
}

function keyInfo(account: StubAccount): Record<string, unknown> {
  return {
    label: account.label,
    limit: account.limit,
    usage: account.usage,
    limit_remaining: account.limit === null ? null : money(account.limit - account.usage),
    is_free_tier: account.isFreeTier,
    is_provisioning_key: false,
    limit_reset: account.limitReset,
    expires_at: account.expiresAt,
    usage_daily: account.usageDaily,
    usage_weekly: account.usageWeekly,
    usage_monthly: account.usageMonthly,
    rate_limit: { requests: account.isFreeTier ? 20 : 200, interval: "10s" },
  };
}

/** `text` with every character written as a JSON `\\u` escape: the same string to a JSON reader. */
function jsonEscaped(text: string): string {
  return [...text].map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`).join("");
}

/** `text` cut into `count` pieces of near-equal length (fewer when the text is shorter), none empty. */
function splitInto(text: string, count: number): string[] {
  const characters = [...text];
  const size = Math.max(1, Math.ceil(characters.length / count));
  const pieces: string[] = [];
  for (let at = 0; at < characters.length; at += size) pieces.push(characters.slice(at, at + size).join(""));
  return pieces.length === 0 ? [""] : pieces;
}

function isLoopback(hostname: string): boolean {
  return hostname === "127.0.0.1" || hostname === "localhost" || hostname === "[::1]";
}

/** The request body as text, or null when it exceeds MAX_BODY_BYTES. */
function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise<string | null>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? null : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/**
 * Starts the stand-in on `host` (default 127.0.0.1) and `port` (default 0: a free one).
 * `codeTtlMs` (default 10 minutes) is how long an OAuth code stays exchangeable.
 */
export async function startOpenRouterStub(
  options: { port?: number; host?: string; codeTtlMs?: number } = {},
): Promise<OpenRouterStub> {
  const host = options.host ?? "127.0.0.1";
  const server = createServer();
  server.requestTimeout = 15_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  return new StubServer(server, `http://${shownHost}:${port}`, options.codeTtlMs ?? DEFAULT_CODE_TTL_MS);
}
