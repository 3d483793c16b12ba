/**
 * Turns the bench's measurements into the figures the performance issues ask for, checks them
 * against their goals, and prints them as a table. Every goal is a ratio or a difference against
 * a baseline measured in the same run, never an absolute time or size on this machine: the
 * machine's speed moves by a third from one run to the next, and a ratio of neighbouring turns
 * does not.
 */
import type { LoadResult } from "./load.js";

export interface Scenario extends LoadResult {
  readonly label: string;
  /** CPU time (user + system) the server process spent per request: steadier than req/s on a busy machine. */
  readonly cpuMicrosPerRequest: number;
  /** Redis commands per request, by lower-case command name (INFO commandstats delta / requests sent). */
  readonly redisPerRequest: Readonly<Record<string, number>>;
}

export interface Measurements {
  readonly machine: { readonly cpu: string; readonly memoryGiB: number; readonly os: string; readonly node: string; readonly redis: string };
  readonly settings: { readonly connections: number; readonly seconds: number; readonly warmupSeconds: number; readonly turns: number; readonly gatewayNodeFlags: readonly string[] };
  readonly scenarios: { readonly a: Scenario; readonly b: Scenario; readonly c: Scenario; readonly d: Scenario; readonly e: Scenario; readonly f: Scenario; readonly j: Scenario };
  /** (a), (b), (d) and (f) again, each request naming the next of `sessions` signed-in sessions; (j) in the same turns. */
  readonly manySessions: { readonly sessions: number; readonly a: Scenario; readonly b: Scenario; readonly d: Scenario; readonly f: Scenario; readonly j: Scenario };
  readonly streaming: {
    /** One entry per shape of stream load (STREAM_SHAPES in run.ts), each in turns of its own. */
    readonly shapes: readonly StreamShapeFigures[];
    /** Streams held open at once on a gateway of their own. */
    readonly open: { readonly streams: number; readonly seconds: number; readonly failed: number; readonly failure?: string | undefined; readonly events: number; readonly peakRssBytes: number };
  };
  /** (a) and (b), one session, on two fresh gateways alike but for METRICS_PORT, in alternating turns. */
  readonly metrics: {
    readonly a: { readonly off: Scenario; readonly on: Scenario };
    readonly b: { readonly off: Scenario; readonly on: Scenario };
    readonly peakRssBytes: { readonly off: number; readonly on: number };
  };
  /** Only its Redis commands matter: a caller without a cookie must cost none. */
  readonly signedOut: Scenario;
  readonly peakRssBytes: { readonly gateway: number; readonly stock: number; readonly stockServedLikeGateway: number };
  readonly memory: {
    /** MEMORY USAGE of the bench's own session key (key, value and Redis's per-key overhead). */
    readonly sessionKeyBytes: number;
    /** The stored Fernet token alone. */
    readonly sessionValueBytes: number;
    /** used_memory growth over (c) divided by the sessions (c) created: includes the keyspace's own growth. */
    readonly usedMemoryPerNewSession: number;
    readonly newSessions: number;
    /** MEMORY USAGE of one baseline (d) session (plain JSON, stock prefix), for comparison. */
    readonly stockSessionKeyBytes: number;
  };
  readonly bundle: { readonly raw: number; readonly gzip: number };
  /** Operations per second redis-benchmark measured for each command the gateway's requests use. */
  readonly redisCapacity: Readonly<Record<string, number>>;
}

/** A shape of stream load: streams at a time, and the stand-in's pace for each answer. */
export interface StreamShape {
  readonly name: string;
  readonly concurrency: number;
  /** Content chunks per answer, and ms between them. */
  readonly pace: { readonly chunks: number; readonly intervalMs: number };
}

/**
 * One shape's streams, in the same turns: (g) through the gateway's proxy, (h) straight to the
 * stand-in and (i) through baseline-proxy.ts, the least a proxy with its sessions in Redis adds;
 * with `withSpendLimit`, (g) again through a gateway alike but for PROXY_SPEND_LIMIT.
 */
