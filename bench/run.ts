/**
 * `npm run bench`: what the gateway costs on this machine against baselines measured in the same
 * run (issues 6, 15, 16, 25, 26 and 27): for one signed-in session and for 5,000 in rotation,
 * against the stock Express session stack; what its proxy adds to a streamed completion against
 * a bare proxy, at a stress pace and at a model's pace; what a spend budget and metrics cost; and
 * what one Redis can carry. Every goal is a ratio or a difference within the run. Prints a table
 * with every goal ticked or crossed, or one JSON object with `--json`; `--quick` for shorter
 * turns. `--profile` instead runs scenario (a) against a gateway started with `--cpu-prof` and
 * prints where its time goes (`--profile=b`, `=c`, `=g` for (b), (c), (g); `--profile=d` for
 * baseline (d); add `--many` for (a), (b) or (d) in the many-sessions shape, `--alloc` for what it
 * allocates per request instead of its time); `--streams` runs only the stream shapes, `--metrics` only the metrics off and on.
 *
 * Every server runs in a process of its own on 127.0.0.1: a private redis-server, the OpenRouter
 * stand-in, the gateway (configured from the environment as `npm start` would be, NODE_ENV=production,
 * request log at info to /dev/null), (d) stock Express + express-session + connect-redis, (e) raw
 * node:http, (f), which is (d) served with the gateway's server options, and (i), a bare proxy.
 * autocannon and a node:http client load them from this process.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { cpus, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { CALLBACK_PATH } from "../gateway/config.js";
import { FernetKeyring } from "../gateway/crypto/fernet.js";
import { packageRoot } from "../gateway/util/package-root.js";
import { PROXY_BUDGET_PATH } from "../gateway/rest/routes.js";
import { SESSION_KEY_PREFIX } from "../gateway/session/session-store.js";
import { startRedisServer } from "../test/support/redis-server.js";
import { LOOPBACK } from "./child.js";
import { compileForBench } from "./compile.js";
import { measure, warmUp, type LoadOptions, type LoadResult } from "./load.js";
import { startChild, type BenchChild } from "./processes.js";
import { signInMany } from "./sessions.js";
import { openStreams, percentile, streamLoad, type StreamRun, type StreamTarget } from "./streams.js";
import { formatAllocationSummary, formatProfileSummary, summariseAllocations, summariseProfile, type ProfileWindow } from "./profile-summary.js";
import { perRequest, redisBenchmark, RedisProbe } from "./redis-probe.js";
import { evaluate, formatMetricsReport, formatReport, formatStreamsReport, type Measurements, type Scenario, type StreamFigures, type StreamShape, type StreamShapeFigures } from "./report.js";

const args = new Set(process.argv.slice(2));
const asJson = args.has("--json");
/** `--quick`: shorter turns and fewer redis-benchmark requests, for a first look on a busy machine. */
const quick = args.has("--quick");
/** `--streams`: (g), (h) and (i) only, in the turns of the whole bench: a quick look at the proxy. */
const streamsOnly = args.has("--streams");
/** `--metrics`: (a) and (b) with metrics off and on, nothing else: a quick look at what metrics cost. */
const metricsOnly = args.has("--metrics");
const profileArg = [...args].find((arg) => arg === "--profile" || arg.startsWith("--profile="));
const profileTarget = profileArg === undefined ? undefined : profileArg === "--profile" ? "a" : profileArg.slice("--profile=".length);
const PROFILE_TARGETS = ["a", "b", "c", "d", "f", "g", "i", "j"] as const;
/** `--profile --many`: (a), (b), (d) or (f) profiled in the many-sessions shape (SETTINGS.sessions cookies in rotation). */
const profileMany = args.has("--many");
/**
 * `--profile --alloc`: what the server allocates per request instead of where its time goes. Bytes
 * allocated are the same from run to run whatever else the machine is doing, where CPU time on a
 * shared machine is not, and garbage is what the collector's share of the time is made of.
 */
const profileAllocations = args.has("--alloc") || args.has("--survivors");
/**
 * `--profile --survivors`: of what the server allocates, only what outlives a young-generation
 * collection (copied, then promoted to the old generation). The collector's cost grows with these
 * bytes, not with the garbage that dies young.
 */
const profileSurvivors = args.has("--survivors");
type ProfileTarget = (typeof PROFILE_TARGETS)[number];
if (profileTarget !== undefined && !(PROFILE_TARGETS as readonly string[]).includes(profileTarget)) throw new Error(`bench: --profile takes ${PROFILE_TARGETS.join(", ")} (got "${profileTarget}")`);

const SETTINGS = {
  connections: Number(process.env.BENCH_CONNECTIONS ?? 20),
  seconds: Number(process.env.BENCH_SECONDS ?? (quick ? 4 : 9)),
  /** (d), (a), (b) and (f) take this many turns each, sharing `seconds` between them. */
  turns: Number(process.env.BENCH_TURNS ?? (quick ? 2 : 3)),
  warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? (quick ? 1 : 2)),
  /**
   * Signed-in sessions of the many-users shape, on the gateway and on the stock stack alike. The
   * gateway's memos of decrypted records and verified cookies keep up to 8,192 each (for 30 s),
   * as issue 27 allows: this shape is what they cost in memory and what they save in CPU.
   */
  sessions: Number(process.env.BENCH_SESSIONS ?? 5_000),
  /** Concurrent sign-ins while (c) makes those sessions. */
  signInConcurrency: 20,
  /** Requests per redis-benchmark run. */
  redisBenchmarkRequests: quick ? 20_000 : 100_000,
  /**
   * (g), (h) and (i) in the stress shape: concurrent streamed completions, and how the stand-in
   * paces each (content chunks, ms between them). 2 ms is a stress pace, faster than models
   * stream: 20 streams at a time then keep both cores of a small machine busy. The model's-pace
   * shape is fixed (STREAM_SHAPES).
   */
  streamConcurrency: Number(process.env.BENCH_STREAM_CONCURRENCY ?? 20),
  streamPace: { chunks: 8, intervalMs: Number(process.env.BENCH_STREAM_INTERVAL_MS ?? 2) },
  /** Streams held open at once on one gateway, the stand-in sending one chunk a second for this many seconds. */
  openStreams: 1_000,
  openStreamSeconds: quick ? 5 : 10,
  /** Requests in the signed-out burst that only counts Redis commands. */
  signedOutRequests: 3_000,
};

/**
 * How many accounts the streams of each shape are spread over, each signed in once: as many as
 * the model's pace has streams at a time. Users stream at once from many accounts; one account
 * for every stream would let what the gateway remembers of an account (its id, its spend
 * budget's tally and the additions waiting to go with it) serve every stream.
 */
