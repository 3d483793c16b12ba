import { CENSOR } from "./redact.js";
import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

/**
 * Structured JSON logs. The gateway never logs bodies or query strings, and these paths are
 * censored anyway in case a future line carries them: a key, cookie, code or verifier must not
 * reach a log even by mistake.
 */
export const REDACTED_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'res.headers["set-cookie"]',
  "*.apiKey",
  "*.api_key",
  "*.key",
  "*.code",
  "*.code_verifier",
  "*.codeVerifier",
  "*.verifier",
  "*.state",
  "*.cookie",
  "*.authorization",
];

/**
 * Lines are gathered up to this many bytes before they are written: a busy gateway writes about
 * 150 bytes per request, and a write per line (a system call, and a round through libuv's thread
 * pool) cost more than building the line itself.
 */
const WRITE_AT_BYTES = 4096;
/** Lines wait at most this long when traffic is too light to fill WRITE_AT_BYTES. */
const FLUSH_EVERY_MS = 250;

/**
 * @param destination where lines go; by default stdout, written asynchronously and in batches of
 *   WRITE_AT_BYTES, at least every FLUSH_EVERY_MS; pino flushes what is left when the process exits.
 */
export function createLogger(level: string, destination: DestinationStream = standardOutput()): Logger {
  return pino(
    {
      level,
      base: { service: "openrouter-auth" },
      redact: { paths: REDACTED_PATHS, censor: CENSOR },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

function standardOutput(): DestinationStream {
  return pino.destination({ dest: 1, sync: false, minLength: WRITE_AT_BYTES, periodicFlush: FLUSH_EVERY_MS });
}
