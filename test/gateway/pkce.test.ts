import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  codeChallengeS256,
  createCodeVerifier,
  createState,
  isCodeVerifier,
} from "../../gateway/openrouter/pkce.js";

const UNRESERVED_43 = /^[A-Za-z0-9\-._~]{43}$/;

/** The 32 random octets of RFC 7636 Appendix B, and their base64url encoding (the verifier).
 * @see https://www.rfc-editor.org/rfc/rfc7636#appendix-B */
const RFC7636_APPENDIX_B_OCTETS = [
  116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240, 91,
  88, 5, 88, 83, 132, 141, 121,
];
const RFC7636_APPENDIX_B_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

describe("PKCE (RFC 7636)", () => {
  describe("codeChallengeS256", () => {
    it("matches RFC 7636 Appendix B: the example verifier gives the example S256 challenge", () => {
      assert.equal(Buffer.from(RFC7636_APPENDIX_B_OCTETS).toString("base64url"), RFC7636_APPENDIX_B_VERIFIER);
      assert.equal(codeChallengeS256(RFC7636_APPENDIX_B_VERIFIER), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    });

    it("gives a 43-character base64url challenge without padding", () => {
      assert.match(codeChallengeS256(createCodeVerifier()), /^[A-Za-z0-9_-]{43}$/);
    });

    it("refuses input that is not a verifier, without echoing it", () => {
      for (const bad of ["short", "x".repeat(129), `${"a".repeat(43)} `, `${"é".repeat(43)}`]) {
        assert.throws(
          () => codeChallengeS256(bad),
          (error: unknown) => error instanceof TypeError && !error.message.includes(bad),
        );
      }
    });
  });

  describe("createCodeVerifier", () => {
    it("makes verifiers of 43 characters of the unreserved alphabet", () => {
      for (let i = 0; i < 100; i++) {
        const verifier = createCodeVerifier();
        assert.match(verifier, UNRESERVED_43);
        assert.ok(isCodeVerifier(verifier));
      }
    });

    it("makes a different verifier on every call", () => {
      const verifiers = new Set(Array.from({ length: 1000 }, createCodeVerifier));
      assert.equal(verifiers.size, 1000);
    });
  });

  describe("createState", () => {
    it("makes states of at least 128 bits of randomness (32 bytes, base64url)", () => {
      const state = createState();
      assert.match(state, /^[A-Za-z0-9_-]+$/);
      assert.ok(Buffer.from(state, "base64url").length * 8 >= 128);
      assert.equal(Buffer.from(state, "base64url").length, 32);
    });

    it("makes a different state on every call", () => {
      const states = new Set(Array.from({ length: 1000 }, createState));
      assert.equal(states.size, 1000);
    });
  });

  describe("isCodeVerifier", () => {
    it("accepts 43 to 128 characters of [A-Za-z0-9-._~]", () => {
      assert.ok(isCodeVerifier("a".repeat(43)));
      assert.ok(isCodeVerifier("~._-".repeat(32)));
      assert.ok(isCodeVerifier(RFC7636_APPENDIX_B_VERIFIER));
    });

    it("rejects strings that are too short, too long or use other characters", () => {
      for (const bad of ["", "a".repeat(42), "a".repeat(129), `${"a".repeat(42)}=`, `${"a".repeat(42)}+`, `${"a".repeat(43)}\n`]) {
        assert.equal(isCodeVerifier(bad), false, JSON.stringify(bad));
      }
    });

    it("rejects values that are not strings", () => {
      assert.equal(isCodeVerifier(undefined as unknown as string), false);
      assert.equal(isCodeVerifier(42 as unknown as string), false);
    });
  });
});
