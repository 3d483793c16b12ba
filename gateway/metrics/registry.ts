import type { Request, RequestHandler } from "express";
import { createRequire } from "node:module";
import type * as PromClient from "prom-client";
import type { Registry } from "prom-client";
import { toGatewayError } from "../errors.js";
import { METRICS, PREFIX, type MetricName, type MetricRow } from "./definitions.js";
import { graphqlPlugin } from "./graphql-plugin.js";
import {
  ERROR_CODES,
  OPENROUTER_ENDPOINTS,
  PROXY_ENDPOINTS,
  PROXY_OUTCOMES,
  REFUSAL_CODES,
  STORE_COMMANDS,
  bounded,
  modelLabeller,
  statusLabel,
  type Surface,
} from "./labels.js";
import type { CommandSeries, GatewayMetrics, RouteSeries } from "./recorders.js";
import { ROUTE_LABELS, routeOf, type RouteLabel } from "./routes.js";
import { LabelledCounter, LabelledGauge, LabelledHistogram, type HistogramSeries } from "./series.js";

export interface GatewayMetricsOptions {
  /** PROXY_ALLOWED_MODELS: the only model ids that may appear as labels. */
  readonly allowedModels: readonly string[] | undefined;
}

/**
 * prom-client's process metrics that are gauges named like counters (`_total`), which Prometheus'
 * tools then take for counters (`promtool check metrics` refuses them). Each is the sum of the
 * gauge by type exported beside it (`nodejs_active_handles{type}`), so nothing is lost.
 */
const MISNAMED_DEFAULTS = ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"];

/**
 * prom-client, loaded when a gateway is made with metrics on and not before: metrics are off by
 * default, and prom-client is about 0.5 MB of heap that a gateway without them would carry for nothing.
 * A CommonJS package, so `require` loads it synchronously, as the router is made.
 */
function promClient(): typeof PromClient {
  return createRequire(import.meta.url)("prom-client") as typeof PromClient;
}

type Metric = LabelledCounter | LabelledGauge | LabelledHistogram;
type Made<Name extends MetricName> = (typeof METRICS)[Name]["type"] extends "counter"
  ? LabelledCounter
  : (typeof METRICS)[Name]["type"] extends "gauge"
    ? LabelledGauge
    : LabelledHistogram;

/** Every metric of the table, made once in `registry`. */
function makeAll(registry: Registry): { [Name in MetricName]: Made<Name> } {
  const made: Partial<Record<MetricName, Metric>> = {};
  for (const [name, row] of Object.entries(METRICS) as Array<[MetricName, MetricRow]>) {
    const common = { name: PREFIX + name, help: row.help, labelNames: row.labels };
    const metric =
      row.type === "counter" ? new LabelledCounter(common) : row.type === "gauge" ? new LabelledGauge(common) : new LabelledHistogram({ ...common, buckets: row.buckets ?? [] });
    made[name] = metric.registerIn(registry);
  }
  return made as { [Name in MetricName]: Made<Name> };
}

/**
 * The gateway's metrics: one registry of its own (a host's default registry is never touched),
 * the table's metrics in it, and Node's process metrics under the same prefix.
 */
