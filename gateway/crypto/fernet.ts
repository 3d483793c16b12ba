/**
 * The Fernet token format, with `node:crypto` only.
 *
 * Every value the gateway writes to Redis about a user is a Fernet token (docs/contract.md §6),
 * so the format must interoperate with other Fernet implementations. It is checked against the
 * public conformance vectors (copied in `test/fixtures/fernet/` from https://github.com/fernet/spec).
 * @see https://github.com/fernet/spec/blob/master/Spec.md
 *
 * Token layout (all big-endian):
 *
 *     0x80 | timestamp (u64 seconds) | IV (16) | AES-128-CBC ciphertext (PKCS#7) | HMAC-SHA256 (32)
 *
 * @see https://github.com/fernet/spec/blob/master/Spec.md
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";
import type { KeyObject } from "node:crypto";
import { inspect } from "node:util";

const VERSION = 0x80;
const VERSION_LENGTH = 1;
const TIMESTAMP_LENGTH = 8;
const IV_LENGTH = 16;
const BLOCK_LENGTH = 16;
const HMAC_LENGTH = 32;
const SECRET_LENGTH = 32;
const HEADER_LENGTH = VERSION_LENGTH + TIMESTAMP_LENGTH + IV_LENGTH; // 25
/** PKCS#7 always adds at least one block, so even an empty plaintext has one. */
const MIN_TOKEN_LENGTH = HEADER_LENGTH + BLOCK_LENGTH + HMAC_LENGTH; // 73
/**
 * How far in the future a token's timestamp may be before it is refused.
 * @see https://github.com/fernet/spec/blob/master/Spec.md#verifying
 */
const MAX_CLOCK_SKEW_SECONDS = 60;

/** URL-safe base64, with optional padding; Node's own decoder silently skips anything else. */
const URL_SAFE_BASE64 = /^[A-Za-z0-9_-]+={0,2}$/;
/** 32 bytes are 43 characters of base64, plus one `=` when padded. */
const URL_SAFE_BASE64_KEY = /^[A-Za-z0-9_-]{43}=?$/;

/** Fatal so an authentic but non-UTF-8 plaintext is refused rather than silently altered;
 * `ignoreBOM` so a leading U+FEFF survives the round trip. */
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Thrown when `OPENROUTER_ENCRYPTION_KEY` (or any key list) cannot be used. Never carries key material. */
export class InvalidFernetKeyError extends Error {
  readonly code = "ERR_INVALID_FERNET_KEY";
  override name = "InvalidFernetKeyError";
}

/**
 * Thrown for every token that cannot be accepted: malformed, wrong version, bad MAC, expired,
 * too far in the future, bad padding. The message is always the same, and no `cause` is
 * attached, so neither callers nor logs learn which check failed (no oracle).
 */
export class InvalidFernetTokenError extends Error {
  readonly code = "ERR_INVALID_FERNET_TOKEN";
  override name = "InvalidFernetTokenError";
  constructor() {
    super("invalid Fernet token");
  }
}

/** The two halves of one secret, imported once so no call re-derives or copies key bytes. */
interface FernetKey {
  readonly signing: KeyObject;
  readonly encryption: KeyObject;
}

export interface FernetEncryptOptions {
  /** The token's timestamp (seconds since the epoch, or a Date). For the conformance vectors only. */
  now?: Date | number;
  /** A fixed 16-byte IV. For the conformance vectors only: reusing an IV leaks plaintext equality. */
  iv?: Uint8Array;
}

export interface FernetDecryptOptions {
  /** Reject tokens whose timestamp is more than this many seconds before `now`. */
  ttlSeconds?: number;
  /** The current time (seconds since the epoch, or a Date); defaults to the clock. */
  now?: Date | number;
}

/**
 * One or more Fernet keys: the first encrypts, all decrypt, so keys can be rotated by
 * prepending a new one and dropping the old one once its tokens have expired.
 */
export class FernetKeyring {
  readonly #keys: readonly FernetKey[];

