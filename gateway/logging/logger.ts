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
 * Access-log lines are gathered up to about this many characters before they are written: a busy
 * gateway writes about 150 bytes per request, and a write per line (a system call, and a round
 * through libuv's thread pool) cost more than building the line itself.
 */
const WRITE_AT_CHARS = 8_192;
/** Lines wait at most this long when traffic is too light to fill a batch. */
const FLUSH_EVERY_MS = 250;

/**
 * @param destination where lines go; by default stdout, where the access log's lines (see
 *   `accessLogOf`) are written asynchronously and in batches of WRITE_AT_BYTES, at least every
 *   FLUSH_EVERY_MS (pino flushes what is left when the process exits), and every other line at once.
 */
export function createLogger(level: string, destination: DestinationStream = standardOutput()): Logger {
  return pino(
    {
      level,
      base: { service: "openrouter-auth" },
      redact: { paths: REDACTED_PATHS, censor: CENSOR },
      timestamp: isoTimeField,
    },
    destination,
  );
}

/** The second `isoTimeAt` last formatted, and its field up to the milliseconds. */
let formattedSecond = Number.NaN;
let secondPrefix = "";

/**
 * pino's `isoTime` field (`,"time":"2026-12-07T15:11:23.042Z"`), the same text, but the date and
 * time up to the second formatted once a second rather than by a `Date` and `toISOString()` for
 * every line: 0.56 against 0.07 µs a line in a loop, on every request's access-log line.
 */
export function isoTimeAt(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (second !== formattedSecond) {
    formattedSecond = second;
    // "2026-12-07T15:11:23." of "2026-12-07T15:11:23.000Z".
    secondPrefix = `,"time":"${new Date(second * 1000).toISOString().slice(0, -4)}`;
  }
  const ms = epochMs - second * 1000;
  return `${secondPrefix}${ms < 10 ? "00" : ms < 100 ? "0" : ""}${ms}Z"`;
}

function isoTimeField(): string {
  return isoTimeAt(Date.now());
}

/** pino sets `lastLogger` and the like on a destination carrying this symbol, before each write. */
const WANTS_METADATA: unique symbol = Symbol.for("pino.metadata") as never;

/** The loggers whose lines may wait in a batch: the access log's, made by `accessLogOf`. */
const batchedLoggers = new WeakSet<Logger>();

/**
 * The logger for the access log, a line per request: its lines skip the redaction pass (they are
 * built from fields that hold no secret, the path redacted as text) and, on stdout, are batched.
 */
export function accessLogOf(logger: Logger): Logger {
  const accessLog = logger.child({}, { redact: { paths: [] } });
  batchedLoggers.add(accessLog);
  return accessLog;
}

/**
 * stdout, split by what a line is worth when the process dies right after it: a start-up line, a
 * configuration warning or an error that explains a crash is written before `write` returns; the
 * access log, by far the most lines, is batched. pino tells which logger wrote each line
 * (`lastLogger`, set on streams that ask for metadata, as pino's own multistream does).
 *
 * The batch is an array of lines joined once when it is written, not sonic-boom's own `minLength`
 * buffer: that one is a string grown line by line whose byte length sonic-boom measures on every
 * write, which flattens the whole batch each time (about 3 µs and a batch-sized string of garbage
 * per line, 15 % of a REST status read's CPU with the rest of the line: docs/performance.md).
 */
class StandardOutput implements DestinationStream {
  readonly [WANTS_METADATA] = true;
  lastLogger: Logger | undefined = undefined;
  readonly #batched = pino.destination({ dest: 1, sync: false });
  readonly #atOnce = pino.destination({ dest: 1, sync: true });
  #lines: string[] = [];
  #chars = 0;
  #flushTimer: NodeJS.Timeout | undefined;

  write(line: string): void {
    if (this.lastLogger === undefined || !batchedLoggers.has(this.lastLogger)) return void this.#atOnce.write(line);
    this.#lines.push(line);
    this.#chars += line.length;
    if (this.#chars >= WRITE_AT_CHARS) this.#release();
    else if (this.#flushTimer === undefined) {
      // The first line of a batch: it waits at most FLUSH_EVERY_MS. A pending batch never keeps the process alive.
      this.#flushTimer = setTimeout(() => this.#release(), FLUSH_EVERY_MS).unref();
      holdUntilExit(this);
    }
  }

  /** `logger.flush()`: the batch written out. */
  flush(callback: (error?: Error) => void): void {
    this.#release();
    this.#batched.flush(callback);
  }

  /** What pino calls after a `fatal` line, and the process on exit, so that the access lines before it are not lost either. */
  flushSync(): void {
    this.#release();
    this.#batched.flushSync();
  }

  /** Hands the batch to stdout's asynchronous writer, as one string. */
  #release(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    awaitingExit.delete(this);
    if (this.#lines.length === 0) return;
    const batch = this.#lines.join("");
    this.#lines = [];
    this.#chars = 0;
    this.#batched.write(batch);
  }
}

/** The outputs holding lines not yet written, for the process's exit (pino's own exit hook knows only its destinations). */
const awaitingExit = new Set<StandardOutput>();
let exitHooked = false;

function holdUntilExit(output: StandardOutput): void {
  awaitingExit.add(output);
  if (exitHooked) return;
  exitHooked = true;
  process.on("exit", () => {
    for (const pending of awaitingExit) pending.flushSync();
  });
}

function standardOutput(): DestinationStream {
  return new StandardOutput();
}
