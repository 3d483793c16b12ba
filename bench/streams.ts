/**
 * Streamed chat completions for the bench: (g) through the gateway's proxy and (h) straight to
 * the stand-in, with the time to the first byte of each answer's body and the server-sent events
 * that arrived. A plain node:http client, so that both paths are read by the same code.
 */
import { request, Agent } from "node:http";

export interface StreamTarget {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  /**
   * Cookies to send in turn, one per stream (`name=value` pairs): many accounts rather than one,
   * so that nothing remembered of an account (its id, its budget's tally) serves every stream.
   */
  readonly cookies?: readonly string[];
}

/** The next stream's headers: the target's, with the next of its cookies when it rotates them. */
function headersOf(target: StreamTarget, rotation: { next: number }): Record<string, string> {
  const cookies = target.cookies;
  if (cookies === undefined || cookies.length === 0) return target.headers;
  const cookie = cookies[rotation.next]!;
  rotation.next = (rotation.next + 1) % cookies.length;
  return { ...target.headers, cookie };
}

export interface StreamRun {
  /** Milliseconds from sending the request to the first byte of the answer's body, sorted. */
  readonly firstByteMs: readonly number[];
  readonly streams: number;
  /** `data:` events received, over all streams. */
  readonly events: number;
  /** Streams that did not answer 200 and end with `data: [DONE]`. */
  readonly failed: number;
  /** Why the first of them failed. */
  readonly failure?: string | undefined;
}

/**
 * Connections for one load: no bound on sockets, so every concurrent stream has its own
 * connection, as separate users would. Each load gets its own and closes them at its end: a
 * connection left idle through the other targets' turns would be closed by its server (Node's
 * 5 s keep-alive timeout) just as the next turn sends on it, and fail with ECONNRESET.
 */
const newAgent = () => new Agent({ keepAlive: true, maxSockets: Infinity });
/** One stream may not take longer than this; the bench's streams last seconds at most. */
const STREAM_TIMEOUT_MS = 60_000;

/** Sends one streamed completion and reads it to the end. */
export function streamOnce(target: StreamTarget, agent: Agent, headers = target.headers): Promise<{ firstByteMs: number; events: number; ok: boolean; failure?: string }> {
  return new Promise((resolve) => {
    const started = performance.now();
    let firstByteMs = Number.NaN;
    let text = "";
    const req = request(target.url, { method: "POST", agent, headers: { ...headers, "content-length": Buffer.byteLength(target.body) }, timeout: STREAM_TIMEOUT_MS }, (res) => {
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        if (text === "") firstByteMs = performance.now() - started;
        text += chunk;
      });
      res.on("end", () => {
        const ok = res.statusCode === 200 && text.endsWith("data: [DONE]\n\n");
        resolve({ firstByteMs, events: text.split("data: ").length - 1, ok, ...(ok ? {} : { failure: `HTTP ${res.statusCode}: ${text.slice(-200)}` }) });
      });
      res.on("error", (error) => resolve({ firstByteMs, events: 0, ok: false, failure: error.message }));
    });
    req.on("timeout", () => req.destroy(new Error("stream timed out")));
    req.on("error", (error) => resolve({ firstByteMs, events: 0, ok: false, failure: error.message }));
    req.end(target.body);
  });
}

/**
 * `concurrency` streams at a time, one after another on each, for `seconds`. With `rampMs` (about
 * one stream's length), the workers start evenly spread over it, so that streams begin and end
 * at a steady rate, as independent users' do, instead of all together at every turn's start.
 */
export async function streamLoad(target: StreamTarget, concurrency: number, seconds: number, rampMs = 0): Promise<StreamRun> {
  const firstByteMs: number[] = [];
  let events = 0;
  let failed = 0;
  let failure: string | undefined;
  const end = performance.now() + seconds * 1000;
  const agent = newAgent();
  const rotation = { next: 0 };
  const worker = async (index: number) => {
    const delayMs = (index * rampMs) / concurrency;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    while (performance.now() < end) {
      const result = await streamOnce(target, agent, headersOf(target, rotation));
      if (!result.ok) {
        failed++;
        failure ??= result.failure;
      } else firstByteMs.push(result.firstByteMs);
      events += result.events;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, index) => worker(index)));
  agent.destroy();
  firstByteMs.sort((x, y) => x - y);
  return { firstByteMs, streams: firstByteMs.length + failed, events, failed, failure };
}

/**
 * `count` streams open at once, opened `perStep` at a time every `stepMs` (as users arrive, not
 * all in one instant: a thundering herd of connects tests the listen backlog, not the gateway);
 * resolves when all have ended, with how many failed and the first failure's reason.
 */
export async function openStreams(target: StreamTarget, count: number, perStep = 50, stepMs = 50): Promise<{ failed: number; events: number; failure?: string }> {
  const pending: ReturnType<typeof streamOnce>[] = [];
  const agent = newAgent();
  const rotation = { next: 0 };
  for (let opened = 0; opened < count; opened += perStep) {
    for (let i = opened; i < Math.min(count, opened + perStep); i++) pending.push(streamOnce(target, agent, headersOf(target, rotation)));
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
  const results = await Promise.all(pending);
  agent.destroy();
  const failures = results.filter((result) => !result.ok);
  return {
    failed: failures.length,
    events: results.reduce((sum, result) => sum + result.events, 0),
    ...(failures[0]?.failure === undefined ? {} : { failure: failures[0].failure }),
  };
}

/** The p-th percentile of sorted values (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}
