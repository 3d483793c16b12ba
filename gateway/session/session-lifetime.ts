import type { PendingOAuth, SignedIn } from "../model.js";

/**
 * How long sessions live, decided here and nowhere else, as pure functions of the record and
 * the time (the gateway's clock, which tests move). Three lifetimes:
 * - signed in: an idle timeout (SESSION_TTL_SECONDS) pushed forward by activity at most once
 *   per renewal window, and an absolute lifetime from sign-in (SESSION_MAX_AGE_SECONDS);
 * - mid sign-in (pending OAuth flows only): as long as its newest flow, ten minutes, and never
 *   renewed, so a client that only ever starts flows leaves nothing behind for longer;
 * - each pending flow: ten minutes from its start.
 * The cookie and the stored record always expire together.
 */
export const PENDING_FLOW_LIFETIME_MS = 600_000;

export interface LifetimePolicy {
  /** Idle timeout. */
  readonly idleMs: number;
  /** Absolute lifetime from sign-in. */
  readonly absoluteMs: number;
  /** The idle expiry is pushed forward at most this often. */
  readonly renewEveryMs: number;
}

/** The record's fields lifetime depends on. */
export interface LifetimeFacts {
  readonly auth?: Pick<SignedIn, "signedInAt"> | undefined;
  readonly oauth?: readonly PendingOAuth[] | undefined;
  /** Epoch ms of the last renewal; absent until the first, when sign-in counts as one. */
  readonly renewedAt?: number | undefined;
}

/** The renewal window is a tenth of the idle timeout, at most 5 minutes: an idle user is signed out at most that much early. */
export function lifetimePolicy(session: { readonly ttlSeconds: number; readonly maxAgeSeconds: number }): LifetimePolicy {
  return {
    idleMs: session.ttlSeconds * 1000,
    absoluteMs: session.maxAgeSeconds * 1000,
    renewEveryMs: Math.max(1, Math.min(300, Math.floor(session.ttlSeconds / 10))) * 1000,
  };
}

/** What reading a stored session calls for: ending it, renewing it for `maxAgeMs`, or nothing. */
export type OnRead = { readonly action: "end" } | { readonly action: "renew"; readonly maxAgeMs: number } | { readonly action: "keep" };

export function onRead(record: LifetimeFacts, idleExpiresAt: number | null, now: number, policy: LifetimePolicy): OnRead {
  if (record.auth === undefined) {
    // Mid sign-in: ends with its last flow, and activity does not extend it.
    return liveFlows(record.oauth, now).length > 0 ? { action: "keep" } : { action: "end" };
  }
  const absoluteEnd = record.auth.signedInAt + policy.absoluteMs;
  if (absoluteEnd <= now) return { action: "end" };
  const due = now - (record.renewedAt ?? record.auth.signedInAt) >= policy.renewEveryMs;
  // Never let the idle expiry reach past the absolute one.
  if (due || (idleExpiresAt ?? 0) > absoluteEnd) return { action: "renew", maxAgeMs: Math.min(policy.idleMs, absoluteEnd - now) };
  return { action: "keep" };
}

/** When a signed-in session ends if left idle from now on: the earlier of its idle and absolute expiries. */
export function signedInUntil(auth: Pick<SignedIn, "signedInAt">, idleExpiresAt: number | null, policy: LifetimePolicy): number {
  const absolute = auth.signedInAt + policy.absoluteMs;
  return Math.min(absolute, idleExpiresAt ?? absolute);
}

/** The flows not yet expired. */
export function liveFlows(flows: readonly PendingOAuth[] | undefined, now: number): PendingOAuth[] {
  return (flows ?? []).filter((flow) => flow.expiresAt > now);
}

/** When a flow started now expires. */
export function flowExpiresAt(now: number): number {
  return now + PENDING_FLOW_LIFETIME_MS;
}

/**
 * The cookie and record lifetime of a session that holds only pending flows: until its newest
 * flow expires. Undefined for a signed-in session, which keeps its own.
 */
export function pendingOnlyMaxAgeMs(record: LifetimeFacts, now: number): number | undefined {
  if (record.auth !== undefined) return undefined;
  const flows = liveFlows(record.oauth, now);
  if (flows.length === 0) return undefined;
  return Math.max(...flows.map((flow) => flow.expiresAt)) - now;
}