  private constructor(secrets: readonly Buffer[]) {
    // @see https://github.com/fernet/spec/blob/master/Spec.md#key-format
    this.#keys = secrets.map((secret) => ({
      signing: createSecretKey(secret.subarray(0, 16)),
      encryption: createSecretKey(secret.subarray(16, 32)),
    }));
  }

  /**
   * `keys`: one standard Fernet key (32 bytes, URL-safe base64, with or without padding) or a
   * comma-separated list; the first encrypts, all decrypt (rotation). Whitespace around entries
   * is ignored; an empty list or a bad entry throws InvalidFernetKeyError saying which entry.
   * @see https://github.com/fernet/spec/blob/master/Spec.md#key-format
   */
  static fromString(keys: string): FernetKeyring {
    if (typeof keys !== "string" || keys.trim() === "") {
      throw new InvalidFernetKeyError("no Fernet key given: expected one key or a comma-separated list");
    }
    const secrets = keys.split(",").map((entry, index) => {
      const position = index + 1;
      const text = entry.trim();
      if (text === "") {
        throw new InvalidFernetKeyError(`key #${position} is empty`);
      }
      const secret = URL_SAFE_BASE64_KEY.test(text) ? Buffer.from(text, "base64url") : undefined;
      if (secret?.length !== SECRET_LENGTH) {
        // The entry itself is deliberately left out: it may be a real key with one typo.
        throw new InvalidFernetKeyError(`key #${position} is not 32 bytes of URL-safe base64`);
      }
      return secret;
    });
    return new FernetKeyring(secrets);
  }

  /** A fresh random key, URL-safe base64 with padding, as other Fernet libraries make them. */
  static generateKey(): string {
    return `${randomBytes(SECRET_LENGTH).toString("base64url")}=`;
  }

  /** Number of keys (for start-up logs). */
  get size(): number {
    return this.#keys.length;
  }

  /**
   * Encrypts with the first key. `now` and `iv` exist for the conformance vectors only.
   * @see https://github.com/fernet/spec/blob/master/Spec.md#generating
   */
  encrypt(plaintext: string | Uint8Array, options: FernetEncryptOptions = {}): string {
    const data = toBytes(plaintext);
    const timestamp = toSeconds(options.now, "now");
    const iv = options.iv ?? randomBytes(IV_LENGTH);
    if (!(iv instanceof Uint8Array) || iv.length !== IV_LENGTH) {
      throw new RangeError("iv must be 16 bytes");
    }
    const key = this.#keys[0]!;

    const header = Buffer.allocUnsafe(HEADER_LENGTH);
    header[0] = VERSION;
    // Two 32-bit halves: exact for every safe integer, and no BigInt per call.
    header.writeUInt32BE(Math.floor(timestamp / 2 ** 32), 1);
    header.writeUInt32BE(timestamp >>> 0, 5);
    header.set(iv, VERSION_LENGTH + TIMESTAMP_LENGTH);

    const cipher = createCipheriv("aes-128-cbc", key.encryption, iv);
    const body = cipher.update(data);
    const tail = cipher.final();
    const mac = createHmac("sha256", key.signing).update(header).update(body).update(tail).digest();

    const token = Buffer.concat([header, body, tail, mac]).toString("base64url");
    // Padded, as the reference implementations emit (and as the `generate` vectors expect).
    return token + "=".repeat((4 - (token.length % 4)) % 4);
  }

  /**
   * Returns the plaintext as UTF-8 text.
   * @see FernetKeyring.decryptToBuffer
   */
  decrypt(token: string, options: FernetDecryptOptions = {}): string {
    const plaintext = this.decryptToBuffer(token, options);
    try {
      return UTF8.decode(plaintext);
    } catch {
      // Authentic, but not text: refuse it the same way as any other unusable token.
      throw new InvalidFernetTokenError();
    }
  }

  /**
   * Verifies and decrypts a token with each key in turn. The HMAC is checked in constant time
   * before anything is decrypted, so padding errors can never act as an oracle.
   * `ttlSeconds` rejects tokens older than that; tokens more than 60 s in the future are
   * always rejected (clock skew).
   * @see https://github.com/fernet/spec/blob/master/Spec.md#verifying
   */
  decryptToBuffer(token: string, options: FernetDecryptOptions = {}): Buffer {
    const { ttlSeconds } = options;
    if (ttlSeconds !== undefined && !(Number.isFinite(ttlSeconds) && ttlSeconds >= 0)) {
      throw new RangeError("ttlSeconds must be a non-negative finite number");
    }
    const now = toSeconds(options.now, "now");

    const bytes = decodeToken(token);
    if (
      bytes === undefined ||
      bytes.length < MIN_TOKEN_LENGTH ||
      (bytes.length - HEADER_LENGTH - HMAC_LENGTH) % BLOCK_LENGTH !== 0 ||
      bytes[0] !== VERSION
    ) {
      throw new InvalidFernetTokenError();
    }

    // Views into `bytes`, not copies.
    const signed = bytes.subarray(0, bytes.length - HMAC_LENGTH);
    const mac = bytes.subarray(bytes.length - HMAC_LENGTH);
    const key = this.#keys.find((candidate) =>
      timingSafeEqual(createHmac("sha256", candidate.signing).update(signed).digest(), mac),
    );
    if (key === undefined) {
      throw new InvalidFernetTokenError();
    }

    // Checked only once the timestamp is known to be authentic.
    const timestamp = bytes.readUInt32BE(1) * 2 ** 32 + bytes.readUInt32BE(5);
    if (ttlSeconds !== undefined && timestamp + ttlSeconds < now) {
      throw new InvalidFernetTokenError();
    }
    if (timestamp > now + MAX_CLOCK_SKEW_SECONDS) {
      throw new InvalidFernetTokenError();
    }

    const iv = bytes.subarray(VERSION_LENGTH + TIMESTAMP_LENGTH, HEADER_LENGTH);
    const ciphertext = bytes.subarray(HEADER_LENGTH, bytes.length - HMAC_LENGTH);
    try {
      const decipher = createDecipheriv("aes-128-cbc", key.encryption, iv);
      const head = decipher.update(ciphertext);
      const tail = decipher.final(); // throws on bad PKCS#7 padding
      return tail.length === 0 ? head : Buffer.concat([head, tail]);
    } catch {
      // No `cause`: OpenSSL's message would say which check failed.
      throw new InvalidFernetTokenError();
    }
  }

  /** Keeps key material out of logs even if the ring itself is logged. */
  [inspect.custom](): string {
    return `FernetKeyring { size: ${this.size} }`;
  }

  toJSON(): { size: number } {
    return { size: this.size };
  }
}

