import { CENSOR } from "../logging/redact.js";

const BACKSLASH = 0x5c;
const PERCENT = 0x25;
const LETTER_U = 0x75;
const CENSORED = Buffer.from(CENSOR);

/**
 * Strikes one key out of an answer as a client will read it: the key as it is, and the key with
 * any of its characters written as a JSON `\uXXXX` escape or percent-encoded (`%XX`), which a
 * JSON parser or a URL decoder turns back into the key. Fed chunk by chunk, it holds back only
 * the tail of a chunk that could be the start of the key (a key cut between two chunks), and
 * passes every other byte on at once: a chunk with no such tail leaves as it came, uncopied.
 */
export class KeyRedactor {
  readonly #key: Buffer;
  /** The tail of the last chunk that could start the key, waiting for the next chunk. */
  #held: Buffer | undefined;

  constructor(key: string) {
    this.#key = Buffer.from(key, "latin1");
  }

  /** What of `chunk` (after what was held) may go on now, with every whole key in it struck out. */
  push(chunk: Buffer): Buffer {
    const text = this.#held === undefined ? chunk : Buffer.concat([this.#held, chunk]);
    this.#held = undefined;
    return this.#redact(text, false);
  }

  /** What is still held at the end of the answer: it was no key, and goes on as it is. */
  end(): Buffer {
    const held = this.#held ?? Buffer.alloc(0);
    this.#held = undefined;
    return held;
  }

  /** `text` whole, with every key struck out. */
  redactAll(text: Buffer): Buffer {
    return Buffer.concat([this.#redact(text, true), this.end()]);
  }

  #redact(text: Buffer, final: boolean): Buffer {
    const key = this.#key;
    const first = key[0];
    let parts: Buffer[] | undefined;
    let from = 0;
    for (let at = 0; at < text.length; at++) {
      const byte = text[at];
      if (byte !== first && byte !== BACKSLASH && byte !== PERCENT) continue;
      const end = matchKeyAt(text, at, key);
      if (end === NO_MATCH) continue;
      if (end === PARTIAL) {
        if (final) continue;
        this.#held = Buffer.from(text.subarray(at));
        return parts === undefined ? text.subarray(0, at) : Buffer.concat([...parts, text.subarray(from, at)]);
      }
      (parts ??= []).push(text.subarray(from, at), CENSORED);
      from = end;
      at = end - 1;
    }
    return parts === undefined ? text : Buffer.concat([...parts, text.subarray(from)]);
  }
}

/** Every string in a parsed JSON value with the key struck out, in any encoding (see {@link KeyRedactor}). */
export function redactKeyInJson(value: unknown, key: string): unknown {
  const redactor = new KeyRedactor(key);
  const walk = (inner: unknown): unknown => {
    if (typeof inner === "string") return redactor.redactAll(Buffer.from(inner, "utf8")).toString("utf8");
    if (Array.isArray(inner)) return inner.map(walk);
    if (typeof inner === "object" && inner !== null) return Object.fromEntries(Object.entries(inner).map(([name, field]) => [walk(name) as string, walk(field)]));
    return inner;
  };
  return walk(value);
}

const NO_MATCH = -1;
const PARTIAL = -2;

/**
 * Where the key, in any mix of its encodings, that starts at `at` ends; PARTIAL when the text
 * ends while it still could be the key; NO_MATCH when it is not.
 */
function matchKeyAt(text: Buffer, at: number, key: Buffer): number {
  let position = at;
  for (const expected of key) {
    if (position >= text.length) return PARTIAL;
    const byte = text[position];
    if (byte === expected) {
      position += 1;
      continue;
    }
    let width: number;
    let hex: string;
    if (byte === BACKSLASH) {
      // `\uXXXX`, its four hex digits in either case.
      width = 6;
      hex = `u${expected!.toString(16).padStart(4, "0")}`;
    } else if (byte === PERCENT) {
      width = 3;
      hex = expected!.toString(16).padStart(2, "0");
    } else {
      return NO_MATCH;
    }
    for (let offset = 1; offset < width; offset++) {
      if (position + offset >= text.length) return PARTIAL;
      const got = text[position + offset]!;
      const want = hex.charCodeAt(offset - 1);
      // Hex digits compare without case; the `u` of `\u` is lower case in JSON.
      if (got !== want && !(want !== LETTER_U && want >= 0x61 && got === want - 0x20)) return NO_MATCH;
    }
    position += width;
  }
  return position;
}
