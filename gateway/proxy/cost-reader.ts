/** `"completion_tokens": -0.000123456789e-10` and spaces: a tail longer than this is no number still being read. */
const CARRY_LIMIT = 128;
const COLON = 0x3a;

/** JSON's white space: space, tab, line feed, carriage return. */
function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** A byte of a JSON number: digits, `.`, `e`, `E`, `+`, `-`. */
function isNumberByte(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || byte === 0x2e || byte === 0x65 || byte === 0x45 || byte === 0x2b || byte === 0x2d;
}

/**
 * Where `mark` first occurs in `text` from `from`, or -1: `text.indexOf(mark, from)`, searched here
 * rather than by Node's binding, whose call cost more than the search itself for an event's few
 * hundred bytes (0.5 µs a chunk under the profiler, most of the cost reader's time).
 */
function indexOfMark(text: Buffer, mark: Buffer, from: number): number {
  const first = mark[0]!;
  const last = text.length - mark.length;
  search: for (let at = from; at <= last; at++) {
    if (text[at] !== first) continue;
    for (let offset = 1; offset < mark.length; offset++) if (text[at + offset] !== mark[offset]) continue search;
    return at;
  }
  return -1;
}

/** A quoted key's bytes, and which bytes occur in it: made once per field, not per answer read. */
interface Mark {
  readonly bytes: Buffer;
  /** 1 at each byte value the quoted key contains. */
  readonly contains: Uint8Array;
}

const MARKS = new Map<string, Mark>();

function markOf(field: string): Mark {
  let mark = MARKS.get(field);
  if (mark === undefined) {
    const bytes = Buffer.from(JSON.stringify(field));
    const contains = new Uint8Array(256);
    for (const byte of bytes) contains[byte] = 1;
    mark = { bytes, contains };
    MARKS.set(field, mark);
  }
  return mark;
}

/**
 * Reads the last value of one numeric field of OpenRouter's `usage` (`"cost"`, `"prompt_tokens"`,
 * …) from an answer as it passes, without holding any of it back and without parsing it: the JSON
 * body, or the events of a stream, of which only the last carries usage. A quoted key can only be
 * a key there: inside a string (a model's text, a tool's arguments) its quotes are escaped. Each
 * chunk is searched natively for the key; only a chunk that ends in the middle of one keeps that
 * tail (a few bytes) for the next.
 * @see https://openrouter.ai/docs/use-cases/usage-accounting
 */
export class NumberFieldReader {
  readonly #mark: Buffer;
  readonly #inMark: Uint8Array;
  /** The last value read. */
  #value: number | undefined;
  #carry: Buffer | undefined;

  constructor(field: string) {
    const mark = markOf(field);
    this.#mark = mark.bytes;
    this.#inMark = mark.contains;
  }

  get value(): number | undefined {
    return this.#value;
  }

  read(chunk: Buffer): void {
    const MARK = this.#mark;
    const text = this.#carry === undefined ? chunk : Buffer.concat([this.#carry, chunk]);
    this.#carry = undefined;
    let at = indexOfMark(text, MARK, 0);
    while (at !== -1) {
      const end = this.#valueAt(text, at + MARK.length);
      if (end === undefined) {
        if (text.length - at <= CARRY_LIMIT) this.#carry = Buffer.from(text.subarray(at));
        return;
      }
      at = indexOfMark(text, MARK, end);
    }
    this.#carryMarkStart(text);
  }

  /**
   * Reads `: <number>` from `from`: sets the value and returns where it ends, or returns undefined
   * when the text ends first. Anything else there (`null`, an object) is no value.
   */
  #valueAt(text: Buffer, from: number): number | undefined {
    let at = from;
    while (at < text.length && isSpace(text[at]!)) at++;
    if (at >= text.length) return undefined;
    if (text[at] !== COLON) return at;
    at++;
    while (at < text.length && isSpace(text[at]!)) at++;
    const start = at;
    while (at < text.length && isNumberByte(text[at]!)) at++;
    if (at >= text.length) return undefined;
    const value = Number(text.toString("latin1", start, at));
    if (at > start && Number.isFinite(value) && value >= 0) this.#value = value;
    return at;
  }

  /** Keeps the tail of `text` that could be the start of the key, cut by the chunk's end. */
  #carryMarkStart(text: Buffer): void {
    const MARK = this.#mark;
    // Most chunks end in a byte the key has none of (an event ends in a line feed): nothing to keep.
    if (text.length === 0 || this.#inMark[text[text.length - 1]!] === 0) return;
    for (let length = Math.min(MARK.length - 1, text.length); length > 0; length--) {
      let matches = true;
      for (let offset = 0; offset < length && matches; offset++) matches = text[text.length - length + offset] === MARK[offset];
      if (matches) {
        this.#carry = Buffer.from(text.subarray(text.length - length));
        return;
      }
    }
  }
}

/** `usage.cost`, in credits: what the spend budget counts. */
export class CostReader extends NumberFieldReader {
  constructor() {
    super("cost");
  }

  get cost(): number | undefined {
    return this.value;
  }
}

/** What an answer says it used, as far as it was read. */
export interface Usage {
  readonly credits?: number;
  readonly promptTokens?: number;
  readonly completionTokens?: number;
}

/**
 * An answer's cost and, for the metrics, its tokens: Chat and Completions name them
 * `prompt_tokens` / `completion_tokens`, the Responses API `input_tokens` / `output_tokens`.
 */
export class UsageReader {
  readonly #cost = new CostReader();
  readonly #tokens: readonly NumberFieldReader[] | undefined;

  constructor(options: { readonly tokens: boolean }) {
    this.#tokens = options.tokens ? ["prompt_tokens", "input_tokens", "completion_tokens", "output_tokens"].map((field) => new NumberFieldReader(field)) : undefined;
  }

  read(chunk: Buffer): void {
    this.#cost.read(chunk);
    if (this.#tokens !== undefined) for (const reader of this.#tokens) reader.read(chunk);
  }

  get usage(): Usage {
    const [prompt, input, completion, output] = this.#tokens ?? [];
    return { credits: this.#cost.cost, promptTokens: prompt?.value ?? input?.value, completionTokens: completion?.value ?? output?.value };
  }
}
