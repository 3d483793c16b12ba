/** One load scenario over loopback with autocannon: a discarded warm-up, then the measured run. */
import autocannon from "autocannon";

export interface LoadOptions {
  readonly url: string;
  readonly method?: "GET" | "POST";
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly connections: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Send exactly this many requests instead of running for `seconds`. */
  readonly amount?: number;
  /**
   * Cookies to send in turn, one per request (`name=value` pairs): many users rather than one.
   * Every scenario given cookies builds each request anew, so all of them pay the same set-up.
   */
  readonly cookies?: readonly string[];
}

export interface LoadResult {
  /** 2xx answers per second over the measured run. */
  readonly rps: number;
  /**
   * Latency percentiles in ms, to the microsecond: read from every answer's own time, since
   * autocannon's histogram keeps whole milliseconds, where a step of one decides a p99 of 4-6 ms.
   */
  readonly p50: number;
  readonly p99: number;
  /** Requests sent in the measured run, including the few still in flight when it ended. */
  readonly sent: number;
  readonly ok: number;
  /** Non-2xx answers plus connection errors and timeouts: anything but 0 spoils the figure. */
  readonly failed: number;
}

/**
 * One request per call whose cookie is the next of `cookies`, for every connection in turn: the
 * rotation is shared, so consecutive requests name different sessions whichever connection sends them.
 */
function rotatingCookies(headers: Record<string, string>, cookies: readonly string[]): autocannon.Request[] {
  let next = 0;
  return [
    {
      setupRequest(request) {
        request.headers = { ...headers, cookie: cookies[next]! };
        next = (next + 1) % cookies.length;
        return request;
      },
    },
  ];
}

function run(options: LoadOptions, seconds: number, latencies?: number[]): Promise<autocannon.Result> {
  const headers = options.headers ?? {};
  let settle!: (error: Error | null, result: autocannon.Result) => void;
  const done = new Promise<autocannon.Result>((resolve, reject) => (settle = (error, result) => (error ? reject(error) : resolve(result))));
  const instance = autocannon({
    url: options.url,
    method: options.method ?? "GET",
    headers,
    ...(options.body === undefined ? {} : { body: options.body }),
    ...(options.cookies === undefined ? {} : { requests: rotatingCookies(headers, options.cookies) }),
    connections: options.connections,
    pipelining: 1,
    ...(options.amount === undefined ? { duration: seconds } : { amount: options.amount }),
    timeout: 10,
  }, (error, result) => settle(error, result));
  // Each answer's time from its request's start, in ms with hrtime's precision.
  if (latencies !== undefined) instance.on("response", (_client: unknown, _status: number, _bytes: number, ms: number) => void latencies.push(ms));
  return done;
}

/** The `p`th percentile of `values` (sorted here), nearest-rank. */
function percentileOf(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

export async function warmUp(options: LoadOptions): Promise<void> {
  if (options.warmupSeconds > 0) await run(options, options.warmupSeconds);
}

/** The measured run alone (call warmUp first). */
export async function measure(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const result = await run(options, options.seconds, latencies);
  const sorted = Float64Array.from(latencies).sort();
  return {
    rps: result["2xx"] / result.duration,
    p50: percentileOf(sorted, 50),
    p99: percentileOf(sorted, 99),
    sent: result.requests.sent,
    ok: result["2xx"],
    failed: result.non2xx + result.errors,
  };
}
