/**
 * The stand-in's inference endpoints (docs/contract.md §10), one row each: how a request is read,
 * what the JSON answer is, and how a streamed answer is cut into server-sent events. Every answer
 * echoes the caller's last text and carries `usage` with `cost` (credits), in the JSON body or in
 * the last event of a stream, as OpenRouter does.
 * @see https://openrouter.ai/docs/api-reference/overview
 * @see https://openrouter.ai/docs/api-reference/responses-api/overview
 * @see https://openrouter.ai/docs/use-cases/usage-accounting
 */

/** US dollars per token (prompt, completion), as the model list writes them. */
export interface Prices {
  readonly prompt: string;
  readonly completion: string;
}

export interface Usage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
  /** Credits (US dollars) the answer cost. */
  readonly cost: number;
}

/** One answer, before it is shaped for its endpoint. */
export interface Answer {
  readonly id: string;
  readonly model: string;
  readonly created: number;
  /** The whole text answered (embeddings: none). */
  readonly text: string;
  /** The caller's input text (what embeddings are made of). */
  readonly input: readonly string[];
  readonly usage: Usage;
  /** Embeddings: each vector as base64 of little-endian float32s (`encoding_format: "base64"`, the `openai` package's default). */
  readonly base64: boolean;
}

/** What an inference request asks for, once read; a string is the 400's message. */
export interface Asked {
  readonly model: string;
  readonly stream: boolean;
  /** The text the answer echoes. */
  readonly question: string;
  /** Every text the caller sent, for the prompt's token count. */
  readonly input: readonly string[];
  /** Embeddings asked with `encoding_format: "base64"`. */
  readonly base64?: boolean;
}

export interface InferenceRoute {
  /** Reads the request body (already known to be a JSON object); a string is a 400. */
  read(body: Record<string, unknown>): Asked | string;
  /** The non-streamed answer. */
  json(answer: Answer): unknown;
  /** The streamed answer's events, each a complete `event:`/`data:` block; null when the endpoint does not stream. */
  readonly stream: StreamShape | null;
}

export interface StreamShape {
  /** Events before the first piece of content. */
  head(answer: Answer): string[];
  /** One piece of content. */
  piece(answer: Answer, text: string): string;
  /** Events after the last piece: the one with `usage`, and the stream's end. */
  tail(answer: Answer): string[];
}

const data = (payload: unknown): string => `data: ${JSON.stringify(payload)}\n\n`;
const typed = (type: string, payload: Record<string, unknown>): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The text of a message's content: a string, or the text parts of an array of parts. */
export function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part) => (isRecord(part) && (part.type === "text" || part.type === "input_text") && typeof part.text === "string" ? part.text : ""))
    .filter((text) => text !== "")
    .join(" ");
}

export function wordCount(text: string): number {
  return text.split(/\s+/).filter((word) => word !== "").length;
}

function model(body: Record<string, unknown>): string | undefined {
  return typeof body.model === "string" && body.model !== "" ? body.model : undefined;
}

function stream(body: Record<string, unknown>): boolean | string {
  if (body.stream !== undefined && typeof body.stream !== "boolean") return "stream must be a boolean";
  return body.stream === true;
}

/** Reads `model` and `stream`, then the endpoint's own text; a string is the 400's message. */
function asked(body: Record<string, unknown>, texts: () => { input: string[]; question: string } | string): Asked | string {
  const id = model(body);
  if (id === undefined) return "model is required";
  const streamed = stream(body);
  if (typeof streamed === "string") return streamed;
  const read = texts();
  if (typeof read === "string") return read;
  return { model: id, stream: streamed, ...read };
}

/** Every text is the prompt; the last one is echoed. */
const lastOf = (input: string[]) => ({ input, question: input.at(-1) ?? "" });

const base = (answer: Answer) => ({ id: answer.id, provider: "OpenRouterStub", model: answer.model, created: answer.created });

/** `POST /chat/completions`: `messages`, answered as `choices[].message` or `chat.completion.chunk` deltas. */
const chat: InferenceRoute = {
  read: (body) =>
    asked(body, () => {
      const { messages } = body;
      if (!Array.isArray(messages) || messages.length === 0) return "messages must be a non-empty array";
      const last = [...messages].reverse().find((message): message is Record<string, unknown> => isRecord(message) && message.role === "user");
      // The echo is of the last user message; the prompt is every message.
      return { input: messages.map((message) => textOf(isRecord(message) ? message.content : "")), question: last === undefined ? "" : textOf(last.content) };
    }),
  json: (answer) => ({
    ...base(answer),
    object: "chat.completion",
    choices: [{ index: 0, logprobs: null, finish_reason: "stop", native_finish_reason: "stop", message: { role: "assistant", content: answer.text, refusal: null } }],
    usage: answer.usage,
  }),
  stream: {
    head: () => [],
    piece: (answer, text) => chatChunk(answer, { role: "assistant", content: text }, null),
    tail: (answer) => [chatChunk(answer, { role: "assistant", content: "" }, "stop", { usage: answer.usage }), "data: [DONE]\n\n"],
  },
};

function chatChunk(answer: Answer, delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}): string {
  return data({ ...base(answer), object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish, native_finish_reason: finish, logprobs: null }], ...extra });
}

