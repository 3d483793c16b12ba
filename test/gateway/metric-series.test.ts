import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { LabelledCounter, LabelledGauge, LabelledHistogram } from "../../gateway/metrics/series.js";

/**
 * The gateway records its metrics in series of its own (gateway/metrics/series.ts) and lets
 * prom-client's registry format them. What a scrape shows must be exactly what prom-client's own
 * types show for the same recordings: the same lines, values and label escaping.
 */

const BUCKETS = [0.001, 0.01, 0.1, 1];
/** Label values a scrape must escape, beside plain ones. */
const AWKWARD = ['say "hi"', "back\\slash", "new\nline"];

interface Recorder {
  counter(labels: readonly string[], by?: number): void;
  gauge(labels: readonly string[], op: "set" | "inc" | "dec", value: number): void;
  up(value: number): void;
  observe(labels: readonly string[], value: number): void;
}

function prom(registry: Registry): Recorder {
  const counter = new Counter({ name: "t_events_total", help: "Events.", labelNames: ["kind", "outcome"], registers: [registry] });
  const gauge = new Gauge({ name: "t_open", help: "Open.", labelNames: ["kind"], registers: [registry] });
  const up = new Gauge({ name: "t_up", help: "Up.", registers: [registry] });
  const histogram = new Histogram({ name: "t_duration_seconds", help: "Durations.", labelNames: ["kind"], buckets: BUCKETS, registers: [registry] });
  return {
    counter: (labels, by) => counter.labels(...labels).inc(by),
    gauge: (labels, op, value) => gauge.labels(...labels)[op](value),
    up: (value) => up.set(value),
    observe: (labels, value) => histogram.labels(...labels).observe(value),
  };
}

function ours(registry: Registry): Recorder {
  const counter = new LabelledCounter({ name: "t_events_total", help: "Events.", labelNames: ["kind", "outcome"] }).registerIn(registry);
  const gauge = new LabelledGauge({ name: "t_open", help: "Open.", labelNames: ["kind"] }).registerIn(registry);
  const up = new LabelledGauge({ name: "t_up", help: "Up.", labelNames: [] }).registerIn(registry);
  const histogram = new LabelledHistogram({ name: "t_duration_seconds", help: "Durations.", labelNames: ["kind"], buckets: BUCKETS }).registerIn(registry);
  return {
    counter: (labels, by) => counter.labels(...labels).inc(by),
    gauge: (labels, op, value) => gauge.labels(...labels)[op](value),
    up: (value) => up.set(value),
    observe: (labels, value) => histogram.labels(...labels).observe(value),
  };
}

/** The same recordings, in the same order, into `recorder`. */
function record(recorder: Recorder): void {
  for (const kind of ["a", ...AWKWARD]) {
    recorder.counter([kind, "ok"]);
    recorder.counter([kind, "ok"], 2.5);
    recorder.counter([kind, "failed"], 0);
    recorder.gauge([kind], "inc", 3);
    recorder.gauge([kind], "dec", 1);
    // On each bound, between bounds, below the first and above the last (+Inf).
    for (const value of [0, 0.0005, ...BUCKETS, 0.05, 7]) recorder.observe([kind], value);
  }
  recorder.gauge(["b"], "set", -2);
  recorder.up(1);
}

describe("the gateway's metric series", () => {
  it("scrape exactly as prom-client's own counters, gauges and histograms do, for the same recordings", async () => {
    const [theirs, mine] = [new Registry(), new Registry()];
    const [theirRecorder, myRecorder] = [prom(theirs), ours(mine)];
    assert.equal(await mine.metrics(), await theirs.metrics(), "before any recording");
    record(theirRecorder);
    record(myRecorder);
    const text = await mine.metrics();
    assert.equal(text, await theirs.metrics());
    assert.match(text, /^t_duration_seconds_bucket\{le="\+Inf",kind="a"\} 8$/m);
  });

  it("refuse what prom-client refuses: a counter going down, an observation that is not a number, the wrong number of labels", () => {
    const registry = new Registry();
    const counter = new LabelledCounter({ name: "t_total", help: "T.", labelNames: ["kind"] }).registerIn(registry);
    const histogram = new LabelledHistogram({ name: "t_seconds", help: "T.", labelNames: [], buckets: BUCKETS }).registerIn(registry);
    assert.throws(() => counter.labels("a").inc(-1));
    assert.throws(() => histogram.labels().observe(Number.NaN));
    assert.throws(() => counter.labels());
  });
});