export interface StreamShapeFigures extends StreamShape {
  readonly proxied: StreamFigures;
  readonly direct: StreamFigures;
  readonly bareProxy: StreamFigures;
  readonly withSpendLimit?: StreamFigures | undefined;
  /** (g) again through a gateway alike but for what `label` says (BENCH_VARIANT_NODE_FLAGS, BENCH_VARIANT_ENV). */
  readonly variant?: { readonly label: string; readonly figures: StreamFigures } | undefined;
}

export interface StreamFigures {
  readonly p50: number;
  readonly p99: number;
  readonly streams: number;
  readonly events: number;
  readonly failed: number;
  /** Why the first failed stream failed. */
  readonly failure?: string | undefined;
  /** Redis commands per stream, by lower-case command name, while this path's streams ran (nothing for (h)). */
  readonly redisPerStream: Readonly<Record<string, number>>;
  /** CPU time (user + system) of the server that passed the streams on, per server-sent event; NaN for (h). */
  readonly cpuMicrosPerEvent: number;
}

export interface Goal {
  readonly figure: string;
  readonly value: string;
  readonly goal: string;
  /** undefined: reported without a goal. */
  readonly met: boolean | undefined;
}

export interface Projection {
  /** Signed-in GraphQL status requests per second one Redis could serve, from redis-benchmark's rates. */
  readonly statusPerSecondOneRedis: number;
  /** How many gateway instances running at (a)'s measured rate that is. */
  readonly instancesOneRedis: number;
  readonly instancesThreeMasters: number;
  /** Commands of (a) redis-benchmark had no figure for (left out of the projection). */
  readonly unmeasured: readonly string[];
}

export interface Ratios {
  readonly aOverD: number;
  readonly bOverD: number;
  readonly aOverF: number;
  readonly bOverF: number;
}

export interface BenchReport extends Measurements {
  /** Ratios of req/s, one session and many sessions. */
  readonly ratios: { readonly oneSession: Ratios; readonly manySessions: Ratios };
  /** The same ratios from CPU time per request ((d)'s CPU per request / (a)'s, ...): what req/s would give on an idle machine. */
  readonly cpuRatios: { readonly oneSession: Ratios; readonly manySessions: Ratios };
  readonly projection: Projection;
  readonly goals: readonly Goal[];
}

const KIB = 1024;
const MIB = 1024 * 1024;
/** A few requests still in flight when a run ends are counted as sent: allow for them. */
const COUNT_SLACK = 1.02;

const total = (costs: Readonly<Record<string, number>>) => Object.values(costs).reduce((sum, n) => sum + n, 0);

type StatusScenarios = { readonly a: Scenario; readonly b: Scenario; readonly d: Scenario; readonly f: Scenario };

function ratiosOf({ a, b, d, f }: StatusScenarios): Ratios {
  return { aOverD: a.rps / d.rps, bOverD: b.rps / d.rps, aOverF: a.rps / f.rps, bOverF: b.rps / f.rps };
}

function cpuRatiosOf({ a, b, d, f }: StatusScenarios): Ratios {
  return {
    aOverD: d.cpuMicrosPerRequest / a.cpuMicrosPerRequest,
    bOverD: d.cpuMicrosPerRequest / b.cpuMicrosPerRequest,
    aOverF: f.cpuMicrosPerRequest / a.cpuMicrosPerRequest,
    bOverF: f.cpuMicrosPerRequest / b.cpuMicrosPerRequest,
  };
}

/** Issue 16's goals for one shape of the load: ratios of req/s (CPU per request beside them) and (a)'s p99 against (f)'s. */
function shapeGoals(shape: string, s: StatusScenarios): Goal[] {
  const r = ratiosOf(s);
  const cpu = cpuRatiosOf(s);
  const ratio = (figure: string, value: number, byCpu: number, atLeast: number): Goal => ({
    figure: `${figure}, ${shape}`,
    value: `${value.toFixed(2)} (by CPU/request ${byCpu.toFixed(2)})`,
    goal: `≥ ${atLeast.toFixed(1)}`,
    met: value >= atLeast,
  });
  return [
    ratio("a/f  GraphQL status vs stock stack served likewise", r.aOverF, cpu.aOverF, 1.0),
    ratio("b/f  REST status vs stock stack served likewise", r.bOverF, cpu.bOverF, 1.5),
    ratio("a/d  GraphQL status vs stock stack", r.aOverD, cpu.aOverD, 1.5),
    ratio("b/d  REST status vs stock stack", r.bOverD, cpu.bOverD, 2.5),
    { figure: `p99 of (a) vs p99 of (f), ${shape}`, value: `${s.a.p99.toFixed(2)} ms vs ${s.f.p99.toFixed(2)} ms`, goal: "(a) ≤ (f)", met: s.a.p99 <= s.f.p99 },
  ];
}

