import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import type { Request, RequestHandler } from "express";
import type { Registry } from "prom-client";
import type { ErrorCode } from "../errors.js";
import type { OAuthEvent, SessionEndReason, SignInMethod } from "./labels.js";

/**
 * What the gateway's parts call to be counted: each takes values of its own (never a caller's
 * text) and bounds them (labels.ts). Every part holds an optional `GatewayMetrics` and calls it
 * as `metrics?.…`, so that with metrics off the call costs one check.
 */
export interface GatewayMetrics {
  /** The gateway's own registry (never prom-client's default one): a host may merge it with its own. */
  readonly registry: Registry;
  /** `GET /metrics` in Prometheus' text format, for a host to mount where it likes, behind its own protection. */
  readonly handler: RequestHandler;
  /** GraphQL operations by root field and outcome, and GraphQL refusals by code. */
  readonly graphqlPlugin: ApolloServerPlugin<BaseContext>;
  /** The series of the route a request to the gateway's own paths is for (by the request log). */
  route(req: Request): RouteSeries;
  readonly auth: AuthMetrics;
  readonly store: StoreMetrics;
  readonly openrouter: OpenRouterMetrics;
  readonly proxy: ProxyMetrics;
}

/** One route's requests: latency by status, and refusals by code. */
export interface RouteSeries {
  /**
   * A request answered: its status, its duration, and the vocabulary's code when the gateway
   * answered an error itself (counted as a refusal when the code's status is 4xx).
   */
  ended(status: number, seconds: number, code: ErrorCode | undefined): void;
}

export interface AuthMetrics {
  /**
   * Counts a sign-in attempt once it settles: success (and a session started), or the code it
   * failed with. Returns the same promise.
   */
  signIn<T>(method: SignInMethod, attempt: Promise<T>): Promise<T>;
  oauthFlow(event: OAuthEvent, count?: number): void;
  sessionEnded(reason: SessionEndReason): void;
  /**
   * A stored session found past its lifetime and ended: a signed-in one is a session ended by
   * expiry, one that held only pending OAuth flows ends them as expired.
   */
  sessionExpired(record: { readonly auth?: unknown; readonly oauth?: readonly unknown[] | undefined }): void;
}

export interface StoreMetrics {
  /** Whether the session store's connection is ready. */
  up(ready: boolean): void;
  /** The series of one Redis command (by its name, e.g. `get`). */
  command(name: string): CommandSeries;
}

export interface CommandSeries {
  /** The command was answered (or `failed`), having been sent at `startedAt` (`process.hrtime.bigint()`). */
  answered(startedAt: bigint, failed: boolean): void;
}

export interface OpenRouterMetrics {
  /**
   * One call of the gateway's own OpenRouter client: the API path, OpenRouter's status ("error"
   * when there was no answer), and `process.hrtime.bigint()` when it began.
   */
  call(endpoint: string, status: number | "error", startedAt: bigint): void;
}

/**
 * The proxy's metrics (docs/operating.md): what the proxy calls for each request it forwards.
 * `endpoint` is the path below the proxy's base URL (`/chat/completions`, `/responses`, …);
 * `outcome` one of the proxy's access-log outcomes (`completed`, `upstream-error`,
 * `upstream-failed`, `client-left`, `gateway-closed`, `refused`, `failed`); `model` the model the
 * request asked for. Anything outside those sets is recorded as `other`.
 */
export interface ProxyMetrics {
  /** A request goes upstream: one more open. */
  started(endpoint: string): void;
  /** OpenRouter's first byte arrived, `seconds` after the request did. */
  firstByte(endpoint: string, seconds: number): void;
  /** The request is over: one less open, counted by outcome, with the bytes passed on. */
  ended(endpoint: string, outcome: string, bytes: number): void;
  /** What OpenRouter reported the request used: tokens and cost (credits, US dollars). */
  spent(model: string | undefined, usage: { readonly promptTokens?: number; readonly completionTokens?: number; readonly credits?: number }): void;
}
