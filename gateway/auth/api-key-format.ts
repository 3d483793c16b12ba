import { ErrorCode, GatewayError } from "../errors.js";

/**
 * The form the server accepts (SPEC §2): any `sk-or-` token of 20 to 256 URL-safe characters,
 * prefix included. Today's keys are `sk-or-v1-` + 64 hex, but that is OpenRouter's to change, so
 * the server checks only what keeps junk and oversize input away and lets OpenRouter decide.
 */
const API_KEY = /^sk-or-[A-Za-z0-9_-]{14,250}$/;

/** Returns the key without surrounding white space (pasting often brings a newline). */
export function assertApiKey(value: unknown): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, "Enter an OpenRouter API key.");
  }
  const key = value.trim();
  if (key.length > 256) throw new GatewayError(ErrorCode.BAD_USER_INPUT, "That is too long to be an OpenRouter API key.");
  if (!API_KEY.test(key)) {
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, "OpenRouter API keys start with sk-or- and are 20 to 256 letters, digits, - or _.");
  }
  return key;
}
