/**
 * Every metric the gateway exports (docs/contract.md §13), one row each: name, type, what it
 * means, and its labels. docs/operating.md's table is this one in prose; the alert rules in
 * docs/prometheus/ read these names. Names follow Prometheus' conventions: the `openrouter_auth_`
 * prefix, base units (`_seconds`, `_bytes`), counters ending in `_total`. Every label takes its
 * values from a bounded set (labels.ts): never a key, a session id, a user id, an address or a
 * raw path.
 * @see https://prometheus.io/docs/practices/naming/
 */
export const PREFIX = "openrouter_auth_";

/** Latency buckets for what the gateway answers itself and what it asks Redis and OpenRouter, in seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Redis answers in well under a millisecond when healthy; the gateway gives up after a second. */
const STORE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
/** A model's first token can take tens of seconds. */
const FIRST_BYTE_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80];

export interface MetricRow {
  readonly type: "counter" | "gauge" | "histogram";
  readonly help: string;
  readonly labels: readonly string[];
  readonly buckets?: readonly number[];
}

export const METRICS = {
  http_request_duration_seconds: {
    type: "histogram",
    help: "Requests to the gateway's own paths, from arrival until the response closed, by surface (graphql, rest, proxy, element, health), route template and HTTP status (499: the client left before any answer).",
    labels: ["surface", "route", "status"],
    buckets: LATENCY_BUCKETS,
  },
  refusals_total: {
    type: "counter",
    help: "Requests refused with a 4xx code of the gateway's error vocabulary (attempt limits, origin, input, policy, proxy limits, spend budget), by surface and code.",
    labels: ["surface", "code"],
  },
  graphql_operations_total: {
    type: "counter",
    help: "GraphQL operations by root field of the schema (multiple, introspection or unknown otherwise) and outcome (success, refused, failed).",
    labels: ["operation", "outcome"],
  },
  sign_ins_total: {
    type: "counter",
    help: "Sign-in attempts (validateKey without validateOnly, completeOAuth, the OAuth callback) by method and outcome (success, or the error code).",
    labels: ["method", "outcome"],
  },
  oauth_flows_total: {
    type: "counter",
    help: "OAuth sign-in flows by event: started, completed, failed (refused at the callback), expired (found past its ten minutes).",
    labels: ["event"],
  },
  sessions_started_total: {
    type: "counter",
    help: "Signed-in sessions started, by sign-in method.",
    labels: ["method"],
  },
  sessions_ended_total: {
    type: "counter",
    help: "Signed-in sessions ended, by reason: sign_out, expired (past its lifetime when next read), revoked (OpenRouter no longer accepts its key).",
    labels: ["reason"],
  },
  session_store_up: {
    type: "gauge",
    help: "1 while the session store's connection is ready (always 1 for the in-process store), 0 while Redis is unreachable.",
    labels: [],
  },
  session_store_command_duration_seconds: {
    type: "histogram",
    help: "Redis commands the gateway sent, from sending until answered or failed, by command.",
    labels: ["command"],
    buckets: STORE_BUCKETS,
  },
  session_store_errors_total: {
    type: "counter",
    help: "Redis commands that failed (refused, timed out, connection down, an error reply), by command.",
    labels: ["command"],
  },
  openrouter_request_duration_seconds: {
    type: "histogram",
    help: "The gateway's own calls to OpenRouter's API (not the proxy's), until the answer's headers, by endpoint and status (error: no answer at all).",
    labels: ["endpoint", "status"],
    buckets: LATENCY_BUCKETS,
  },
  proxy_requests_total: {
    type: "counter",
    help: "Proxied OpenRouter requests that reached the forwarder, by endpoint and outcome.",
    labels: ["endpoint", "outcome"],
  },
  proxy_streams_open: {
    type: "gauge",
    help: "Proxied requests running now (streamed or not), by endpoint.",
    labels: ["endpoint"],
  },
  proxy_first_byte_seconds: {
    type: "histogram",
    help: "Time from a proxied request's arrival to the first byte of OpenRouter's answer, by endpoint.",
    labels: ["endpoint"],
    buckets: FIRST_BYTE_BUCKETS,
  },
  proxy_response_bytes_total: {
    type: "counter",
    help: "Bytes of OpenRouter's answers passed on to clients, by endpoint.",
    labels: ["endpoint"],
  },
  proxy_tokens_total: {
    type: "counter",
    help: "Tokens OpenRouter reported for proxied requests, by model (other unless listed in PROXY_ALLOWED_MODELS) and kind (prompt, completion).",
    labels: ["model", "kind"],
  },
  proxy_credits_spent_total: {
    type: "counter",
    help: "Credits (US dollars) OpenRouter reported as the cost of proxied requests, by model (other unless listed in PROXY_ALLOWED_MODELS).",
    labels: ["model"],
  },
} as const satisfies Record<string, MetricRow>;

export type MetricName = keyof typeof METRICS;
