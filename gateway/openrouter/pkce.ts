/**
 * Proof Key for Code Exchange (S256) and the OAuth `state` for the OpenRouter sign-in.
 *
 * The verifier and state are secrets held in the (Fernet-encrypted) session only; the
 * challenge is what travels to OpenRouter in the authorization URL.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7636
 */
import { createHash, randomBytes } from "node:crypto";

/** 32 bytes give a 43-character verifier, the RFC's recommended length and its minimum. */
const RANDOM_BYTES = 32;

/** `unreserved` characters, 43 to 128 of them. @see https://www.rfc-editor.org/rfc/rfc7636#section-4.1 */
const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/**
 * 32 random bytes, base64url without padding (43 chars).
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.1
 */
export function createCodeVerifier(): string {
  return randomBytes(RANDOM_BYTES).toString("base64url");
}

/**
 * BASE64URL(SHA256(ASCII(verifier))). Throws a TypeError (without echoing the verifier, which is
 * a secret) when the input is not a well-formed verifier: hashing anything else would produce a
 * challenge the authorization server can never match.
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.2
 */
export function codeChallengeS256(verifier: string): string {
  if (!isCodeVerifier(verifier)) {
    throw new TypeError("verifier must be 43–128 characters of [A-Za-z0-9-._~] (RFC 7636 §4.1)");
  }
  // The alphabet above is pure ASCII, so its UTF-8 bytes are exactly ASCII(verifier).
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

/**
 * A one-time state: 32 random bytes, base64url (256 bits; the contract asks for at least 128).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.12
 */
export function createState(): string {
  return randomBytes(RANDOM_BYTES).toString("base64url");
}

/**
 * Whether a string has the form of a verifier per RFC 7636 §4.1 (43–128 chars of [A-Za-z0-9-._~]).
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.1
 */
export function isCodeVerifier(value: string): boolean {
  return typeof value === "string" && CODE_VERIFIER.test(value);
}