/** `POST /completions`: `prompt`, answered as `choices[].text`. */
const completions: InferenceRoute = {
  read: (body) =>
    asked(body, () => {
      const { prompt } = body;
      if (typeof prompt === "string") return lastOf([prompt]);
      if (Array.isArray(prompt) && prompt.length > 0 && prompt.every((entry) => typeof entry === "string")) return lastOf(prompt as string[]);
      return "prompt must be a string or a non-empty array of strings";
    }),
  json: (answer) => ({
    ...base(answer),
    object: "text_completion",
    choices: [{ index: 0, text: answer.text, logprobs: null, finish_reason: "stop", native_finish_reason: "stop" }],
    usage: answer.usage,
  }),
  stream: {
    head: () => [],
    piece: (answer, text) => data({ ...base(answer), object: "text_completion", choices: [{ index: 0, text, logprobs: null, finish_reason: null }] }),
    tail: (answer) => [
      data({ ...base(answer), object: "text_completion", choices: [{ index: 0, text: "", logprobs: null, finish_reason: "stop" }], usage: answer.usage }),
      "data: [DONE]\n\n",
    ],
  },
};

/** The Responses API's usage: its own token names, and OpenRouter's `cost`. */
function responsesUsage(usage: Usage): Record<string, unknown> {
  return { input_tokens: usage.prompt_tokens, output_tokens: usage.completion_tokens, total_tokens: usage.total_tokens, cost: usage.cost };
}

function response(answer: Answer, status: "in_progress" | "completed"): Record<string, unknown> {
  const done = status === "completed";
  return {
    id: answer.id,
    object: "response",
    created_at: answer.created,
    model: answer.model,
    status,
    output: done ? [{ type: "message", id: `msg_${answer.id}`, status: "completed", role: "assistant", content: [{ type: "output_text", text: answer.text, annotations: [] }] }] : [],
    usage: done ? responsesUsage(answer.usage) : null,
  };
}

/** `POST /responses` (OpenRouter's Responses API, beta): `input`, answered as `output[]` items or typed events. */
const responses: InferenceRoute = {
  read: (body) =>
    asked(body, () => {
      const { input } = body;
      if (typeof input === "string") return lastOf([input]);
      if (!Array.isArray(input) || input.length === 0) return "input must be a string or a non-empty array of items";
      return lastOf(input.map((item) => (isRecord(item) ? textOf(item.content) : "")));
    }),
  json: (answer) => response(answer, "completed"),
  stream: {
    head: (answer) => [
      typed("response.created", { sequence_number: 0, response: response(answer, "in_progress") }),
      typed("response.output_item.added", { output_index: 0, item: { type: "message", id: `msg_${answer.id}`, status: "in_progress", role: "assistant", content: [] } }),
      typed("response.content_part.added", { item_id: `msg_${answer.id}`, output_index: 0, content_index: 0, part: { type: "output_text", text: "", annotations: [] } }),
    ],
    piece: (answer, text) => typed("response.output_text.delta", { item_id: `msg_${answer.id}`, output_index: 0, content_index: 0, delta: text }),
    tail: (answer) => [
      typed("response.output_text.done", { item_id: `msg_${answer.id}`, output_index: 0, content_index: 0, text: answer.text }),
      typed("response.output_item.done", { output_index: 0, item: (response(answer, "completed").output as unknown[])[0] }),
      typed("response.completed", { response: response(answer, "completed") }),
    ],
  },
};

/** A small vector made from the text, the same for the same text. */
function vector(text: string): number[] {
  const values: number[] = [];
  for (let at = 0; at < 8; at++) {
    let hash = 2166136261 ^ at;
    for (const char of text) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619);
    values.push(Math.round(((hash >>> 0) / 0xffffffff - 0.5) * 1e6) / 1e6);
  }
  return values;
}

/** `POST /embeddings`: `input` (a string or a list), answered as one vector per input; never streamed. */
const embeddings: InferenceRoute = {
  read: (body) => {
    if (body.encoding_format !== undefined && body.encoding_format !== "float" && body.encoding_format !== "base64") return "encoding_format must be float or base64";
    const read = asked(body, () => {
      const { input } = body;
      if (typeof input === "string") return lastOf([input]);
      if (Array.isArray(input) && input.length > 0 && input.every((entry) => typeof entry === "string")) return lastOf(input as string[]);
      return "input must be a string or a non-empty array of strings";
    });
    return typeof read === "string" ? read : { ...read, base64: body.encoding_format === "base64" };
  },
  json: (answer) => ({
    object: "list",
    data: answer.input.map((text, index) => ({ object: "embedding", index, embedding: answer.base64 ? Buffer.from(new Float32Array(vector(text)).buffer).toString("base64") : vector(text) })),
    model: answer.model,
    usage: { prompt_tokens: answer.usage.prompt_tokens, total_tokens: answer.usage.prompt_tokens, cost: answer.usage.cost },
  }),
  stream: null,
};

/** The inference endpoints, by their path under the API base. */
export const INFERENCE_ROUTES: Readonly<Record<string, InferenceRoute>> = Object.freeze({
  "/chat/completions": chat,
  "/completions": completions,
  "/responses": responses,
  "/embeddings": embeddings,
});

/** The embedding models `POST /embeddings` knows (OpenRouter lists them apart from the chat models). */
export const STUB_EMBEDDING_MODELS: Readonly<Record<string, Prices>> = Object.freeze({
  "openai/text-embedding-3-small": { prompt: "0.00000002", completion: "0" },
});
