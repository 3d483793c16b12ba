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
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
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

export function summariseProfile(path: string, top = 20): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const selfUs = new Map<string, number>();
  const partUs = new Map<string, number>();
  const moduleUs = new Map<string, number>();
  let busyUs = 0;
  let idleUs = 0;
  profile.samples.forEach((id, index) => {
    const us = profile.timeDeltas[index] ?? 0;
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
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const callFrame = byId.get(at)!.callFrame;
      if (charged === undefined && callFrame.url !== "") charged = moduleOf(callFrame.url);
      for (const [part, matches] of PARTS) if (!seen.has(part) && matches(callFrame)) seen.add(part);
    }
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
  };
}

export function formatProfileSummary(summary: ProfileSummary): string {
  const pct = (share: number) => `${(share * 100).toFixed(1).padStart(5)} %`;
  const lines = [
    `CPU profile: ${(summary.busyMs / 1000).toFixed(2)} s busy, ${(summary.idleMs / 1000).toFixed(2)} s idle`,
    "",
    "Top functions by self time (share of busy time):",
    ...summary.topSelf.map((row) => `  ${pct(row.share)}  ${row.fn.padEnd(36).slice(0, 36)}  ${row.where}`),
    "",
    "Self time by module (native code charged to its JS caller):",
    ...summary.modules.map((row) => `  ${pct(row.share)}  ${row.module}`),
    "",
    "Inclusive time of the parts the issue names (a sample counts once per part):",
    ...summary.parts.map((row) => `  ${pct(row.share)}  ${row.part}`),
  ];
  return lines.join("\n");
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (file === undefined) {
    console.error("usage: node --import tsx bench/profile-summary.ts <file.cpuprofile>");
    process.exit(2);
  }
  console.log(formatProfileSummary(summariseProfile(file)));
}
