/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): the top functions by self time, and
 * the inclusive share of the parts the issue asks about (GraphQL parse/validate/execute, Fernet,
 * the session middleware and its Redis calls, logging, JSON, HTTP). Run on its own with
 * `node --import tsx bench/profile-summary.ts <file.cpuprofile>`, or through `npm run bench -- --profile`.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  /** Microseconds on the monotonic clock (the one `process.hrtime` reads in every process of the machine). */
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/**
 * The part of a profile to summarise, on the monotonic clock in microseconds (`process.hrtime.bigint() / 1000n`
 * in the bench's own process reads the same clock as the profiled one): the measured run only, without
 * start-up, warm-up or the sign-ins that made its sessions.
 */
export interface ProfileWindow {
  readonly fromUs: number;
  readonly toUs: number;
}

export interface ProfileSummary {
  /** Sampled time outside "(idle)", in ms. */
  readonly busyMs: number;
  readonly idleMs: number;
  readonly topSelf: ReadonlyArray<{ readonly fn: string; readonly where: string; readonly ms: number; readonly share: number }>;
  /** Inclusive time per part (a sample counts once per part whatever its depth); shares of busy time. */
  readonly parts: ReadonlyArray<{ readonly part: string; readonly ms: number; readonly share: number }>;
  /** Self time by module, native code charged to the JS that called it; a partition of busy time. */
  readonly modules: ReadonlyArray<{ readonly module: string; readonly ms: number; readonly share: number }>;
  /** Busy time by component of the request path (see COMPONENTS); also a partition of busy time. */
  readonly components: ReadonlyArray<{ readonly component: string; readonly ms: number; readonly share: number }>;
}

/**
 * The components of a request's path, by the package or file of the innermost frame on the stack
 * that is not Node's own: Node's code (sockets, streams, timers) is charged to the library that
 * called it, or to Node's HTTP server when only Node's code is on the stack. So a log line's
 * write is logging, a Redis command's write is the Redis client, an answer's write is HTTP.
 */
