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
 * @param destination where lines go; by default stdout, written asynchronously: a busy gateway
 *   then hands the kernel many lines per write instead of blocking on one write per line, and
 *   pino flushes what is left when the process exits.
 */
export function createLogger(level: string, destination: DestinationStream = pino.destination({ dest: 1, sync: false })): Logger {
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
