import assert from "node:assert/strict";
import { createCipheriv, createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { inspect } from "node:util";

import {
  FernetKeyring,
  InvalidFernetKeyError,
  InvalidFernetTokenError,
} from "../../gateway/crypto/fernet.js";

interface GenerateVector {
  token: string;
  now: string;
  iv: number[];
  src: string;
  secret: string;
}
interface VerifyVector {
  token: string;
  now: string;
  ttl_sec: number;
  src: string;
  secret: string;
}
interface InvalidVector {
  desc: string;
  token: string;
  now: string;
  ttl_sec: number;
  secret: string;
}

/** The public vectors of https://github.com/fernet/spec, copied into `test/fixtures/fernet/`. */
function vectors<T>(name: string): T[] {
  return JSON.parse(
    readFileSync(new URL(`../fixtures/fernet/${name}.json`, import.meta.url), "utf8"),
  ) as T[];
}

const KEY_A = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
const KEY_B = FernetKeyring.generateKey();
const NOW = 500_000_000; // seconds; 1985-11-05

const isInvalidToken = (error: unknown): boolean =>
  error instanceof InvalidFernetTokenError && error.message === "invalid Fernet token";

/** Builds a token by hand, correctly signed, so checks after the HMAC can be reached. */
function forgeSignedToken(
  secret: string,
  { version = 0x80, timestamp = NOW, ciphertext }: { version?: number; timestamp?: number; ciphertext?: Buffer },
): string {
  const key = Buffer.from(secret, "base64url");
  const iv = Buffer.alloc(16, 7);
  const cipher = createCipheriv("aes-128-cbc", key.subarray(16), iv);
  const body = ciphertext ?? Buffer.concat([cipher.update("hi"), cipher.final()]);
  const header = Buffer.alloc(25);
  header[0] = version;
  header.writeBigUInt64BE(BigInt(timestamp), 1);
  iv.copy(header, 9);
  const signed = Buffer.concat([header, body]);
  const mac = createHmac("sha256", key.subarray(0, 16)).update(signed).digest();
  return Buffer.concat([signed, mac]).toString("base64url");
}

describe("FernetKeyring", () => {
  describe("against the fernet/spec conformance vectors", () => {
    for (const vector of vectors<GenerateVector>("generate")) {
      it(`encrypts "${vector.src}" at ${vector.now} with the given IV to exactly the vector's token`, () => {
        const ring = FernetKeyring.fromString(vector.secret);
        const token = ring.encrypt(vector.src, { now: new Date(vector.now), iv: Uint8Array.from(vector.iv) });
        assert.equal(token, vector.token);
      });
    }

    for (const vector of vectors<VerifyVector>("verify")) {
      it(`decrypts the verify vector to "${vector.src}" at ${vector.now} with a TTL of ${vector.ttl_sec} s`, () => {
        const ring = FernetKeyring.fromString(vector.secret);
        const options = { now: new Date(vector.now), ttlSeconds: vector.ttl_sec };
        assert.equal(ring.decrypt(vector.token, options), vector.src);
        assert.deepEqual(ring.decryptToBuffer(vector.token, options), Buffer.from(vector.src));
      });
    }

    for (const vector of vectors<InvalidVector>("invalid")) {
      it(`rejects the invalid vector "${vector.desc}" with InvalidFernetTokenError`, () => {
        const ring = FernetKeyring.fromString(vector.secret);
        const options = { now: new Date(vector.now), ttlSeconds: vector.ttl_sec };
        assert.throws(() => ring.decrypt(vector.token, options), isInvalidToken);
        assert.throws(() => ring.decryptToBuffer(vector.token, options), isInvalidToken);
      });
    }
  });

  describe("encrypt and decrypt", () => {
    it("round-trips unicode text, including a leading byte-order mark", () => {
      const ring = FernetKeyring.fromString(KEY_A);
      const text = "\uFEFFclé d’API — 鍵 🔑 sk-or-v1-0123";
      assert.equal(ring.decrypt(ring.encrypt(text)), text);
    });

    it("round-trips bytes through decryptToBuffer, including the empty plaintext", () => {
      const ring = FernetKeyring.fromString(KEY_A);
      for (const bytes of [new Uint8Array(0), Uint8Array.from([0, 255, 16, 128]), new Uint8Array(16).fill(16)]) {
        assert.deepEqual(ring.decryptToBuffer(ring.encrypt(bytes)), Buffer.from(bytes));
      }
    });

    it("rejects, in decrypt, an authentic token whose plaintext is not UTF-8, which decryptToBuffer still returns", () => {
      const ring = FernetKeyring.fromString(KEY_A);
      const token = ring.encrypt(Uint8Array.from([0xc3, 0x28]));
      assert.throws(() => ring.decrypt(token), isInvalidToken);
      assert.deepEqual(ring.decryptToBuffer(token), Buffer.from([0xc3, 0x28]));
    });

    it("gives two different tokens for the same plaintext, because each has a fresh IV", () => {
      const ring = FernetKeyring.fromString(KEY_A);
      assert.notEqual(ring.encrypt("same"), ring.encrypt("same"));
    });

    it("emits padded URL-safe base64 and accepts the same token without its padding", () => {
      const ring = FernetKeyring.fromString(KEY_A);
      const token = ring.encrypt("hello");
      assert.match(token, /^[A-Za-z0-9_-]+={0,2}$/);
      assert.equal(token.length % 4, 0);
      assert.equal(ring.decrypt(token.replace(/=+$/, "")), "hello");
    });

    it("refuses a fixed IV that is not 16 bytes", () => {
      const ring = FernetKeyring.fromString(KEY_A);
      assert.throws(() => ring.encrypt("x", { iv: new Uint8Array(15) }), RangeError);
    });
  });

  describe("time checks", () => {
    const ring = FernetKeyring.fromString(KEY_A);
    const token = ring.encrypt("hello", { now: NOW });

    it("accepts a token exactly ttlSeconds old and rejects it one second later", () => {
      assert.equal(ring.decrypt(token, { now: NOW + 60, ttlSeconds: 60 }), "hello");
      assert.throws(() => ring.decrypt(token, { now: NOW + 61, ttlSeconds: 60 }), isInvalidToken);
    });

    it("accepts an old token when no ttlSeconds is given", () => {
      assert.equal(ring.decrypt(token, { now: NOW + 10 * 365 * 86400 }), "hello");
    });

    it("accepts up to 60 s of clock skew and rejects tokens further in the future, with or without a TTL", () => {
      assert.equal(ring.decrypt(token, { now: NOW - 60 }), "hello");
      assert.throws(() => ring.decrypt(token, { now: NOW - 61 }), isInvalidToken);
      assert.throws(() => ring.decrypt(token, { now: NOW - 61, ttlSeconds: 3600 }), isInvalidToken);
    });

    it("takes now as a Date as well as a number of seconds", () => {
      assert.equal(ring.decrypt(token, { now: new Date((NOW + 30) * 1000), ttlSeconds: 60 }), "hello");
    });

    it("refuses a negative or non-finite ttlSeconds as a programming error", () => {
      assert.throws(() => ring.decrypt(token, { now: NOW, ttlSeconds: -1 }), RangeError);
      assert.throws(() => ring.decrypt(token, { now: NOW, ttlSeconds: Number.NaN }), RangeError);
    });
  });

  describe("rejection of bad tokens", () => {
    const ring = FernetKeyring.fromString(KEY_A);

    it("rejects a token tampered at any single byte", () => {
      const bytes = Buffer.from(ring.encrypt("a secret worth tampering with", { now: NOW }), "base64url");
      for (let index = 0; index < bytes.length; index++) {
        const tampered = Buffer.from(bytes);
        tampered[index] ^= 0x01;
        assert.throws(
          () => ring.decrypt(tampered.toString("base64url"), { now: NOW }),
          isInvalidToken,
          `byte ${index} was tampered with, yet the token was accepted`,
        );
      }
    });

    it("rejects a token made with a different key", () => {
      const other = FernetKeyring.fromString(KEY_B);
      assert.throws(() => ring.decrypt(other.encrypt("hello")), isInvalidToken);
    });

    it("rejects a correctly signed token whose version byte is not 0x80", () => {
      assert.equal(ring.decrypt(forgeSignedToken(KEY_A, {}), { now: NOW }), "hi");
      assert.throws(() => ring.decrypt(forgeSignedToken(KEY_A, { version: 0x81 }), { now: NOW }), isInvalidToken);
    });

    it("rejects a correctly signed token whose ciphertext is not a whole number of blocks", () => {
      const token = forgeSignedToken(KEY_A, { ciphertext: Buffer.alloc(24) });
      assert.throws(() => ring.decrypt(token, { now: NOW }), isInvalidToken);
    });

    it("rejects a correctly signed token whose PKCS#7 padding is wrong", () => {
      const key = Buffer.from(KEY_A, "base64url").subarray(16);
      const cipher = createCipheriv("aes-128-cbc", key, Buffer.alloc(16, 7)).setAutoPadding(false);
      const badPadding = Buffer.concat([cipher.update(Buffer.alloc(16, 0x11)), cipher.final()]);
      assert.throws(() => ring.decrypt(forgeSignedToken(KEY_A, { ciphertext: badPadding }), { now: NOW }), isInvalidToken);
    });

    it("rejects tokens with characters outside the URL-safe base64 alphabet", () => {
      const token = ring.encrypt("hello", { now: NOW });
      // The same bytes in the standard alphabet: Node's decoder would quietly accept it.
      let standard = "";
      while (!/[+/]/.test(standard)) {
        standard = Buffer.from(ring.encrypt("hello", { now: NOW }), "base64url").toString("base64");
      }
      assert.equal(ring.decrypt(standard.replace(/\+/g, "-").replace(/\//g, "_"), { now: NOW }), "hello");
      for (const bad of [
        ` ${token}`,
        `${token}\n`,
        standard,
        `${token.slice(0, 10)}.${token.slice(10)}`,
        `${token.slice(0, 10)}%${token.slice(10)}`,
        `${token}=`,
      ]) {
        assert.throws(() => ring.decrypt(bad, { now: NOW }), isInvalidToken, JSON.stringify(bad));
      }
    });

    it("rejects empty, short and non-string tokens", () => {
      for (const bad of ["", "gA", "gAAAAA==", 42, null, undefined]) {
        assert.throws(() => ring.decrypt(bad as string, { now: NOW }), isInvalidToken, String(bad));
      }
    });

    it("says the same thing for every kind of failure, so errors are no oracle", () => {
      const messages = new Set<string>();
      for (const vector of vectors<InvalidVector>("invalid")) {
        try {
          FernetKeyring.fromString(vector.secret).decrypt(vector.token, { now: new Date(vector.now), ttlSeconds: vector.ttl_sec });
        } catch (error) {
          assert.ok(error instanceof InvalidFernetTokenError);
          assert.equal(error.cause, undefined);
          messages.add(error.message);
        }
      }
      assert.deepEqual([...messages], ["invalid Fernet token"]);
    });
  });

  describe("key rotation", () => {
    it("still decrypts a token made under key A with the ring \"B,A\"", () => {
      const token = FernetKeyring.fromString(KEY_A).encrypt("rotated");
      assert.equal(FernetKeyring.fromString(`${KEY_B},${KEY_A}`).decrypt(token), "rotated");
    });

    it("encrypts with the first key, so tokens made by \"B,A\" do not decrypt with \"A\" alone", () => {
      const token = FernetKeyring.fromString(`${KEY_B},${KEY_A}`).encrypt("rotated");
      assert.throws(() => FernetKeyring.fromString(KEY_A).decrypt(token), isInvalidToken);
      assert.equal(FernetKeyring.fromString(KEY_B).decrypt(token), "rotated");
    });

    it("counts its keys and ignores whitespace around entries", () => {
      assert.equal(FernetKeyring.fromString(KEY_A).size, 1);
      assert.equal(FernetKeyring.fromString(` ${KEY_B} ,\n${KEY_A}\t`).size, 2);
    });
  });

  describe("key parsing", () => {
    it("accepts a key with or without its padding", () => {
      const token = FernetKeyring.fromString(KEY_A).encrypt("x");
      assert.equal(FernetKeyring.fromString(KEY_A.replace(/=$/, "")).decrypt(token), "x");
    });

    it("throws InvalidFernetKeyError for an empty list", () => {
      for (const empty of ["", "   ", "\n"]) {
        assert.throws(() => FernetKeyring.fromString(empty), InvalidFernetKeyError);
      }
    });

    it("names the position of a bad entry and never echoes the key", () => {
      const cases: Array<[string, RegExp]> = [
        [`${KEY_A},${KEY_A.slice(0, 40)}`, /^key #2 is not 32 bytes of URL-safe base64$/],
        [`${KEY_A.replace(/-/g, "+")}`, /^key #1 is not 32 bytes of URL-safe base64$/],
        [`${KEY_A}AAAA`, /^key #1 is not 32 bytes of URL-safe base64$/],
        [`${KEY_B},${KEY_A},${KEY_A}%`, /^key #3 is not 32 bytes of URL-safe base64$/],
        [`${KEY_A},`, /^key #2 is empty$/],
      ];
      for (const [input, expected] of cases) {
        assert.throws(
          () => FernetKeyring.fromString(input),
          (error: unknown) => {
            assert.ok(error instanceof InvalidFernetKeyError);
            assert.match(error.message, expected);
            for (const key of [KEY_A, KEY_B]) {
              assert.ok(!error.message.includes(key.slice(0, 8)), "the message echoes key material");
              assert.ok(!String(error.stack).includes(key.slice(0, 8)), "the stack echoes key material");
            }
            return true;
          },
        );
      }
    });

    it("generates keys as 44 characters of padded URL-safe base64 that load and differ", () => {
      const first = FernetKeyring.generateKey();
      assert.match(first, /^[A-Za-z0-9_-]{43}=$/);
      assert.equal(Buffer.from(first, "base64url").length, 32);
      assert.notEqual(first, FernetKeyring.generateKey());
      assert.equal(FernetKeyring.fromString(first).size, 1);
    });

    it("shows only its size when logged, never key material", () => {
      const ring = FernetKeyring.fromString(`${KEY_A},${KEY_B}`);
      for (const shown of [inspect(ring, { showHidden: true, depth: 10 }), JSON.stringify(ring), String(ring)]) {
        assert.ok(!shown.includes(KEY_A.slice(0, 8)) && !shown.includes(KEY_B.slice(0, 8)), shown);
      }
      assert.equal(inspect(ring), "FernetKeyring { size: 2 }");
    });
  });
});