const ms = (n: number) => `${n.toFixed(2)} ms`;
const signed = (n: number) => `${n < 0 ? "−" : "+"}${ms(Math.abs(n))}`;
const µs = (n: number) => `${n.toFixed(1)} µs`;

/** Issue 27's goals for one shape of stream load: (g) against its floor (i), in the same turns; issue 25's spend budget against none. */
function streamShapeGoals(s: StreamShapeFigures): Goal[] {
  const shape = `${s.concurrency} at a time, ${s.pace.intervalMs} ms pace`;
  const g = s.proxied;
  const i = s.bareProxy;
  const h = s.direct;
  const goals: Goal[] = [
    { figure: `(g) − (i) first byte, p50, ${shape}`, value: `${signed(g.p50 - i.p50)} (${ms(g.p50)} vs ${ms(i.p50)})`, goal: "≤ +1 ms", met: g.p50 - i.p50 <= 1 },
    { figure: `(g) − (i) first byte, p99, ${shape}`, value: `${signed(g.p99 - i.p99)} (${ms(g.p99)} vs ${ms(i.p99)})`, goal: "≤ +3 ms", met: g.p99 - i.p99 <= 3 },
    {
      figure: `(g) / (i) CPU per streamed chunk, ${shape}`,
      value: `${(g.cpuMicrosPerEvent / i.cpuMicrosPerEvent).toFixed(2)} (${µs(g.cpuMicrosPerEvent)} vs ${µs(i.cpuMicrosPerEvent)}; ${number(g.events)} events in ${number(g.streams)} streams)`,
      goal: "≤ 1.5",
      met: g.cpuMicrosPerEvent <= 1.5 * i.cpuMicrosPerEvent,
    },
    {
      figure: `(g) − (h) and (i) − (h) first byte, p50 / p99, ${shape}`,
      value: `${signed(g.p50 - h.p50)} / ${signed(g.p99 - h.p99)} and ${signed(i.p50 - h.p50)} / ${signed(i.p99 - h.p99)} ((h) ${ms(h.p50)} / ${ms(h.p99)})`,
      goal: "(reported)",
      met: undefined,
    },
  ];
  const spend = s.withSpendLimit;
  if (spend !== undefined) {
    goals.push({
      figure: `(g) with PROXY_SPEND_LIMIT / without, CPU per chunk, ${shape}`,
      value: `${(spend.cpuMicrosPerEvent / g.cpuMicrosPerEvent).toFixed(3)} (${µs(spend.cpuMicrosPerEvent)} vs ${µs(g.cpuMicrosPerEvent)}; first byte p50 ${ms(spend.p50)}, p99 ${ms(spend.p99)})`,
      goal: "≤ 1.05",
      met: spend.cpuMicrosPerEvent <= 1.05 * g.cpuMicrosPerEvent,
    });
  }
  if (s.variant !== undefined) {
    const v = s.variant.figures;
    goals.push({
      figure: `(g) with ${s.variant.label} / without, CPU per chunk; first byte p50, p99, ${shape}`,
      value: `${(v.cpuMicrosPerEvent / g.cpuMicrosPerEvent).toFixed(3)} (${µs(v.cpuMicrosPerEvent)} vs ${µs(g.cpuMicrosPerEvent)}); ${ms(v.p50)} vs ${ms(g.p50)}, ${ms(v.p99)} vs ${ms(g.p99)}`,
      goal: "(reported)",
      met: undefined,
    });
  }
  return goals;
}

