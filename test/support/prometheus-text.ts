/**
 * Prometheus' text exposition format, read strictly: every line must be a `# HELP`, a `# TYPE` or
 * a sample of a metric whose TYPE came first, or parsing fails naming the line. What the tests
 * assert on, with `promtool check metrics` (Prometheus' own reader and linter) beside it.
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */
import { spawn } from "node:child_process";

export interface Sample {
  /** The sample's own name (`…_bucket`, `…_count` and `…_sum` for a histogram). */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Scrape {
  readonly text: string;
  readonly samples: readonly Sample[];
  /** Metric family → its TYPE. */
  readonly types: ReadonlyMap<string, string>;
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const HELP = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: -?\\d+)?$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/;

/** A float as Prometheus reads it (Go's ParseFloat): NaN and Inf in any case, as prom-client writes `Nan`. */
function parseValue(text: string, line: string): number {
  if (/^\+?inf(inity)?$/i.test(text)) return Infinity;
  if (/^-inf(inity)?$/i.test(text)) return -Infinity;
  if (/^nan$/i.test(text)) return NaN;
  const value = Number(text);
  if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) || Number.isNaN(value)) throw new Error(`not a sample value: ${line}`);
  return value;
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest !== "") {
    const match = LABEL.exec(rest);
    if (match === null) throw new Error(`malformed labels: ${line}`);
    labels[match[1]!] = match[2]!.replace(/\\(.)/g, (_all, escaped: string) => (escaped === "n" ? "\n" : escaped));
    rest = rest.slice(match[0].length);
  }
  return labels;
}

/** The family a sample belongs to: a histogram's `_bucket`, `_sum` and `_count` belong to it. */
function familyOf(name: string, types: ReadonlyMap<string, string>): string | undefined {
  if (types.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, "");
  return types.get(base) === "histogram" || types.get(base) === "summary" ? base : undefined;
}

export function parsePrometheusText(text: string): Scrape {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (HELP.test(line)) continue;
    const type = TYPE.exec(line);
    if (type !== null) {
      if (types.has(type[1]!)) throw new Error(`TYPE given twice: ${line}`);
      types.set(type[1]!, type[2]!);
      continue;
    }
    const sample = SAMPLE.exec(line);
    if (sample === null) throw new Error(`not a line of the text format: ${line}`);
    if (familyOf(sample[1]!, types) === undefined) throw new Error(`a sample before its TYPE: ${line}`);
    samples.push({ name: sample[1]!, labels: parseLabels(sample[2] ?? "", line), value: parseValue(sample[3]!, line) });
  }
  checkHistograms(samples, types);
  return { text, samples, types };
}

/** Each histogram series: buckets cumulative, ending in +Inf, which equals its _count. */
function checkHistograms(samples: readonly Sample[], types: ReadonlyMap<string, string>): void {
  for (const [family, type] of types) {
    if (type !== "histogram") continue;
    const series = new Map<string, Sample[]>();
    for (const sample of samples.filter((candidate) => candidate.name === `${family}_bucket`)) {
      const { le: _le, ...rest } = sample.labels;
      const key = JSON.stringify(rest);
      series.set(key, [...(series.get(key) ?? []), sample]);
    }
    for (const [key, buckets] of series) {
      const values = buckets.map((bucket) => bucket.value);
      if (values.some((value, index) => index > 0 && value < values[index - 1]!)) throw new Error(`${family}${key}: buckets not cumulative`);
      const last = buckets.at(-1)!;
      if (last.labels.le !== "+Inf") throw new Error(`${family}${key}: no +Inf bucket`);
      const count = samples.find((sample) => sample.name === `${family}_count` && JSON.stringify(sample.labels) === key);
      if (count?.value !== last.value) throw new Error(`${family}${key}: _count ${count?.value} is not the +Inf bucket ${last.value}`);
    }
  }
}

/** The value of the one sample with exactly these labels (0 when there is none: a series not yet made is a count of 0). */
export function valueOf(scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
  const want = JSON.stringify(Object.entries(labels).sort());
  const found = scrape.samples.filter((sample) => sample.name === name && JSON.stringify(Object.entries(sample.labels).sort()) === want);
  if (found.length > 1) throw new Error(`${name} ${want}: ${found.length} samples`);
  return found[0]?.value ?? 0;
}

/** Runs promtool with `stdin` on standard input; resolves with its exit code and output (bounded by `timeoutMs`). */
export function promtool(args: readonly string[], options: { stdin?: string; cwd?: string; timeoutMs?: number } = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("promtool", [...args], { cwd: options.cwd, stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
    child.stdin.end(options.stdin ?? "");
  });
}