/** Strict URL-safe base64 (padding optional); `undefined` for anything else. */
function decodeToken(token: unknown): Buffer | undefined {
  if (typeof token !== "string" || !URL_SAFE_BASE64.test(token)) {
    return undefined;
  }
  const padded = token.endsWith("=");
  const unpadded = padded ? token.length - (token.endsWith("==") ? 2 : 1) : token.length;
  // Padding, when present, must complete the last quantum; 4n+1 characters can never be base64.
  if ((padded && token.length % 4 !== 0) || unpadded % 4 === 1) {
    return undefined;
  }
  return Buffer.from(token, "base64url");
}

function toBytes(plaintext: string | Uint8Array): Uint8Array {
  if (typeof plaintext === "string") {
    return Buffer.from(plaintext, "utf8");
  }
  if (plaintext instanceof Uint8Array) {
    return plaintext;
  }
  throw new TypeError("plaintext must be a string or a Uint8Array");
}

/** Whole seconds since the epoch, from a Date, a number of seconds, or the clock. */
function toSeconds(value: Date | number | undefined, name: string): number {
  const seconds =
    value === undefined ? Date.now() / 1000 : value instanceof Date ? value.getTime() / 1000 : value;
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError(`${name} must be a valid Date or a non-negative number of seconds`);
  }
  const whole = Math.floor(seconds);
  if (!Number.isSafeInteger(whole)) {
    throw new RangeError(`${name} is out of range`);
  }
  return whole;
}