function streamingGoals(s: Measurements["streaming"]): Goal[] {
  return [
    ...s.shapes.flatMap(streamShapeGoals),
    {
      figure: `${number(s.open.streams)} streams open at once, failed`,
      value: `${s.open.failed} (${number(s.open.events)} events over ${s.open.seconds} s)${s.open.failure === undefined ? "" : `; first failure: ${s.open.failure.replace(/\s+/g, " ").slice(0, 120)}`}`,
      goal: "0",
      met: s.open.failed === 0 && s.open.events > 0,
    },
    { figure: `peak RSS of a gateway with ${number(s.open.streams)} open streams`, value: `${(s.open.peakRssBytes / MIB).toFixed(1)} MB`, goal: "(reported)", met: undefined },
  ];
}

/** Issue 26's goals: metrics on cost (a) and (b) at most 3 % of their req/s, and the gateway at most 5 MB of peak RSS. */
function metricsGoals(m: Measurements["metrics"]): Goal[] {
  const rate = (label: string, pair: { off: Scenario; on: Scenario }): Goal => ({
    figure: `${label} metrics on / off, req/s, one session`,
    value: `${(pair.on.rps / pair.off.rps).toFixed(3)} (${number(pair.on.rps)} vs ${number(pair.off.rps)}; by CPU/request ${(pair.off.cpuMicrosPerRequest / pair.on.cpuMicrosPerRequest).toFixed(3)})`,
    goal: "≥ 0.97",
    met: pair.on.rps >= 0.97 * pair.off.rps,
  });
  const rss = m.peakRssBytes.on - m.peakRssBytes.off;
  return [
    rate("(a)", m.a),
    rate("(b)", m.b),
    {
      figure: "peak RSS, metrics on − off",
      value: `${rss < 0 ? "−" : "+"}${(Math.abs(rss) / MIB).toFixed(1)} MB (${(m.peakRssBytes.on / MIB).toFixed(1)} vs ${(m.peakRssBytes.off / MIB).toFixed(1)} MB)`,
      goal: "≤ +5 MB",
      met: rss <= 5 * MIB,
    },
  ];
}

/**
 * What GraphQL on the design's stack costs before the gateway does anything ((j): Apollo Server on
 * Express, no session), against the stock session stack and against (a): (a) can be no faster
 * than (j), so j/f bounds a/f.
 */
function graphqlFloor(shape: string, s: { a: Scenario; f: Scenario; j: Scenario }): Goal[] {
  const byCpu = (over: Scenario, under: Scenario) => (under.cpuMicrosPerRequest / over.cpuMicrosPerRequest).toFixed(2);
  return [
    { figure: `j/f  GraphQL alone (Apollo on Express) vs stock stack served likewise, ${shape}`, value: `${(s.j.rps / s.f.rps).toFixed(2)} (by CPU/request ${byCpu(s.j, s.f)})`, goal: "(reported)", met: undefined },
    { figure: `a/j  GraphQL status vs GraphQL alone, ${shape}`, value: `${(s.a.rps / s.j.rps).toFixed(2)} (by CPU/request ${byCpu(s.a, s.j)}; ${number(s.a.cpuMicrosPerRequest - s.j.cpuMicrosPerRequest)} µs more a request)`, goal: "(reported)", met: undefined },
  ];
}