const STREAM_ACCOUNTS = 200;

/**
 * The shapes of stream load, each with a stand-in, a gateway and a bare proxy (i) of its own, in
 * turns of its own: the stress pace, where the gateway's CPU decides, and a model's pace (about
 * 50 tokens a second), where many streams are open at once and each waits most of its time.
 * `spendLimit`: (g) also through a gateway with PROXY_SPEND_LIMIT set (issue 25), same turns.
 */
const STREAM_SHAPES: readonly (StreamShape & { readonly spendLimit: boolean })[] = [
  { name: "stress pace", concurrency: SETTINGS.streamConcurrency, pace: SETTINGS.streamPace, spendLimit: true },
  // 50 chunks 20 ms apart: an answer of a second at about 50 tokens a second, so that 200 at a time
  // open about 200 streams a second, each mostly waiting, as a model's answers do.
  { name: "a model's pace", concurrency: 200, pace: { chunks: 50, intervalMs: 20 }, spendLimit: false },
];
/** Far more credits than the bench's streams spend (the stand-in prices each at a few millionths): the budget is counted, never reached. */
const BENCH_SPEND_LIMIT = "1000000";

/** The node flags `npm start` runs the gateway with: the bench measures the gateway as it is deployed. */
const START_FLAGS = startScriptFlags();
/** Extra node flags for the gateway process only, to try a fix (e.g. BENCH_GATEWAY_NODE_FLAGS="--max-semi-space-size=8"). */
const GATEWAY_NODE_FLAGS = [...START_FLAGS, ...flagsOf(process.env.BENCH_GATEWAY_NODE_FLAGS)];

function flagsOf(value: string | undefined): string[] {
  return (value ?? "").split(/\s+/).filter((flag) => flag !== "");
}

/**
 * A second gateway in every stream shape, alike but for these node flags (BENCH_VARIANT_NODE_FLAGS)
 * and settings (BENCH_VARIANT_ENV, a JSON object), streaming in the same turns as (g): an A/B of a
 * change, where two runs one after the other differ by more than most changes do.
 */
const VARIANT = variantOf(process.env.BENCH_VARIANT_NODE_FLAGS, process.env.BENCH_VARIANT_ENV);

function variantOf(nodeFlags: string | undefined, envJson: string | undefined): { label: string; nodeFlags: string[]; env: Record<string, string> } | undefined {
  if (nodeFlags === undefined && envJson === undefined) return undefined;
  const env: unknown = envJson === undefined ? {} : JSON.parse(envJson);
  if (typeof env !== "object" || env === null || Array.isArray(env) || !Object.values(env).every((value) => typeof value === "string")) {
    throw new Error(`bench: BENCH_VARIANT_ENV must be a JSON object of strings (got ${envJson})`);
  }
  const settings = env as Record<string, string>;
  const flags = flagsOf(nodeFlags);
  const label = [...flags, ...Object.entries(settings).map(([name, value]) => `${name}=${value}`)].join(" ");
  return { label: label === "" ? "nothing else" : label, nodeFlags: flags, env: settings };
}

const STATUS_QUERY = JSON.stringify({ query: "{ status { authenticated method expiresAt user { label usage limit limitRemaining isFreeTier totalCredits } } }" });
const REST_STATUS_PATH = "/api/v1/openrouter/auth/status";
const PROXY_COMPLETIONS_PATH = "/api/v1/openrouter/proxy/chat/completions";
/** A streamed completion the stand-in echoes back: the message is long enough to cut into many chunks. */
const STREAMED_COMPLETION = JSON.stringify({
  model: "deepseek/deepseek-chat",
  stream: true,
  messages: [{ role: "user", content: "Tell me, in a few words, how a streamed completion reaches the page that asked for it." }],
});
const ELEMENT_BUNDLE = join(packageRoot, "dist", "openrouter-auth.js");
const JSON_HEADERS = { "content-type": "application/json" };

function startScriptFlags(): string[] {
  const start = (JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.start ?? "";
  const match = /^node((?: --[\w-]+(?:=\S+)?)*) dist\/gateway\/server\/main\.js$/.exec(start);
  if (match === null) throw new Error(`bench: cannot read the node flags of package.json's start script ("${start}")`);
  return match[1]!.split(" ").filter((flag) => flag !== "");
}

/** Progress goes to stderr so that stdout holds only the table or the JSON. */
const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);

function validateKeyBody(apiKey: string): string {
  return JSON.stringify({ query: "mutation($k: String!) { validateKey(apiKey: $k) { valid } }", variables: { k: apiKey } });
}

/** Signs in once and returns the `name=value` cookie pair to send with the load. */
async function signIn(url: string, init: RequestInit, cookieName: string): Promise<string> {
  const response = await fetch(url, init);
  const text = await response.text();
  const cookie = response.headers.getSetCookie().find((line) => line.startsWith(`${cookieName}=`));
  if (!response.ok || cookie === undefined) throw new Error(`bench: signing in at ${url} failed (${response.status}): ${text.slice(0, 300)}`);
  return cookie.split(";")[0]!;
}

async function assertSignedIn(gatewayUrl: string, cookie: string): Promise<void> {
  const response = await fetch(`${gatewayUrl}/graphql`, { method: "POST", headers: { ...JSON_HEADERS, cookie }, body: STATUS_QUERY });
  const body = (await response.json()) as { data?: { status?: { authenticated?: boolean } } };
  if (body.data?.status?.authenticated !== true) throw new Error(`bench: the bench session is not signed in: ${JSON.stringify(body)}`);
}

/** The Redis key of the session a signed cookie `name=s%3A<id>.<signature>` names. */
function sessionKeyOf(cookie: string, prefix: string): string {
  const value = decodeURIComponent(cookie.slice(cookie.indexOf("=") + 1));
  return prefix + value.replace(/^s:/, "").replace(/\.[^.]*$/, "");
}

/** Settings for the gateway under load. */
function gatewayEnv(redisUrl: string, stub: BenchChild): Record<string, string> {
  return {
    NODE_ENV: "production",
    PORT: "0",
    HOST: LOOPBACK,
    REDIS_URL: redisUrl,
    OPENROUTER_API_BASE: String(stub.info.apiBase),
    OPENROUTER_AUTH_URL: String(stub.info.authUrl),
    // Production requires it; the bench signs in by key only, so no OAuth flow ever returns here.
    OPENROUTER_REDIRECT_URI: `http://${LOOPBACK}${CALLBACK_PATH}`,
    OPENROUTER_ENCRYPTION_KEY: FernetKeyring.generateKey(),
    SESSION_SECRET: randomBytes(32).toString("base64url"),
    // Plain http on loopback: a Secure cookie would never come back.
    COOKIE_SECURE: "false",
    LOG_LEVEL: "info",
    // (c) signs in hundreds of times a second from one address: far past the per-client limit on
    // sign-in attempts (10 a minute by default), so the bench raises it to the most it allows.
    RATE_LIMIT_MAX: "1000000",
  };
}

