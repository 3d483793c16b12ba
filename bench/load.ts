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
  /** Latency percentiles in ms (autocannon records whole milliseconds). */
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

function run(options: LoadOptions, seconds: number): Promise<autocannon.Result> {
  const headers = options.headers ?? {};
  return autocannon({
    url: options.url,
    method: options.method ?? "GET",
    headers,
    ...(options.body === undefined ? {} : { body: options.body }),
    ...(options.cookies === undefined ? {} : { requests: rotatingCookies(headers, options.cookies) }),
    connections: options.connections,
    pipelining: 1,
    ...(options.amount === undefined ? { duration: seconds } : { amount: options.amount }),
    timeout: 10,
  });
}

export async function warmUp(options: LoadOptions): Promise<void> {
  if (options.warmupSeconds > 0) await run(options, options.warmupSeconds);
}

/** The measured run alone (call warmUp first). */
export async function measure(options: LoadOptions): Promise<LoadResult> {
  const result = await run(options, options.seconds);
  return {
    rps: result["2xx"] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    sent: result.requests.sent,
    ok: result["2xx"],
    failed: result.non2xx + result.errors,
  };
}