export function evaluate(m: Measurements): BenchReport {
  const { a, b, d, e, f } = m.scenarios;
  const many = m.manySessions;
  const ratios = { oneSession: ratiosOf({ a, b, d, f }), manySessions: ratiosOf(many) };
  const cpuRatios = { oneSession: cpuRatiosOf({ a, b, d, f }), manySessions: cpuRatiosOf(many) };

  // Redis time one status costs = Σ (commands of each kind per request / Redis's rate for that kind).
  let redisSecondsPerStatus = 0;
  const unmeasured: string[] = [];
  for (const [name, perRequest] of Object.entries(a.redisPerRequest)) {
    const rate = m.redisCapacity[name];
    if (rate === undefined) unmeasured.push(name);
    else redisSecondsPerStatus += perRequest / rate;
  }
  const statusPerSecondOneRedis = redisSecondsPerStatus === 0 ? Number.POSITIVE_INFINITY : 1 / redisSecondsPerStatus;
  const instancesOneRedis = Math.floor(statusPerSecondOneRedis / a.rps);
  const projection: Projection = {
    statusPerSecondOneRedis,
    instancesOneRedis,
    // Sessions spread over the 16384 slots by key hash, and a session never needs two keys: three
    // masters on their own cores carry three times the load.
    instancesThreeMasters: Math.floor((3 * statusPerSecondOneRedis) / a.rps),
    unmeasured,
  };

  const statusCommands = total(a.redisPerRequest);
  const streams = m.streaming.shapes.flatMap((shape) => streamPaths(shape).map(([, figures]) => figures));
  const failures = [...Object.values(m.scenarios), many.a, many.b, many.d, many.f, many.j, m.metrics.a.off, m.metrics.a.on, m.metrics.b.off, m.metrics.b.on, ...streams].reduce((sum, s) => sum + s.failed, 0);
  const goals: Goal[] = [
    ...shapeGoals("one session", { a, b, d, f }),
    ...shapeGoals(`${number(many.sessions)} sessions`, many),
    ...graphqlFloor("one session", { a, f, j: m.scenarios.j }),
    ...graphqlFloor(`${number(many.sessions)} sessions`, many),
    { figure: "a/e  GraphQL status vs raw node:http", value: `${(a.rps / e.rps).toFixed(2)} (by CPU/request ${(e.cpuMicrosPerRequest / a.cpuMicrosPerRequest).toFixed(2)})`, goal: "(reported)", met: undefined },
    {
      figure: "peak RSS under the status load, gateway vs (f)",
      value: `${(m.peakRssBytes.gateway / MIB).toFixed(1)} MB vs ${(m.peakRssBytes.stockServedLikeGateway / MIB).toFixed(1)} MB`,
      goal: "gateway ≤ (f)",
      met: m.peakRssBytes.gateway <= m.peakRssBytes.stockServedLikeGateway,
    },
    ...streamingGoals(m.streaming),
    ...metricsGoals(m.metrics),
    { figure: "(c) CPU per sign-in by API key", value: `${number(m.scenarios.c.cpuMicrosPerRequest)} µs (where it goes: npm run bench -- --profile=c)`, goal: "(reported)", met: undefined },
    {
      figure: "Redis round trips per signed-in status",
      value: `${statusCommands.toFixed(2)} (${describeCosts(a.redisPerRequest)})`,
      goal: "≤ 1",
      met: statusCommands <= 1 * COUNT_SLACK,
    },
    {
      figure: "Redis commands for a caller without a cookie",
      value: `${total(m.signedOut.redisPerRequest).toFixed(2)} per request`,
      goal: "0",
      met: total(m.signedOut.redisPerRequest) === 0,
    },
    {
      figure: "Redis memory per signed-in session",
      value: `${Math.round(m.memory.sessionKeyBytes)} B (MEMORY USAGE); ${Math.round(m.memory.usedMemoryPerNewSession)} B (used_memory Δ / ${m.memory.newSessions})`,
      // A size, the same on any machine: test/gateway/sessions.test.ts holds it at most 896 B.
      goal: "(reported)",
      met: undefined,
    },
    { figure: "element bundle, gzip -9", value: `${(m.bundle.gzip / KIB).toFixed(1)} KB (raw ${(m.bundle.raw / KIB).toFixed(1)} KB)`, goal: "(reported)", met: undefined },
    { figure: "failed requests (non-2xx or errors), all runs", value: String(failures), goal: "0", met: failures === 0 },
  ];
  return { ...m, ratios, cpuRatios, projection, goals };
}