async function scenario(label: string, options: LoadOptions, probe: RedisProbe, server: BenchChild): Promise<Scenario> {
  progress(`${label}: ${options.amount === undefined ? `${options.warmupSeconds} s warm-up, ${options.seconds} s measured` : `${options.amount} requests`}`);
  await warmUp(options);
  return measured(label, probe, server, () => measure(options));
}

/** Runs `load` and adds what the server spent on it: CPU time and Redis commands per request. */
async function measured(label: string, probe: RedisProbe, server: BenchChild, load: () => Promise<LoadResult>): Promise<Scenario> {
  const before = await probe.commandCalls();
  const cpuBefore = (await server.stats()).cpuMicros;
  const result = await load();
  // Let the requests still in flight when autocannon stopped reach Redis before counting.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const cpuAfter = (await server.stats()).cpuMicros;
  const after = await probe.commandCalls();
  return { label, ...result, cpuMicrosPerRequest: (cpuAfter - cpuBefore) / result.sent, redisPerRequest: perRequest(before, after, result.sent) };
}

/**
 * Scenarios that are compared by a ratio take turns: the machine's speed drifts over a minute
 * (it is shared), and one long run each would compare them under different conditions. Each
 * scenario is warmed up before its first turn and briefly before the others; its figures are
 * its turns together: requests, CPU and Redis commands summed, latency from its worst turn.
 */
async function takingTurns(entries: readonly { label: string; options: LoadOptions; server: BenchChild }[], probe: RedisProbe, { alternate = false } = {}): Promise<Scenario[]> {
  const turns: Scenario[][] = entries.map(() => []);
  for (let turn = 0; turn < SETTINGS.turns; turn++) {
    // `alternate`: every other turn in the opposite order, so that neither of a pair always goes first.
    const order = [...entries.entries()];
    if (alternate && turn % 2 === 1) order.reverse();
    for (const [index, { label, options, server }] of order) {
      const slice = { ...options, seconds: options.seconds / SETTINGS.turns, warmupSeconds: turn === 0 ? options.warmupSeconds : 1 };
      turns[index]!.push(await scenario(`${label}, turn ${turn + 1} of ${SETTINGS.turns}`, slice, probe, server));
    }
  }
  return entries.map(({ label }, index) => combine(label, turns[index]!));
}

function combine(label: string, turns: readonly Scenario[]): Scenario {
  const sum = (of: (turn: Scenario) => number) => turns.reduce((total, turn) => total + of(turn), 0);
  const sent = sum((turn) => turn.sent);
  const commands = new Set(turns.flatMap((turn) => Object.keys(turn.redisPerRequest)));
  return {
    label,
    rps: sum((turn) => turn.ok) / sum((turn) => (turn.rps > 0 ? turn.ok / turn.rps : 0)),
    p50: Math.max(...turns.map((turn) => turn.p50)),
    p99: Math.max(...turns.map((turn) => turn.p99)),
    sent,
    ok: sum((turn) => turn.ok),
    failed: sum((turn) => turn.failed),
    cpuMicrosPerRequest: sum((turn) => turn.cpuMicrosPerRequest * turn.sent) / sent,
    redisPerRequest: Object.fromEntries([...commands].map((name) => [name, sum((turn) => (turn.redisPerRequest[name] ?? 0) * turn.sent) / sent])),
  };
}

