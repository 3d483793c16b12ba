import type { Metric } from "prom-client";

/**
 * The gateway's counters, gauges and histograms: prom-client's exposition (the registry formats
 * them, with the process metrics, exactly as it formats its own types), with a recording path of
 * a few additions. prom-client 15's own types rebuild a label object and hash it into a string on
 * every observation, even through a child from `labels()`: 0.5 µs an observation, where a signed-in
 * status read costs the gateway about 100 µs and metrics may take 3 % of it. Here `labels()` makes
 * a series once and every later call with the same values returns it; the gateway keeps the ones
 * its request path uses, so recording is an increment, or a bucket search and two additions.
 */

/** One value of a metric as prom-client's registry formats it. */
interface ExportedValue {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly metricName?: string;
}

/** What prom-client's registry reads of a metric: its name, help and type, and its values on a scrape. */
interface Exported {
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "gauge" | "histogram";
  readonly aggregator: "sum";
  readonly values: ExportedValue[];
}

export interface MetricOptions {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
}

/** The series of one metric by label values, made on first use and kept. */
abstract class Labelled<Series> {
  readonly name: string;
  readonly help: string;
  readonly aggregator = "sum" as const;
  protected readonly labelNames: readonly string[];
  readonly #series = new Map<string, { readonly labels: Readonly<Record<string, string>>; readonly series: Series }>();

  constructor(options: MetricOptions) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
  }

  /** The series for these label values, in the order of `labelNames`. */
  labels(...values: string[]): Series {
    if (values.length !== this.labelNames.length) throw new Error(`${this.name}: expected ${this.labelNames.length} label values, got ${values.length}`);
    const key = values.join("\u0000");
    let made = this.#series.get(key);
    if (made === undefined) {
      const labels = Object.fromEntries(this.labelNames.map((name, index) => [name, values[index]!]));
      this.#series.set(key, (made = { labels, series: this.create() }));
    }
    return made.series;
  }

  /** Forgets every series (prom-client's `Registry.resetMetrics`). */
  reset(): void {
    this.#series.clear();
  }

  /** What the registry formats on a scrape. */
  async get(): Promise<Exported> {
    // A metric without labels has its one series from the start, as prom-client's has.
    if (this.labelNames.length === 0) this.labels();
    const values: ExportedValue[] = [];
    for (const { labels, series } of this.#series.values()) this.export(series, labels, values);
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** Registers this metric in prom-client's `registry`, beside prom-client's own. */
  registerIn(registry: { registerMetric(metric: Metric): void }): this {
    // The registry reads only what `Exported` holds; its parameter type names prom-client's classes.
    registry.registerMetric(this as unknown as Metric);
    return this;
  }

  abstract readonly type: Exported["type"];
  protected abstract create(): Series;
  protected abstract export(series: Series, labels: Readonly<Record<string, string>>, into: ExportedValue[]): void;
}

export interface CounterSeries {
  inc(by?: number): void;
}

export class LabelledCounter extends Labelled<CounterSeries> {
  readonly type = "counter" as const;
  protected create(): CounterSeries & { value: number } {
    return {
      value: 0,
      inc(by = 1) {
        if (!(by >= 0)) throw new Error(`a counter only goes up (by ${by})`);
        this.value += by;
      },
    };
  }
  protected export(series: CounterSeries & { value: number }, labels: Readonly<Record<string, string>>, into: ExportedValue[]): void {
    into.push({ value: series.value, labels });
  }
}

export interface GaugeSeries {
  set(value: number): void;
  inc(by?: number): void;
  dec(by?: number): void;
}

export class LabelledGauge extends Labelled<GaugeSeries> {
  readonly type = "gauge" as const;
  /** Sets a gauge without labels. */
  set(value: number): void {
    this.labels().set(value);
  }
  protected create(): GaugeSeries & { value: number } {
    return {
      value: 0,
      set(value) {
        this.value = value;
      },
      inc(by = 1) {
        this.value += by;
      },
      dec(by = 1) {
        this.value -= by;
      },
    };
  }
  protected export(series: GaugeSeries & { value: number }, labels: Readonly<Record<string, string>>, into: ExportedValue[]): void {
    into.push({ value: series.value, labels });
  }
}

export interface HistogramSeries {
  observe(value: number): void;
}

/** A histogram's series: a count per bucket (not cumulative: each observation adds to one), the sum and the count. */
interface HistogramState extends HistogramSeries {
  readonly buckets: Float64Array;
  sum: number;
  count: number;
}

export class LabelledHistogram extends Labelled<HistogramSeries> {
  readonly type = "histogram" as const;
  readonly #bounds: Float64Array;

  constructor(options: MetricOptions & { readonly buckets: readonly number[] }) {
    super(options);
    this.#bounds = Float64Array.from([...options.buckets].sort((a, b) => a - b));
  }

  protected create(): HistogramState {
    const bounds = this.#bounds;
    const metric = this.name;
    return {
      // One more than the bounds: the last counts what is above every bound (+Inf).
      buckets: new Float64Array(bounds.length + 1),
      sum: 0,
      count: 0,
      observe(value) {
        if (!Number.isFinite(value)) throw new TypeError(`${metric}: not a finite number: ${value}`);
        let bucket = 0;
        while (bucket < bounds.length && value > bounds[bucket]!) bucket++;
        this.buckets[bucket]! += 1;
        this.sum += value;
        this.count += 1;
      },
    };
  }

  protected export(series: HistogramState, labels: Readonly<Record<string, string>>, into: ExportedValue[]): void {
    let cumulative = 0;
    for (let bucket = 0; bucket <= this.#bounds.length; bucket++) {
      cumulative += series.buckets[bucket]!;
      into.push({ value: cumulative, labels: { le: bucket < this.#bounds.length ? this.#bounds[bucket]! : "+Inf", ...labels }, metricName: `${this.name}_bucket` });
    }
    into.push({ value: series.sum, labels, metricName: `${this.name}_sum` });
    into.push({ value: series.count, labels, metricName: `${this.name}_count` });
  }
}