export function createGatewayMetrics(options: GatewayMetricsOptions): GatewayMetrics {
  const { Registry, collectDefaultMetrics } = promClient();
  const registry = new Registry();
  const m = makeAll(registry);
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(PREFIX + name);
  const modelOf = modelLabeller(options.allowedModels);

  // Each route's series, made once: the request path then pays a Map read and an observation.
  const routes = new Map<RouteLabel, RouteSeries>(ROUTE_LABELS.map((label) => [label, routeSeries(label.surface, label.route)]));
  function routeSeries(surface: Surface, route: string): RouteSeries {
    const byStatus = new Map<number, HistogramSeries>();
    return {
      ended(status, seconds, code) {
        let child = byStatus.get(status);
        if (child === undefined) byStatus.set(status, (child = m.http_request_duration_seconds.labels(surface, route, statusLabel(status))));
        child.observe(seconds);
        if (code !== undefined && REFUSAL_CODES.has(code)) m.refusals_total.labels(surface, code).inc();
      },
    };
  }

  const commands = new Map<string, CommandSeries>();
  const commandSeries = (command: string): CommandSeries => {
    const duration = m.session_store_command_duration_seconds.labels(command);
    const errors = m.session_store_errors_total.labels(command);
    return {
      answered(startedAt, failed) {
        duration.observe(Number(process.hrtime.bigint() - startedAt) / 1e9);
        if (failed) errors.inc();
      },
    };
  };

  const proxyEndpoint = (endpoint: string) => bounded(endpoint, PROXY_ENDPOINTS);
  const positive = (value: number | undefined): value is number => value !== undefined && Number.isFinite(value) && value > 0;

  return {
    registry,
    handler: metricsHandler(registry),
    graphqlPlugin: graphqlPlugin({
      operations: m.graphql_operations_total,
      refused: (code) => m.refusals_total.labels("graphql", code).inc(),
    }),
    route: (req: Request) => routes.get(routeOf(req))!,
    auth: {
      signIn(method, attempt) {
        attempt.then(
          () => {
            m.sign_ins_total.labels(method, "success").inc();
            m.sessions_started_total.labels(method).inc();
            if (method === "oauth") m.oauth_flows_total.labels("completed").inc();
          },
          (error: unknown) => m.sign_ins_total.labels(method, bounded(toGatewayError(error).code, ERROR_CODES)).inc(),
        );
        return attempt;
      },
      oauthFlow: (event, count = 1) => m.oauth_flows_total.labels(event).inc(count),
      sessionEnded: (reason) => m.sessions_ended_total.labels(reason).inc(),
      sessionExpired(record) {
        if (record.auth !== undefined) m.sessions_ended_total.labels("expired").inc();
        else if (record.oauth !== undefined && record.oauth.length > 0) m.oauth_flows_total.labels("expired").inc(record.oauth.length);
      },
    },
    store: {
      up: (ready) => m.session_store_up.set(ready ? 1 : 0),
      command(name) {
        const command = bounded(name, STORE_COMMANDS);
        let series = commands.get(command);
        if (series === undefined) commands.set(command, (series = commandSeries(command)));
        return series;
      },
    },
    openrouter: {
      call(endpoint, status, startedAt) {
        const label = status === "error" ? "error" : statusLabel(status);
        m.openrouter_request_duration_seconds.labels(bounded(endpoint, OPENROUTER_ENDPOINTS), label).observe(Number(process.hrtime.bigint() - startedAt) / 1e9);
      },
    },
    proxy: {
      started: (endpoint) => m.proxy_streams_open.labels(proxyEndpoint(endpoint)).inc(),
      firstByte: (endpoint, seconds) => m.proxy_first_byte_seconds.labels(proxyEndpoint(endpoint)).observe(seconds),
      ended(endpoint, outcome, bytes) {
        const label = proxyEndpoint(endpoint);
        m.proxy_streams_open.labels(label).dec();
        m.proxy_requests_total.labels(label, bounded(outcome, PROXY_OUTCOMES)).inc();
        if (positive(bytes)) m.proxy_response_bytes_total.labels(label).inc(bytes);
      },
      spent(model, usage) {
        const label = modelOf(model);
        if (positive(usage.promptTokens)) m.proxy_tokens_total.labels(label, "prompt").inc(usage.promptTokens);
        if (positive(usage.completionTokens)) m.proxy_tokens_total.labels(label, "completion").inc(usage.completionTokens);
        if (positive(usage.credits)) m.proxy_credits_spent_total.labels(label).inc(usage.credits);
      },
    },
  };
}

/** `GET /metrics` (and HEAD) in Prometheus' text format; only plain Node request and response features are used. */
function metricsHandler(registry: Registry): RequestHandler {
  return (req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.statusCode = 405;
      res.setHeader("allow", "GET, HEAD");
      res.end();
      return;
    }
    registry.metrics().then(
      (text) => {
        res.statusCode = 200;
        res.setHeader("content-type", registry.contentType);
        res.setHeader("cache-control", "no-store");
        res.end(req.method === "HEAD" ? undefined : text);
      },
      () => {
        res.statusCode = 500;
        res.setHeader("content-type", "text/plain; charset=utf-8");
        res.end("metrics unavailable\n");
      },
    );
  };
}