function bundleSize(): { raw: number; gzip: number } {
  if (!existsSync(ELEMENT_BUNDLE)) {
    progress("dist/openrouter-auth.js is missing: npm run build");
    execFileSync("npm", ["run", "build"], { cwd: packageRoot, stdio: ["ignore", process.stderr, process.stderr] });
  }
  const bytes = readFileSync(ELEMENT_BUNDLE);
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

/** A load scenario of autocannon, for the profiler. */
function autocannonLoad(options: LoadOptions): { warm(): Promise<void>; run(): Promise<LoadResult> } {
  return { warm: () => warmUp(options), run: () => measure(options) };
}

/** The exact command line redis-benchmark should time for each command a request costs. */
function benchmarkCommand(name: string, sessionKey: string, token: string): readonly string[] | undefined {
  const scratch = "openrouter-auth:bench:scratch";
  switch (name) {
    case "get":
      return ["GET", sessionKey];
    case "getex":
      return ["GETEX", sessionKey, "EX", "86400"];
    case "expire":
      return ["EXPIRE", sessionKey, "86400"];
    case "pexpire":
      return ["PEXPIRE", sessionKey, "86400000"];
    case "set":
      return ["SET", scratch, token, "EX", "86400"];
    case "del":
    case "unlink":
      return [name.toUpperCase(), `${scratch}:absent`];
    case "getdel":
      return ["GETDEL", `${scratch}:absent`];
    case "incr":
      return ["INCR", `${scratch}:counter`];
    default:
      return undefined;
  }
}

function stubPace(chunks: number, intervalMs: number): Record<string, string> {
  return { BENCH_CHAT_CHUNKS: String(chunks), BENCH_CHAT_INTERVAL_MS: String(intervalMs) };
}

/** Baseline (i), a bare proxy with one Redis read per completion, in front of `stub`. */
function startProxyBaseline(buildDir: string, redisUrl: string, stub: BenchChild, nodeFlags: string[] = []): Promise<BenchChild> {
  return startChild(
    buildDir,
    "baseline (i)",
    "baseline-proxy",
    {
      NODE_ENV: "production",
      PORT: "0",
      REDIS_URL: redisUrl,
      UPSTREAM_URL: `${stub.info.apiBase}/chat/completions`,
      UPSTREAM_AUTHORIZATION: `Bearer ${stub.info.validKey}`,
    },
    nodeFlags,
  );
}

/** A stream target with, for the servers the bench started, the process whose CPU it counts. */
interface StreamEntry {
  readonly target: StreamTarget;
  readonly server?: BenchChild;
}

/**
 * `entries`' streams in alternating turns (the order rotated each turn, so that none always
 * follows the same one), `shape.concurrency` at a time, with the CPU time of each entry's server
 * over its own streams. Servers are warmed up before the first turn.
 */
async function streamTurns(shape: StreamShape, entries: Readonly<Record<string, StreamEntry>>, probe: RedisProbe): Promise<Record<string, StreamFigures>> {
  const names = Object.keys(entries);
  const seconds = SETTINGS.seconds / SETTINGS.turns;
  const runs = new Map<string, StreamRun[]>(names.map((name) => [name, []]));
  const cpuMicros = new Map<string, number>(names.map((name) => [name, 0]));
  /** Redis commands each entry's turns caused, summed by command. */
  const commands = new Map<string, Map<string, number>>(names.map((name) => [name, new Map()]));
  /** One stream's length at the stand-in's pace: the workers' start is spread over it. */
  const rampMs = shape.pace.chunks * shape.pace.intervalMs;
  for (const name of names) if (entries[name]!.server !== undefined) await streamLoad(entries[name]!.target, shape.concurrency, SETTINGS.warmupSeconds, rampMs);
  for (let turn = 0; turn < SETTINGS.turns; turn++) {
    const order = [...names.slice(turn % names.length), ...names.slice(0, turn % names.length)];
    progress(`streams, ${shape.name}, turn ${turn + 1} of ${SETTINGS.turns}: ${order.join(", ")}, ${shape.concurrency} at a time, ${seconds} s each`);
    for (const name of order) {
      const { target, server } = entries[name]!;
      const cpuBefore = server === undefined ? 0 : (await server.stats()).cpuMicros;
      const callsBefore = await probe.commandCalls();
      runs.get(name)!.push(await streamLoad(target, shape.concurrency, seconds, rampMs));
      // What a completion does in Redis after its answer has ended (a spend counted) lands here too.
      await new Promise((resolve) => setTimeout(resolve, 200));
      for (const [command, calls] of await probe.commandCalls()) {
        const summed = commands.get(name)!;
        summed.set(command, (summed.get(command) ?? 0) + calls - (callsBefore.get(command) ?? 0));
      }
      if (server !== undefined) cpuMicros.set(name, cpuMicros.get(name)! + (await server.stats()).cpuMicros - cpuBefore);
    }
  }
  return Object.fromEntries(
    names.map((name) => {
      const turns = runs.get(name)!;
      const firstByteMs = turns.flatMap((run) => run.firstByteMs).sort((x, y) => x - y);
      const sum = (of: (run: StreamRun) => number) => turns.reduce((total, run) => total + of(run), 0);
      const events = sum((run) => run.events);
      const figures: StreamFigures = {
        p50: percentile(firstByteMs, 50),
        p99: percentile(firstByteMs, 99),
        streams: sum((run) => run.streams),
        events,
        failed: sum((run) => run.failed),
        failure: turns.find((run) => run.failure !== undefined)?.failure,
        redisPerStream: perRequest(new Map(), commands.get(name)!, sum((run) => run.streams)),
        cpuMicrosPerEvent: entries[name]!.server === undefined ? Number.NaN : cpuMicros.get(name)! / events,
      };
      return [name, figures];
    }),
  );
}

/** What the budget of the account signed in with `cookie` says: null when the gateway has no PROXY_SPEND_LIMIT. */
async function spentOf(gatewayUrl: string, cookie: string): Promise<number | null> {
  const response = await fetch(`${gatewayUrl}${PROXY_BUDGET_PATH}`, { headers: { cookie } });
  const body = (await response.json()) as { budget?: { spent?: number } | null };
  if (!response.ok || body.budget === undefined) throw new Error(`bench: reading the proxy budget failed (${response.status}): ${JSON.stringify(body)}`);
  return body.budget === null ? null : (body.budget.spent ?? null);
}

/**
 * One shape of stream load on processes of its own, stopped once measured: a stand-in at the
 * shape's pace, the gateway (and, with `spendLimit`, one alike but for PROXY_SPEND_LIMIT) and the
 * bare proxy (i), with (h), (i) and (g) in the same turns.
 */
async function streamShape(buildDir: string, redisUrl: string, shape: (typeof STREAM_SHAPES)[number]): Promise<StreamShapeFigures> {
  const children: BenchChild[] = [];
  const probe = new RedisProbe(redisUrl);
  try {
    const stub = await startChild(buildDir, `OpenRouter stand-in (${shape.name})`, "stub-process", { PORT: "0", BENCH_ACCOUNTS: String(STREAM_ACCOUNTS), ...stubPace(shape.pace.chunks, shape.pace.intervalMs) });
    children.push(stub);
    const env = gatewayEnv(redisUrl, stub);
    const gateway = await startChild(buildDir, `gateway (${shape.name})`, "gateway-process", env, GATEWAY_NODE_FLAGS);
    children.push(gateway);
    const spending = shape.spendLimit ? await startChild(buildDir, `gateway with PROXY_SPEND_LIMIT (${shape.name})`, "gateway-process", { ...env, PROXY_SPEND_LIMIT: BENCH_SPEND_LIMIT }, GATEWAY_NODE_FLAGS) : undefined;
    if (spending !== undefined) children.push(spending);
    const variant = VARIANT === undefined ? undefined : await startChild(buildDir, `gateway with ${VARIANT.label} (${shape.name})`, "gateway-process", { ...env, ...VARIANT.env }, [...GATEWAY_NODE_FLAGS, ...VARIANT.nodeFlags]);
    if (variant !== undefined) children.push(variant);
    const bareProxy = await startProxyBaseline(buildDir, redisUrl, stub);
    children.push(bareProxy);

    const validKey = String(stub.info.validKey);
    const accountKeys = String(stub.info.accountKeys).split(",");
    // One session per account, the streams sent with each in turn.
    const proxiedThrough = async (server: BenchChild): Promise<StreamEntry & { cookie: string }> => {
      const cookies: string[] = [];
      for (const key of accountKeys) cookies.push(await signIn(`${urlOf(server)}/graphql`, { method: "POST", headers: JSON_HEADERS, body: validateKeyBody(key) }, "openrouter-auth.sid"));
      return { target: { url: `${urlOf(server)}${PROXY_COMPLETIONS_PATH}`, headers: JSON_HEADERS, body: STREAMED_COMPLETION, cookies }, server, cookie: cookies[0]! };
    };
    const g = await proxiedThrough(gateway);
    const gs = spending === undefined ? undefined : await proxiedThrough(spending);
    const gv = variant === undefined ? undefined : await proxiedThrough(variant);
    const entries = {
      h: { target: { url: `${stub.info.apiBase}/chat/completions`, headers: { ...JSON_HEADERS, authorization: `Bearer ${validKey}` }, body: STREAMED_COMPLETION } },
      i: { target: { url: `${urlOf(bareProxy)}/chat/completions`, headers: JSON_HEADERS, body: STREAMED_COMPLETION }, server: bareProxy },
      g,
      ...(gs === undefined ? {} : { gs }),
      ...(gv === undefined ? {} : { gv }),
    };
    const figures = await streamTurns(shape, entries, probe);
    // The comparison means something only if the one gateway counted what its streams cost and the other did not.
    if ((await spentOf(urlOf(gateway), g.cookie)) !== null) throw new Error("bench: the gateway without PROXY_SPEND_LIMIT has a spend budget");
    if (spending !== undefined && !((await spentOf(urlOf(spending), gs!.cookie))! > 0)) throw new Error("bench: the gateway with PROXY_SPEND_LIMIT counted nothing spent");
    return { name: shape.name, concurrency: shape.concurrency, pace: shape.pace, proxied: figures.g!, direct: figures.h!, bareProxy: figures.i!, withSpendLimit: figures.gs, variant: VARIANT === undefined ? undefined : { label: VARIANT.label, figures: figures.gv! } };
  } finally {
    for (const child of children.reverse()) await child.stop().catch(() => undefined);
    await probe.close().catch(() => undefined);
  }
}

/**
 * Every shape of stream load (STREAM_SHAPES); then many streams held open at once on a gateway
 * of their own (so that its peak RSS is theirs), whose stand-in sends one chunk a second.
 */
async function streamingScenarios(buildDir: string, redisUrl: string, children: BenchChild[]): Promise<Measurements["streaming"]> {
  const shapes: StreamShapeFigures[] = [];
  for (const shape of STREAM_SHAPES) shapes.push(await streamShape(buildDir, redisUrl, shape));

  progress(`${SETTINGS.openStreams} streams open at once on a gateway of their own (opened 50 every 50 ms), one chunk a second for ${SETTINGS.openStreamSeconds} s`);
  const slowStub = await startChild(buildDir, "OpenRouter stand-in (one chunk a second)", "stub-process", { PORT: "0", ...stubPace(SETTINGS.openStreamSeconds, 1_000) });
  children.push(slowStub);
  const streamGateway = await startChild(buildDir, "gateway (open streams)", "gateway-process", gatewayEnv(redisUrl, slowStub), GATEWAY_NODE_FLAGS);
  children.push(streamGateway);
  const streamGatewayUrl = urlOf(streamGateway);
  const streamCookie = await signIn(`${streamGatewayUrl}/graphql`, { method: "POST", headers: JSON_HEADERS, body: validateKeyBody(String(slowStub.info.validKey)) }, "openrouter-auth.sid");
  const opened = await openStreams({ url: `${streamGatewayUrl}${PROXY_COMPLETIONS_PATH}`, headers: { ...JSON_HEADERS, cookie: streamCookie }, body: STREAMED_COMPLETION }, SETTINGS.openStreams);
  const streamGatewayStats = await streamGateway.stats();

  return {
    shapes,
    open: { streams: SETTINGS.openStreams, seconds: SETTINGS.openStreamSeconds, failed: opened.failed, failure: opened.failure, events: opened.events, peakRssBytes: streamGatewayStats.maxRssBytes },
  };
}

/** Whether the metrics listener of `gateway` counts requests of both surfaces the bench loads: otherwise "on" would not be on. */
async function assertMetricsCounted(gateway: BenchChild): Promise<void> {
  if (gateway.info.metricsPort === undefined) throw new Error("bench: the gateway with METRICS_PORT serves no metrics");
  const text = await (await fetch(`http://${LOOPBACK}:${gateway.info.metricsPort}/metrics`)).text();
  for (const surface of ["graphql", "rest"]) {
    if (!new RegExp(`^openrouter_auth_http_request_duration_seconds_count\\{[^}]*surface="${surface}"[^}]*\\} [1-9]`, "m").test(text)) {
      throw new Error(`bench: the gateway with METRICS_PORT counted no ${surface} request:\n${text.slice(0, 500)}`);
    }
  }
}

/**
 * Issue 26: (a) and (b), one session, on two fresh gateways alike but for METRICS_PORT, in
 * alternating turns (the order flipped each turn); each gateway's peak RSS over its own load.
 */
async function metricsScenarios(buildDir: string, redisUrl: string, stub: BenchChild, probe: RedisProbe, base: Pick<LoadOptions, "connections" | "seconds" | "warmupSeconds">): Promise<Measurements["metrics"]> {
  const children: BenchChild[] = [];
  try {
    const env = gatewayEnv(redisUrl, stub);
    const off = await startChild(buildDir, "gateway, metrics off", "gateway-process", env, GATEWAY_NODE_FLAGS);
    children.push(off);
    const on = await startChild(buildDir, "gateway, metrics on", "gateway-process", { ...env, METRICS_PORT: "0" }, GATEWAY_NODE_FLAGS);
    children.push(on);
    const signInOn = (server: BenchChild) => signIn(`${urlOf(server)}/graphql`, { method: "POST", headers: JSON_HEADERS, body: validateKeyBody(String(stub.info.validKey)) }, "openrouter-auth.sid");
    const status = (label: string, server: BenchChild, cookie: string) => [
      { label: `(a) GraphQL status, ${label}`, options: { ...base, url: `${urlOf(server)}/graphql`, method: "POST" as const, headers: { ...JSON_HEADERS, cookie }, body: STATUS_QUERY }, server },
      { label: `(b) REST status, ${label}`, options: { ...base, url: `${urlOf(server)}${REST_STATUS_PATH}`, headers: { cookie } }, server },
    ];
    const [aOff, bOff] = status("metrics off", off, await signInOn(off));
    const [aOn, bOn] = status("metrics on", on, await signInOn(on));
    const [aOffRun, aOnRun, bOffRun, bOnRun] = (await takingTurns([aOff!, aOn!, bOff!, bOn!], probe, { alternate: true })) as [Scenario, Scenario, Scenario, Scenario];
    await assertMetricsCounted(on);
    if (off.info.metricsPort !== undefined) throw new Error("bench: the gateway without METRICS_PORT serves metrics");
    return {
      a: { off: aOffRun, on: aOnRun },
      b: { off: bOffRun, on: bOnRun },
      peakRssBytes: { off: (await off.stats()).maxRssBytes, on: (await on.stats()).maxRssBytes },
    };
  } finally {
    for (const child of children.reverse()) await child.stop().catch(() => undefined);
  }
}

/** The servers of the status scenarios: the gateway, baseline (d) and baseline (f). */
interface StatusServers {
  readonly gateway: BenchChild;
  readonly stock: BenchChild;
  readonly stockServedLikeGateway: BenchChild;
}

function urlOf(server: BenchChild): string {
  return `http://${LOOPBACK}:${server.info.port}`;
}

async function runBench(): Promise<Measurements> {
  const buildDir = await compileForBench();
  const children: BenchChild[] = [];
  const redis = await startRedisServer({ private: true });
  const probe = new RedisProbe(redis.url);
  try {
    const bundle = bundleSize();
    progress(`starting the OpenRouter stand-in, the gateway and the baselines (Redis at ${redis.url})`);
    const stub = await startChild(buildDir, "OpenRouter stand-in", "stub-process", { PORT: "0" });
    children.push(stub);
    // The many-users shape gets servers of its own, started with the same settings (the same
    // secrets, so they read the same sessions): see startStatusServers.
    const env = gatewayEnv(redis.url, stub);
    const startStatusServers = async (shape: string): Promise<StatusServers> => {
      const started = {
        gateway: await startChild(buildDir, `gateway${shape}`, "gateway-process", env, GATEWAY_NODE_FLAGS),
        stock: await startChild(buildDir, `baseline (d)${shape}`, "baseline-express", { NODE_ENV: "production", PORT: "0", REDIS_URL: redis.url }),
        stockServedLikeGateway: await startChild(buildDir, `baseline (f)${shape}`, "baseline-express", { NODE_ENV: "production", PORT: "0", REDIS_URL: redis.url, SERVE_WITH_APP_PROTOTYPES: "1" }),
      };
      children.push(started.gateway, started.stock, started.stockServedLikeGateway);
      return started;
    };
    const servers = await startStatusServers("");
    const { gateway, stock } = servers;
    const bare = await startChild(buildDir, "baseline (e)", "baseline-http", { NODE_ENV: "production", PORT: "0" });
    const graphqlAlone = await startChild(buildDir, "baseline (j)", "baseline-graphql", { NODE_ENV: "production", PORT: "0" });
    children.push(bare, graphqlAlone);

    const gatewayUrl = urlOf(gateway);
    const stockUrl = urlOf(stock);
    const validKey = String(stub.info.validKey);
    const gatewayCookie = await signIn(`${gatewayUrl}/graphql`, { method: "POST", headers: JSON_HEADERS, body: validateKeyBody(validKey) }, "openrouter-auth.sid");
    await assertSignedIn(gatewayUrl, gatewayCookie);
    const stockCookie = await signIn(`${stockUrl}/login`, { method: "POST" }, "connect.sid");

    const base = { connections: SETTINGS.connections, seconds: SETTINGS.seconds, warmupSeconds: SETTINGS.warmupSeconds };
    const e = await scenario("(e) node:http, constant", { ...base, url: `${urlOf(bare)}/` }, probe, bare);
    const statusScenarios = (shape: string, on: StatusServers, gatewayCookies: Pick<LoadOptions, "headers" | "cookies">, stockCookies: Pick<LoadOptions, "headers" | "cookies">) => [
      { label: `(d) Express + express-session + connect-redis${shape}`, options: { ...base, url: `${urlOf(on.stock)}/session`, ...stockCookies }, server: on.stock },
      {
        label: `(a) GraphQL status, signed in${shape}`,
        options: { ...base, url: `${urlOf(on.gateway)}/graphql`, method: "POST" as const, ...gatewayCookies, headers: { ...JSON_HEADERS, ...gatewayCookies.headers }, body: STATUS_QUERY },
        server: on.gateway,
      },
      { label: `(b) REST status, signed in${shape}`, options: { ...base, url: `${urlOf(on.gateway)}${REST_STATUS_PATH}`, ...gatewayCookies }, server: on.gateway },
      { label: `(f) (d) served with expressServerOptions${shape}`, options: { ...base, url: `${urlOf(on.stockServedLikeGateway)}/session`, ...stockCookies }, server: on.stockServedLikeGateway },
      // No session: the same in both shapes, and taking the same turns as the rest of each.
      { label: `(j) GraphQL alone: Apollo Server on Express, no session${shape}`, options: { ...base, url: `${urlOf(graphqlAlone)}/graphql`, method: "POST" as const, headers: JSON_HEADERS, body: STATUS_QUERY }, server: graphqlAlone },
    ];
    const [d, a, b, f, j] = (await takingTurns(statusScenarios("", servers, { headers: { cookie: gatewayCookie } }, { headers: { cookie: stockCookie } }), probe)) as [
      Scenario,
      Scenario,
      Scenario,
      Scenario,
      Scenario,
    ];
    await assertSignedIn(gatewayUrl, gatewayCookie);

    const signedOut = await scenario(
      "signed-out GraphQL status (Redis commands only)",
      { ...base, warmupSeconds: 0, amount: SETTINGS.signedOutRequests, url: `${gatewayUrl}/graphql`, method: "POST", headers: JSON_HEADERS, body: STATUS_QUERY },
      probe,
      gateway,
    );

    // The many-users shape runs on fresh processes, as after a deploy: users sign in, then use the
    // gateway. V8 adapts its collector to the first load a process meets (it decides early, for
    // good, which objects to allocate straight into the old generation), so servers that met one
    // session's lockstep traffic first would hide how a server that meets many users behaves.
    progress("starting fresh servers for the many-sessions shape (same settings, same Redis)");
    const manyServers = await startStatusServers(` (${SETTINGS.sessions} sessions)`);
    const manyGatewayUrl = urlOf(manyServers.gateway);

    // (c) is the sign-ins that make the many-users shape's sessions, after a short warm-up.
    const signInGateway = () => signIn(`${manyGatewayUrl}/graphql`, { method: "POST", headers: JSON_HEADERS, body: validateKeyBody(validKey) }, "openrouter-auth.sid");
    progress(`(c) GraphQL validateKey via the stand-in: ${SETTINGS.sessions} sign-ins, ${SETTINGS.signInConcurrency} at a time`);
    await signInMany(Math.min(500, SETTINGS.sessions), SETTINGS.signInConcurrency, signInGateway);
    const memoryBefore = await probe.usedMemory();
    const keysBefore = await probe.dbsize();
    let gatewaySessions: readonly string[] = [];
    const c = await measured("(c) GraphQL validateKey via the stand-in", probe, manyServers.gateway, async () => {
      const made = await signInMany(SETTINGS.sessions, SETTINGS.signInConcurrency, signInGateway);
      gatewaySessions = made.cookies;
      return made.result;
    });
    const memoryAfter = await probe.usedMemory();
    const keysAfter = await probe.dbsize();
    // Which part of the shape sets the gateway's peak: the sign-ins, or the status load after them.
    progress(`the gateway's peak RSS after ${SETTINGS.sessions} sign-ins: ${((await manyServers.gateway.stats()).maxRssBytes / 1024 / 1024).toFixed(1)} MB`);
    progress(`signing in ${SETTINGS.sessions} sessions on the stock stack (shared by (d) and (f): same secret, same Redis)`);
    const stockSessions = (await signInMany(SETTINGS.sessions, SETTINGS.signInConcurrency, () => signIn(`${urlOf(manyServers.stock)}/login`, { method: "POST" }, "connect.sid"))).cookies;

    await assertSignedIn(manyGatewayUrl, gatewaySessions[0]!);
    const [dMany, aMany, bMany, fMany, jMany] = (await takingTurns(statusScenarios(`, ${SETTINGS.sessions} sessions`, manyServers, { cookies: gatewaySessions }, { cookies: stockSessions }), probe)) as [
      Scenario,
      Scenario,
      Scenario,
      Scenario,
      Scenario,
    ];
    await assertSignedIn(manyGatewayUrl, gatewaySessions[0]!);

    progress("metrics off and on: (a) and (b), one session, on two fresh gateways");
    const metrics = await metricsScenarios(buildDir, redis.url, stub, probe, base);
    const streaming = await streamingScenarios(buildDir, redis.url, children);

    const sessionKey = sessionKeyOf(gatewayCookie, SESSION_KEY_PREFIX);
    const token = (await probe.get(sessionKey)) ?? "";
    const stockKey = await probe.firstKey("sess:*");
    const memory = {
      sessionKeyBytes: await probe.memoryUsage(sessionKey),
      sessionValueBytes: Buffer.byteLength(token),
      usedMemoryPerNewSession: keysAfter > keysBefore ? (memoryAfter - memoryBefore) / (keysAfter - keysBefore) : Number.NaN,
      newSessions: keysAfter - keysBefore,
      stockSessionKeyBytes: await probe.memoryUsage(stockKey),
    };

    // Peak RSS of each server, whichever of its two processes (one per shape) went higher.
    const peakRss = async (name: keyof StatusServers) => Math.max((await servers[name].stats()).maxRssBytes, (await manyServers[name].stats()).maxRssBytes);

    progress("redis-benchmark for the commands a signed-in status and a sign-in cost");
    const capacity: Record<string, number> = {};
    for (const name of new Set([...Object.keys(a.redisPerRequest), ...Object.keys(b.redisPerRequest), ...Object.keys(c.redisPerRequest)])) {
      const command = benchmarkCommand(name, sessionKey, token);
      if (command !== undefined) capacity[name] = await redisBenchmark(redis.port, command, SETTINGS.redisBenchmarkRequests);
    }

    const cpu = cpus();
    return {
      machine: {
        cpu: `${cpu.length} × ${cpu[0]?.model.trim() ?? "unknown CPU"}`,
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        os: `Linux ${release()}`,
        node: process.version,
        redis: await probe.version(),
      },
      settings: { connections: SETTINGS.connections, seconds: SETTINGS.seconds, warmupSeconds: SETTINGS.warmupSeconds, turns: SETTINGS.turns, gatewayNodeFlags: GATEWAY_NODE_FLAGS },
      scenarios: { a, b, c, d, e, f, j },
      manySessions: { sessions: SETTINGS.sessions, a: aMany, b: bMany, d: dMany, f: fMany, j: jMany },
      streaming,
      metrics,
      signedOut,
      peakRssBytes: { gateway: await peakRss("gateway"), stock: await peakRss("stock"), stockServedLikeGateway: await peakRss("stockServedLikeGateway") },
      memory,
      bundle,
      redisCapacity: capacity,
    };
  } finally {
    for (const child of children.reverse()) await child.stop().catch(() => undefined);
    await probe.close().catch(() => undefined);
    await redis.close();
  }
}

/** The stress shape's streamed completions to `target`, for a profile: per streamed chunk, as `sent` counts the events passed on. */
function streamedLoad(target: StreamTarget, base: { readonly seconds: number; readonly warmupSeconds: number }): { warm(): Promise<unknown>; run(): Promise<LoadResult> } {
  return {
    warm: () => streamLoad(target, SETTINGS.streamConcurrency, base.warmupSeconds),
    run: async () => {
      const run = await streamLoad(target, SETTINGS.streamConcurrency, base.seconds);
      return { rps: run.streams / base.seconds, p50: percentile(run.firstByteMs, 50), p99: percentile(run.firstByteMs, 99), sent: run.events, ok: run.streams - run.failed, failed: run.failed };
    },
  };
}

/**
 * `--profile` (or `--profile=a`): (a) against a gateway under `--cpu-prof`; `--profile=b`,
 * `--profile=c` and `--profile=g` the same for (b), for (c) sign-ins by API key and for (g)
 * streamed completions through the proxy; `--profile=d`, `--profile=f`, `--profile=i` and `--profile=j` the
 * baselines (d), (f), (i) and (j) under `--cpu-prof`, to compare the profiles.
 */
async function runProfile(target: ProfileTarget): Promise<void> {
  const streamed = target === "g" || target === "i";
  const buildDir = await compileForBench();
  const redis = await startRedisServer({ private: true });
  const profileDir = mkdtempSync(join(tmpdir(), "openrouter-auth-profile-"));
  const allocationsFile = join(profileDir, "allocations.heapprofile");
  const profiling = profileAllocations ? [] : ["--cpu-prof", "--cpu-prof-dir", profileDir];
  const children: BenchChild[] = [];
  const base = { connections: SETTINGS.connections, seconds: SETTINGS.seconds, warmupSeconds: SETTINGS.warmupSeconds };
  /** What the profiled server is loaded with: a warm-up, then the measured run. */
  let load: { warm(): Promise<unknown>; run(): Promise<LoadResult> };
  let result: LoadResult;
  let cpuMicrosPerRequest: number;
  /** The measured run on the monotonic clock: the summary leaves out start-up, warm-up and sign-ins. */
  let window: ProfileWindow;
  try {
    if (target === "d" || target === "f") {
      const servedLikeGateway: Record<string, string> = target === "f" ? { SERVE_WITH_APP_PROTOTYPES: "1" } : {};
      const stock = await startChild(buildDir, `baseline (${target})`, "baseline-express", { NODE_ENV: "production", PORT: "0", REDIS_URL: redis.url, ...servedLikeGateway }, profiling);
      children.push(stock);
      const stockUrl = urlOf(stock);
      const signInStock = () => signIn(`${stockUrl}/login`, { method: "POST" }, "connect.sid");
      const sessions = profileMany ? { cookies: (await signInMany(SETTINGS.sessions, SETTINGS.signInConcurrency, signInStock)).cookies } : { headers: { cookie: await signInStock() } };
      load = autocannonLoad({ ...base, url: `${stockUrl}/session`, ...sessions });
    } else if (target === "j") {
      // GraphQL alone answers every caller alike: the 5,000 cookies change nothing but the request's bytes.
      const graphqlAlone = await startChild(buildDir, "baseline (j)", "baseline-graphql", { NODE_ENV: "production", PORT: "0" }, profiling);
      children.push(graphqlAlone);
      load = autocannonLoad({ ...base, url: `${urlOf(graphqlAlone)}/graphql`, method: "POST", headers: JSON_HEADERS, body: STATUS_QUERY });
    } else if (target === "i") {
      // The floor (g) is set against, under the same profiler and the same load.
      const stub = await startChild(buildDir, "OpenRouter stand-in", "stub-process", { PORT: "0", ...stubPace(SETTINGS.streamPace.chunks, SETTINGS.streamPace.intervalMs) });
      children.push(stub);
      const bare = await startProxyBaseline(buildDir, redis.url, stub, profiling);
      children.push(bare);
      load = streamedLoad({ url: `${urlOf(bare)}/chat/completions`, headers: JSON_HEADERS, body: STREAMED_COMPLETION }, base);
    } else {
      const stub = await startChild(buildDir, "OpenRouter stand-in", "stub-process", { PORT: "0", ...stubPace(SETTINGS.streamPace.chunks, SETTINGS.streamPace.intervalMs) });
      children.push(stub);
      const gateway = await startChild(buildDir, "gateway", "gateway-process", gatewayEnv(redis.url, stub), [...GATEWAY_NODE_FLAGS, ...profiling]);
      children.push(gateway);
      const gatewayUrl = urlOf(gateway);
      const signInGateway = () => signIn(`${gatewayUrl}/graphql`, { method: "POST", headers: JSON_HEADERS, body: validateKeyBody(String(stub.info.validKey)) }, "openrouter-auth.sid");
      const cookie = await signInGateway();
      const cookies = profileMany && (target === "a" || target === "b") ? (await signInMany(SETTINGS.sessions, SETTINGS.signInConcurrency, signInGateway)).cookies : undefined;
      if (target === "g") {
        load = streamedLoad({ url: `${gatewayUrl}${PROXY_COMPLETIONS_PATH}`, headers: { ...JSON_HEADERS, cookie }, body: STREAMED_COMPLETION }, base);
      } else {
        load = autocannonLoad(
          target === "a"
            ? { ...base, url: `${gatewayUrl}/graphql`, method: "POST", headers: { ...JSON_HEADERS, cookie }, body: STATUS_QUERY, ...(cookies && { cookies }) }
            : target === "b"
              ? { ...base, url: `${gatewayUrl}${REST_STATUS_PATH}`, headers: { cookie }, ...(cookies && { cookies }) }
              : { ...base, url: `${gatewayUrl}/graphql`, method: "POST", headers: JSON_HEADERS, body: validateKeyBody(String(stub.info.validKey)) },
        );
      }
    }
    progress(`(${target}) under --cpu-prof: ${base.warmupSeconds} s warm-up, ${base.seconds} s measured`);
    await load.warm();
    const server = children.at(-1)!;
    const cpuBefore = (await server.stats()).cpuMicros;
    const fromUs = Number(process.hrtime.bigint() / 1000n);
    result = profileAllocations ? await server.sampleAllocations(allocationsFile, () => load.run(), profileSurvivors) : await load.run();
    window = { fromUs, toUs: Number(process.hrtime.bigint() / 1000n) };
    cpuMicrosPerRequest = ((await server.stats()).cpuMicros - cpuBefore) / result.sent;
  } finally {
    for (const child of children.reverse()) await child.stop().catch(() => undefined);
    await redis.close();
  }
  if (profileAllocations) {
    const what = profileSurvivors ? "what outlived a young collection was sampled" : "its allocations were sampled";
    console.log(`(${target}) while ${what}: ${Math.round(result.rps)} ${streamed ? "streams/s" : "req/s"} (the summary covers the measured run only)`);
    console.log(formatAllocationSummary(summariseAllocations(allocationsFile, 25), { count: result.sent, unit: streamed ? "chunk" : "req" }, profileSurvivors));
    if (process.env.BENCH_KEEP_PROFILE === "1") console.log(`\nprofile kept: ${allocationsFile}`);
    else rmSync(profileDir, { recursive: true, force: true });
    return;
  }
  const files = readdirSync(profileDir).filter((name) => name.endsWith(".cpuprofile"));
  const file = files[0];
  if (file === undefined || files.length !== 1) throw new Error(`bench: expected one profile in ${profileDir}, found ${files.join(", ") || "none"}`);
  const unit = streamed ? "streams/s, first byte" : "req/s,";
  const per = streamed ? "streamed chunk" : "request";
  console.log(`(${target}) under the profiler: ${Math.round(result.rps)} ${unit} p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, ${Math.round(cpuMicrosPerRequest)} µs CPU per ${per} (the summary covers the measured run only)`);
  console.log(formatProfileSummary(summariseProfile(join(profileDir, file), 25, window), { count: result.sent, unit: streamed ? "chunk" : "req" }));
  // BENCH_KEEP_PROFILE=1 keeps the file for Chrome DevTools or speedscope.
  if (process.env.BENCH_KEEP_PROFILE === "1") console.log(`\nprofile kept: ${join(profileDir, file)}`);
  else rmSync(profileDir, { recursive: true, force: true });
}

/** `--streams`: every shape of stream load (STREAM_SHAPES) and its goals, nothing else. */
async function runStreams(): Promise<void> {
  const buildDir = await compileForBench();
  const redis = await startRedisServer({ private: true });
  try {
    const shapes: StreamShapeFigures[] = [];
    for (const shape of STREAM_SHAPES) shapes.push(await streamShape(buildDir, redis.url, shape));
    console.log(formatStreamsReport(shapes, { seconds: SETTINGS.seconds, turns: SETTINGS.turns }));
  } finally {
    await redis.close();
  }
}

/** `--metrics`: the metrics scenarios and their goals, nothing else. */
async function runMetrics(): Promise<void> {
  const buildDir = await compileForBench();
  const redis = await startRedisServer({ private: true });
  const probe = new RedisProbe(redis.url);
  let stub: BenchChild | undefined;
  try {
    stub = await startChild(buildDir, "OpenRouter stand-in", "stub-process", { PORT: "0" });
    const base = { connections: SETTINGS.connections, seconds: SETTINGS.seconds, warmupSeconds: SETTINGS.warmupSeconds };
    console.log(formatMetricsReport(await metricsScenarios(buildDir, redis.url, stub, probe, base), { seconds: SETTINGS.seconds, turns: SETTINGS.turns }));
  } finally {
    await stub?.stop().catch(() => undefined);
    await probe.close().catch(() => undefined);
    await redis.close();
  }
}

if (profileTarget !== undefined) {
  await runProfile(profileTarget as ProfileTarget);
} else if (streamsOnly) {
  await runStreams();
} else if (metricsOnly) {
  await runMetrics();
} else {
  const report = evaluate(await runBench());
  console.log(asJson ? JSON.stringify(report, null, 2) : formatReport(report));
}