const COMPONENTS: ReadonlyArray<readonly [string, RegExp]> = [
  ["logging (pino, the request log, its writes)", /\/node_modules\/(pino|sonic-boom|@pinojs|fast-redact|pino-std-serializers|thread-stream|on-exit-leak-free)\/|\/gateway\/(http\/request-log|logging\/)/],
  ["Redis client (ioredis, its socket)", /\/node_modules\/(ioredis|redis-parser|standard-as-callback|denque|cluster-key-slot|redis-errors)\//],
  ["session (cookie, HMAC, Fernet, connect-redis, express-session)", /\/node_modules\/(cookie|cookie-signature|express-session|connect-redis|uid-safe|random-bytes|on-headers)\/|\/gateway\/(session|crypto)\//],
  ["graphql-js (execution) and the resolvers", /\/node_modules\/graphql\/|\/gateway\/graphql\/resolvers|\/gateway\/auth\//],
  ["Apollo Server (request pipeline) and graphql-armor", /\/node_modules\/(@apollo|@escape\.tech|negotiator|whatwg-mimetype|lru-cache)\/|\/gateway\/graphql\//],
  ["body parsing (the JSON body reader, express.json)", /\/node_modules\/(body-parser|raw-body|iconv-lite|content-type|type-is|media-typer|bytes|http-errors|unpipe|destroy)\/|\/gateway\/http\/json-body/],
  ["helmet, CORS, origin guard", /\/node_modules\/helmet\/|\/gateway\/http\/(security-headers|cors|origin-guard)/],
  ["Express and its router", /\/node_modules\/(express|router|path-to-regexp|finalhandler|parseurl|proxy-addr|forwarded|ipaddr\.js|vary|depd|send|serve-static|qs|statuses|encodeurl|escape-html|on-finished|ee-first|mime-types|mime-db|accepts|fresh|range-parser|content-disposition|etag|methods|merge-descriptors|setprototypeof|safe-buffer)\//],
  ["calls to OpenRouter (the key checks and the proxy's forwarding, over node:http)", /\/gateway\/proxy\/|\/gateway\/openrouter\/|node:internal\/deps\/undici|node:internal\/webstreams/],
  // The gateway compiled for the bench lives in bench/.build/gateway/: that is the gateway's own code.
  ["the bench's harness and its own servers", /\/bench\/(?!\.build\/gateway\/)|\/dev\//],
];
const NODE_HTTP = "Node's HTTP server and sockets (parser, writes, timers)";
/** Components whose sockets or files are their own: Node's stream code under them stays theirs. */
const OWN_SOCKETS = new Set([COMPONENTS[0]![0], COMPONENTS[1]![0], COMPONENTS[8]![0]]);
const START_UP = "start-up (module loading, compiling)";
const OTHER = "other (the gateway's own code, other packages)";

function componentOf(url: string): string | undefined {
  if (url === "") return undefined;
  for (const [component, pattern] of COMPONENTS) if (pattern.test(url)) return component;
  // Node's own code, except undici and web streams (matched above): charged further up the stack.
  return url.startsWith("node:") ? undefined : OTHER;
}

/**
 * Parts of the request path the issue names, recognised by a frame on the stack, inclusive of
 * what they call. Only parts that do not call on into the rest of the request belong here:
 * middleware (express-session, body parsing, cors, the request log's middleware) calls `next()`,
 * so the whole downstream would count as its own; those show in the self-time-by-module table.
 */
const PARTS: ReadonlyArray<readonly [string, (frame: CallFrame) => boolean]> = [
  ["GraphQL parse", (f) => f.url.includes("/graphql/language/")],
  ["GraphQL validate", (f) => f.url.includes("/graphql/validation/")],
  ["GraphQL execute (resolvers included)", (f) => f.url.includes("/graphql/execution/")],
  ["Fernet decrypt (session read)", (f) => /\/gateway\/crypto\/fernet\.[jt]s$/.test(f.url) && /decrypt/i.test(f.functionName)],
  ["Fernet encrypt (session write)", (f) => /\/gateway\/crypto\/fernet\.[jt]s$/.test(f.url) && /encrypt/i.test(f.functionName)],
  ["logging: pino, redaction and the write to stdout", (f) => /\/node_modules\/(pino|sonic-boom|fast-redact|@pinojs\/redact|pino-std-serializers|thread-stream)\//.test(f.url)],
  ["ioredis (commands, parsing replies)", (f) => f.url.includes("/ioredis/") || f.url.includes("/redis-parser/")],
  ["cookie signature (HMAC of the session cookie)", (f) => f.url.includes("/cookie-signature/")],
  ["express-session's hash of the record (change detection)", (f) => f.url.includes("/express-session/") && f.functionName === "hash"],
  ["JSON.parse / JSON.stringify", (f) => f.url === "" && (f.functionName === "parse" || f.functionName === "stringify")],
];

/** Which module a JS frame belongs to: an npm package, one of our files, or a Node core module. */
function moduleOf(url: string): string {
  const modules = url.lastIndexOf("/node_modules/");
  if (modules !== -1) {
    const [first, second] = url.slice(modules + "/node_modules/".length).split("/");
    return first!.startsWith("@") ? `${first}/${second}` : first!;
  }
  const compiled = url.indexOf("/bench/.build/");
  if (compiled !== -1) return url.slice(compiled + "/bench/.build/".length);
  const repo = url.search(/\/(gateway|bench)\//);
  if (repo !== -1) return url.slice(repo + 1);
  if (url.startsWith("node:")) {
    const name = url.slice("node:".length).replace(/^internal\//, "");
    if (/^_http_|^http/.test(name)) return "node: http";
    return `node: ${name.split("/")[0]!.replace(/^_/, "")}`;
  }
  return url;
}

function shortUrl(url: string): string {
  if (url === "") return "(native)";
  const modules = url.lastIndexOf("/node_modules/");
  if (modules !== -1) return url.slice(modules + "/node_modules/".length);
  const repo = url.search(/\/(gateway|bench|widget)\//);
  // Compiled for the bench: bench/.build/gateway/... is gateway/...
  const compiled = url.indexOf("/bench/.build/");
  if (compiled !== -1) return url.slice(compiled + "/bench/.build/".length);
  return repo !== -1 ? url.slice(repo + 1) : url.replace(/^file:\/\//, "");
}

export function summariseProfile(path: string, top = 20, window?: ProfileWindow): ProfileSummary {
  return summarise(JSON.parse(readFileSync(path, "utf8")) as CpuProfile, top, window);
}

/** A node of a `.heapprofile` (V8's sampling heap profiler): a call tree, with its samples beside it. */
interface HeapProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children: readonly HeapProfileNode[];
}

/**
 * What was allocated, summarised like time: a heap profile is the same call tree with bytes where
 * a CPU profile has microseconds, so every figure of the summary is in kilobytes where it would be
 * in milliseconds (`busyMs` is the kilobytes allocated in all).
 */
export function summariseAllocations(path: string, top = 20): ProfileSummary {
  const heap = JSON.parse(readFileSync(path, "utf8")) as { head: HeapProfileNode; samples: ReadonlyArray<{ size: number; nodeId: number }> };
  const nodes: ProfileNode[] = [];
  const flatten = (node: HeapProfileNode) => {
    nodes.push({ id: node.id, callFrame: node.callFrame, children: node.children.map((child) => child.id) });
    for (const child of node.children) flatten(child);
  };
  flatten(heap.head);
  return summarise({ nodes, startTime: 0, samples: heap.samples.map((sample) => sample.nodeId), timeDeltas: heap.samples.map((sample) => sample.size) }, top);
}

function summarise(profile: CpuProfile, top: number, window?: ProfileWindow): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const selfUs = new Map<string, number>();
  const partUs = new Map<string, number>();
  const moduleUs = new Map<string, number>();
  const componentUs = new Map<string, number>();
  let busyUs = 0;
  let idleUs = 0;
  let sampledAt = profile.startTime;
  profile.samples.forEach((id, index) => {
    const us = profile.timeDeltas[index] ?? 0;
    sampledAt += us;
    if (window !== undefined && (sampledAt < window.fromUs || sampledAt > window.toUs)) return;
    const node = byId.get(id)!;
    if (node.callFrame.functionName === "(idle)") {
      idleUs += us;
      return;
    }
    busyUs += us;
    const frame = node.callFrame;
    const key = `${frame.functionName || "(anonymous)"}\t${shortUrl(frame.url)}${frame.url === "" ? "" : `:${frame.lineNumber + 1}`}`;
    selfUs.set(key, (selfUs.get(key) ?? 0) + us);
    const seen = new Set<string>();
    let charged: string | undefined = frame.url === "" && frame.functionName.startsWith("(") ? frame.functionName : undefined;
    let component: string | undefined = charged;
    let startUp = false;
    let passedNodeHttp = false;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const callFrame = byId.get(at)!.callFrame;
      if (charged === undefined && callFrame.url !== "") charged = moduleOf(callFrame.url);
      // undici and web streams are Node's own files, but they are the proxy's upstream calls.
      if (component === undefined) {
        if (/^node:(_http_|net$|internal\/stream_base_commons|internal\/streams\/)/.test(callFrame.url)) passedNodeHttp = true;
        component = componentOf(callFrame.url);
        // An answer written from a route handler is still Node's HTTP work; a Redis command's or a log line's write is not.
        if (component !== undefined && passedNodeHttp && !OWN_SOCKETS.has(component)) component = NODE_HTTP;
      }
      if (/^node:internal\/(modules|bootstrap)\//.test(callFrame.url) || callFrame.functionName === "compileForInternalLoader") startUp = true;
      for (const [part, matches] of PARTS) if (!seen.has(part) && matches(callFrame)) seen.add(part);
    }
    component = startUp ? START_UP : (component ?? NODE_HTTP);
    componentUs.set(component, (componentUs.get(component) ?? 0) + us);
    charged ??= "(native, no JS caller)";
    moduleUs.set(charged, (moduleUs.get(charged) ?? 0) + us);
    for (const part of seen) partUs.set(part, (partUs.get(part) ?? 0) + us);
  });

  const share = (us: number) => (busyUs === 0 ? 0 : us / busyUs);
  return {
    busyMs: busyUs / 1000,
    idleMs: idleUs / 1000,
    topSelf: [...selfUs]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, us]) => {
        const [fn, where] = key.split("\t") as [string, string];
        return { fn, where, ms: us / 1000, share: share(us) };
      }),
    parts: PARTS.map(([part]) => ({ part, ms: (partUs.get(part) ?? 0) / 1000, share: share(partUs.get(part) ?? 0) })),
    modules: [...moduleUs]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([module, us]) => ({ module, ms: us / 1000, share: share(us) })),
    components: [...componentUs].sort((a, b) => b[1] - a[1]).map(([component, us]) => ({ component, ms: us / 1000, share: share(us) })),
  };
}

/** `per`: how many requests (or chunks) the summarised time served, to show each component's time per one of them too. */
export function formatProfileSummary(summary: ProfileSummary, per?: { readonly count: number; readonly unit: string }): string {
  const pct = (share: number) => `${(share * 100).toFixed(1).padStart(5)} %`;
  const each = (ms: number) => (per === undefined || per.count === 0 ? "" : `  ${Math.round((ms * 1000) / per.count).toLocaleString("en-US").padStart(6)} µs/${per.unit}`);
  const lines = [
    `CPU profile: ${(summary.busyMs / 1000).toFixed(2)} s busy, ${(summary.idleMs / 1000).toFixed(2)} s idle${each(summary.busyMs)}`,
    "",
    "Top functions by self time (share of busy time):",
    ...summary.topSelf.map((row) => `  ${pct(row.share)}  ${row.fn.padEnd(36).slice(0, 36)}  ${row.where}`),
    "",
    "Self time by module (native code charged to its JS caller):",
    ...summary.modules.map((row) => `  ${pct(row.share)}  ${row.module}`),
    "",
    "Busy time by component (Node's own code charged to the library that called it):",
    ...summary.components.map((row) => `  ${pct(row.share)}${each(row.ms)}  ${row.component}`),
    "",
    "Inclusive time of the parts the issue names (a sample counts once per part):",
    ...summary.parts.map((row) => `  ${pct(row.share)}${each(row.ms)}  ${row.part}`),
  ];
  return lines.join("\n");
}

/**
 * `per`: how many requests the allocations served, to show each component's bytes per request.
 * `survivorsOnly`: the profile holds only what outlived a young collection (`--survivors`).
 */
export function formatAllocationSummary(summary: ProfileSummary, per: { readonly count: number; readonly unit: string }, survivorsOnly = false): string {
  const pct = (share: number) => `${(share * 100).toFixed(1).padStart(5)} %`;
  const each = (kilobytes: number) => `  ${((kilobytes * 1000) / per.count / 1024).toFixed(1).padStart(6)} KB/${per.unit}`;
  return [
    `${survivorsOnly ? "Outlived a young collection" : "Allocated"}: ${(summary.busyMs / 1000).toFixed(1)} MB${each(summary.busyMs)}`,
    "",
    "By component (Node's own code charged to the library that called it):",
    ...summary.components.map((row) => `  ${pct(row.share)}${each(row.ms)}  ${row.component}`),
    "",
    "Top allocating functions:",
    ...summary.topSelf.map((row) => `  ${pct(row.share)}${each(row.ms)}  ${row.fn.padEnd(36).slice(0, 36)}  ${row.where}`),
  ].join("\n");
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (file === undefined) {
    console.error("usage: node --import tsx bench/profile-summary.ts <file.cpuprofile>");
    process.exit(2);
  }
  console.log(formatProfileSummary(summariseProfile(file)));
}
