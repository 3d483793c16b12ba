/**
 * The sessions of the many-users shape: `count` sign-ins, `concurrency` at a time, each through
 * the server's own sign-in route, keeping the cookie each one got. Timed like a load scenario, so
 * that the gateway's sign-ins are scenario (c) at the same time.
 */
import type { LoadResult } from "./load.js";

export interface SignedInSessions {
  /** `name=value` cookie pairs, one per session. */
  readonly cookies: readonly string[];
  readonly result: LoadResult;
}

export async function signInMany(count: number, concurrency: number, signIn: () => Promise<string>): Promise<SignedInSessions> {
  const cookies: string[] = [];
  const latencies: number[] = [];
  let started = 0;
  const worker = async () => {
    while (started < count) {
      started++;
      const at = performance.now();
      cookies.push(await signIn());
      latencies.push(performance.now() - at);
    }
  };
  const begin = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const seconds = (performance.now() - begin) / 1000;
  latencies.sort((x, y) => x - y);
  // Whole milliseconds, as autocannon reports the other scenarios.
  const percentile = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0);
  return {
    cookies,
    // signIn() throws on any failure, so every request counted here succeeded.
    result: { rps: count / seconds, p50: percentile(50), p99: percentile(99), sent: count, ok: count, failed: 0 },
  };
}