function describeCosts(costs: Readonly<Record<string, number>>): string {
  // Redis counts every client's commands: one that rounds to 0.00 a request is another target's
  // late write landing in this turn (the spend gateway's `addToSoon`), not this target's cost.
  const entries = Object.entries(costs)
    .filter(([, n]) => n >= 0.005)
    .sort((x, y) => y[1] - x[1]);
  if (entries.length === 0) return "none";
  return entries.map(([name, n]) => `${name.toUpperCase()} ${n.toFixed(2)}`).join(", ");
}

const number = (n: number) => Math.round(n).toLocaleString("en-US");
const mark = (met: boolean | undefined) => (met === undefined ? " " : met ? "✓" : "✗");

function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, alignRight: ReadonlySet<number>): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (alignRight.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export function formatReport(r: BenchReport): string {
  const { a, b, c, d, e, f, j } = r.scenarios;
  const m = r.manySessions;
  const load = table(
    ["scenario", "req/s", "p50 ms", "p99 ms", "CPU µs/req", "Redis commands per request", "failed"],
    [a, b, c, d, e, f, j, m.d, m.a, m.b, m.f, m.j].map((s) => [s.label, number(s.rps), s.p50.toFixed(2), s.p99.toFixed(2), number(s.cpuMicrosPerRequest), describeCosts(s.redisPerRequest), String(s.failed)]),
    new Set([1, 2, 3, 4, 6]),
  );
  const goals = table(
    ["figure", "value", "goal", ""],
    r.goals.map((g) => [g.figure, g.value, g.goal, mark(g.met)]),
    new Set(),
  );
  const streams = streamsTable(r.streaming.shapes);
  const capacity = Object.entries(r.redisCapacity)
    .map(([name, rate]) => `${name.toUpperCase()} ${number(rate)}/s`)
    .join(", ");
  const p = r.projection;
  const oneRedis = Number.isFinite(p.statusPerSecondOneRedis)
    ? `${number(p.statusPerSecondOneRedis)} signed-in status/s = ${number(p.instancesOneRedis)} gateway instances at (a)'s ${number(a.rps)} req/s; a 3-master cluster: ${number(p.instancesThreeMasters)}`
    : "unbounded: a signed-in status costs Redis nothing";
  return [
    `openrouter-auth bench: ${r.machine.cpu}, ${r.machine.memoryGiB} GiB, ${r.machine.os}, Node ${r.machine.node}, Redis ${r.machine.redis}`,
    `autocannon over loopback, ${r.settings.connections} connections, no pipelining, ${r.settings.warmupSeconds} s warm-up + ${r.settings.seconds} s per scenario, (d), (a), (b), (f) and (j) in ${r.settings.turns} alternating turns for each shape (latency: the worst turn); every server in its own process on plain node (compiled by esbuild, as npm start runs dist/; the gateway under node flags: ${r.settings.gatewayNodeFlags.join(" ") || "none"}, as npm start runs it)`,
    "",
    load,
    "",
    streams,
    "",
    goals,
    "",
    `Redis capacity (redis-benchmark, 50 clients, same machine): ${capacity}`,
    `One Redis carries ${oneRedis}${p.unmeasured.length > 0 ? ` (not timed: ${p.unmeasured.join(", ")})` : ""}`,
    `Redis per session, for comparison: stock connect-redis JSON record ${r.memory.stockSessionKeyBytes} B; ours ${r.memory.sessionKeyBytes} B of which the Fernet token is ${r.memory.sessionValueBytes} B`,
    ...r.streaming.shapes.map(
      (s) =>
        `Streams, ${s.name}: ${s.concurrency} at a time, the stand-in's answer cut into at most ${s.pace.chunks} content chunks ${s.pace.intervalMs} ms apart (${(s.direct.events / s.direct.streams).toFixed(0)} events a stream), on a stand-in, gateway${s.withSpendLimit === undefined ? "" : "s (without and with PROXY_SPEND_LIMIT)"} and (i) of their own, (h), (i) and (g) in alternating turns; (i) is a bare node:http proxy reading one Redis key per completion (bench/baseline-proxy.ts), the least any proxy with its sessions in Redis adds`,
    ),
    `Metrics: (a) and (b), one session, on two fresh gateways alike but for METRICS_PORT (its listener scraped after the turns), in alternating turns, the order flipped each turn`,
    `Peak RSS, for comparison: baseline (d) ${(r.peakRssBytes.stock / MIB).toFixed(1)} MB, baseline (f) ${(r.peakRssBytes.stockServedLikeGateway / MIB).toFixed(1)} MB`,
    `The many-sessions shape runs on fresh processes of the gateway, (d) and (f) (same settings, same Redis): (c) signs in its ${number(m.sessions)} sessions on that gateway (through fetch, 20 at a time), the stock stack's are made by its POST /login, and each request carries the next session's cookie, built per request for all four alike.`,
  ].join("\n");
}

/** A shape's paths that streamed, each with its label. */
function streamPaths(s: StreamShapeFigures): [string, StreamFigures][] {
  const paths: [string, StreamFigures | undefined][] = [
    ["(h) straight to the stand-in", s.direct],
    ["(i) bare proxy", s.bareProxy],
    ["(g) the gateway's proxy", s.proxied],
    ["(g) with PROXY_SPEND_LIMIT", s.withSpendLimit],
    [`(g) with ${s.variant?.label}`, s.variant?.figures],
  ];
  return paths.filter((path): path is [string, StreamFigures] => path[1] !== undefined);
}

/** Each shape's streams, one row per path: what the goals are computed from. */
function streamsTable(shapes: readonly StreamShapeFigures[]): string {
  const rows = shapes.flatMap((s) => {
    const shape = `${s.concurrency} at a time, ${s.pace.intervalMs} ms pace`;
    return streamPaths(s).map(([label, f]) => [
      `${label}, ${shape}`,
      number(f.streams),
      number(f.events),
      f.p50.toFixed(2),
      f.p99.toFixed(2),
      Number.isNaN(f.cpuMicrosPerEvent) ? "-" : f.cpuMicrosPerEvent.toFixed(1),
      describeCosts(f.redisPerStream),
      String(f.failed),
    ]);
  });
  const failures = shapes.flatMap((s) =>
    streamPaths(s).flatMap(([label, f]) => (f.failure === undefined ? [] : [`first failure, ${label}, ${s.concurrency} at a time: ${f.failure.replace(/\s+/g, " ").slice(0, 160)}`])),
  );
  return [table(["streamed completions", "streams", "chunks", "first byte p50 ms", "p99 ms", "CPU µs/chunk", "Redis commands per stream", "failed"], rows, new Set([1, 2, 3, 4, 5, 7])), ...failures].join("\n");
}

/** `--metrics`: issue 26's goals alone, with the four loads they come from. */
export function formatMetricsReport(m: Measurements["metrics"], settings: { readonly seconds: number; readonly turns: number }): string {
  const loads = [m.a.off, m.a.on, m.b.off, m.b.on];
  return [
    `(a) and (b), metrics off and on, in ${settings.turns} alternating turns of ${settings.seconds / settings.turns} s each`,
    "",
    table(
      ["scenario", "req/s", "p50 ms", "p99 ms", "CPU µs/req", "failed"],
      loads.map((s) => [s.label, number(s.rps), s.p50.toFixed(2), s.p99.toFixed(2), Math.round(s.cpuMicrosPerRequest).toString(), String(s.failed)]),
      new Set([1, 2, 3, 4, 5]),
    ),
    "",
    table(
      ["figure", "value", "goal", ""],
      metricsGoals(m).map((g) => [g.figure, g.value, g.goal, mark(g.met)]),
      new Set(),
    ),
  ].join("\n");
}

/** `--streams`: each shape's goals alone. */
export function formatStreamsReport(shapes: readonly StreamShapeFigures[], settings: { readonly seconds: number; readonly turns: number }): string {
  return [
    `(h), (i) and (g) streamed completions in ${settings.turns} alternating turns of ${settings.seconds / settings.turns} s each, per shape`,
    "",
    streamsTable(shapes),
    "",
    table(
      ["figure", "value", "goal", ""],
      shapes.flatMap(streamShapeGoals).map((g) => [g.figure, g.value, g.goal, mark(g.met)]),
      new Set(),
    ),
  ].join("\n");
}
