import { createHash } from "node:crypto";
import type { Config } from "../config.js";
import { ErrorCode, GatewayError } from "../errors.js";
import { assertApiKey, modelsArguments } from "../input-checks.js";
import type { AuthMetrics } from "../metrics/recorders.js";
import type { AuthMethod, AuthStatus, Caller, Model, SignedIn, StoredUser, ValidateKeyResult } from "../model.js";
import type { OpenRouterClient } from "../openrouter/client.js";
import type { SessionHandle } from "../session/session-handle.js";
import { lifetimePolicy, signedInUntil, type LifetimePolicy } from "../session/session-lifetime.js";
import { RecentValues } from "../util/recent-values.js";
import type { AttemptLimiter } from "./attempt-limiter.js";

const SIGNED_OUT: AuthStatus = Object.freeze({ authenticated: false, method: null, user: null, expiresAt: null });

/**
 * How long a user's model list is reused before OpenRouter is asked again, and for how many users
 * at most. A list is some tens of KB, so lists nobody asked for in the last minute are dropped.
 */
const MODELS_CACHE_MS = 60_000;
const MODELS_CACHE_ENTRIES = 1_000;

export interface AuthServiceDeps {
  readonly config: Config;
  readonly openrouter: OpenRouterClient;
  readonly attempts: AttemptLimiter;
  readonly now?: () => number;
  /** Where sign-ins and ended sessions are counted, when metrics are on. */
  readonly metrics?: AuthMetrics;
}

/**
 * The one place the rules of signing in and out live. GraphQL resolvers and REST routes are two
 * thin adapters over it and must not decide anything themselves.
 */
export class AuthService {
  readonly #config: Config;
  readonly #openrouter: OpenRouterClient;
  readonly #attempts: AttemptLimiter;
  readonly #now: () => number;
  readonly #lifetime: LifetimePolicy;
  readonly #metrics: AuthMetrics | undefined;
  readonly #models = new RecentValues<Model[]>({ limit: MODELS_CACHE_ENTRIES, maxAgeMs: MODELS_CACHE_MS });

  constructor(deps: AuthServiceDeps) {
    this.#config = deps.config;
    this.#openrouter = deps.openrouter;
    this.#attempts = deps.attempts;
    this.#now = deps.now ?? Date.now;
    this.#lifetime = lifetimePolicy(deps.config.session);
    this.#metrics = deps.metrics;
  }

  /** Served from the session alone: no upstream call, and no error for a signed-out caller. */
  status(session: SessionHandle): AuthStatus {
    const auth = session.data.auth;
    if (auth === undefined) return SIGNED_OUT;
    return { authenticated: true, method: auth.method, user: auth.user, expiresAt: new Date(signedInUntil(auth, session.cookieExpires?.getTime() ?? null, this.#lifetime)).toISOString() };
  }

  /** The cached key info, refreshed from OpenRouter once it is older than the configured age. */
  async userInfo(session: SessionHandle): Promise<StoredUser> {
    const auth = this.#requireAuth(session);
    const ageMs = this.#now() - Date.parse(auth.user.refreshedAt);
    if (ageMs <= this.#config.userInfoMaxAgeSeconds * 1000) return auth.user;
    let user: StoredUser;
    try {
      user = await this.readUser(auth.apiKey, auth.user.userId);
    } catch (error) {
      if (error instanceof GatewayError && error.code === ErrorCode.INVALID_API_KEY) {
        // The key was revoked or disabled since sign-in: the session is worth nothing now.
        await session.destroy();
        this.#metrics?.sessionEnded("revoked");
        throw new GatewayError(ErrorCode.INVALID_API_KEY, "OpenRouter no longer accepts this key. Connect again.");
      }
      // OpenRouter is down or slow: what we knew is still the best answer.
      if (error instanceof GatewayError && error.code === ErrorCode.UPSTREAM_UNAVAILABLE) return auth.user;
      throw error;
    }
    // Written only if the session is still the one read: one that ended meanwhile (a sign-out in
    // another tab while OpenRouter answered) is not brought back.
    await session.updateIfUnchanged((record) => {
      if (record.auth !== undefined) record.auth = { ...record.auth, user };
    });
    return user;
  }

  /**
   * Checks a key with OpenRouter; unless `validateOnly`, signs in with it under a new session id.
   * @throws BAD_USER_INPUT, INSECURE_TRANSPORT, RATE_LIMITED, INVALID_API_KEY, UPSTREAM_UNAVAILABLE, SESSION_STORE_UNAVAILABLE
   */
  validateKey(session: SessionHandle, caller: Caller, apiKeyInput: unknown, validateOnly = false): Promise<ValidateKeyResult> {
    const checked = this.#validateKey(session, caller, apiKeyInput, validateOnly);
    return validateOnly || this.#metrics === undefined ? checked : this.#metrics.signIn("api_key", checked);
  }

  async #validateKey(session: SessionHandle, caller: Caller, apiKeyInput: unknown, validateOnly: boolean): Promise<ValidateKeyResult> {
    const apiKey = assertApiKey(apiKeyInput);
    if (!validateOnly) this.assertCookieReachable(caller);
    // Counted before OpenRouter is asked: guessing keys through us costs the guesser, not OpenRouter.
    await this.#attempts.hit(caller);
    const user = await this.readUser(apiKey, null);
    if (validateOnly) return { valid: true, user, status: this.status(session) };
    await this.signIn(session, { method: "API_KEY", apiKey, user });
    return { valid: true, user, status: this.status(session) };
  }

  /**
   * Refuses to start a session the browser could never hold: a Secure cookie on a request that
   * did not come over HTTPS is dropped by the browser, leaving an unreachable record behind.
   * Checked before anything is counted or stored.
   */
  assertCookieReachable(caller: Caller): void {
    if (this.#config.cookie.secure && !caller.secure) throw new GatewayError(ErrorCode.INSECURE_TRANSPORT);
  }

  /** Counts a sign-in attempt made by another path (OAuth completion). */
  countAttempt(caller: Caller): Promise<void> {
    return this.#attempts.hit(caller);
  }

  /** Starts a fresh session holding the key (both sign-in methods end here). */
  async signIn(session: SessionHandle, signedIn: { method: AuthMethod; apiKey: string; user: StoredUser }): Promise<void> {
    await session.regenerate();
    await session.update((record) => {
      record.auth = { ...signedIn, signedInAt: this.#now() };
    });
  }

  /** Ends whatever session the caller's cookie names, even one a racing request was moving (docs/contract.md §6). */
  async logout(session: SessionHandle): Promise<AuthStatus> {
    const signedIn = session.data.auth !== undefined;
    await session.destroy();
    if (signedIn) this.#metrics?.sessionEnded("sign_out");
    return SIGNED_OUT;
  }

  /** The signed-in user's key, for the host's own server code (docs/contract.md §6); null when signed out. */
  apiKeyOf(session: SessionHandle): string | null {
    return session.data.auth?.apiKey ?? null;
  }

  async models(session: SessionHandle, options: { search?: string | null; first?: number | null }): Promise<Model[]> {
    const auth = this.#requireAuth(session);
    const { search, first } = modelsArguments(options);
    const models = await this.#modelsFor(auth.apiKey);
    const matching = search === "" ? models : models.filter((model) => model.id.toLowerCase().includes(search) || model.name.toLowerCase().includes(search));
    return matching.slice(0, first);
  }

  #requireAuth(session: SessionHandle): SignedIn {
    const auth = session.data.auth;
    if (auth === undefined) throw new GatewayError(ErrorCode.UNAUTHENTICATED);
    return auth;
  }

  /** Reads a key's info and credits from OpenRouter as the user record we keep. */
  async readUser(apiKey: string, userId: string | null): Promise<StoredUser> {
    // Credits are a nicety: a key whose /credits call fails still signs in.
    const [key, credits] = await Promise.all([this.#openrouter.getKey(apiKey), this.#openrouter.getCredits(apiKey).catch(() => null)]);
    return {
      label: key.label,
      userId,
      usage: key.usage,
      limit: key.limit,
      limitRemaining: key.limitRemaining,
      isFreeTier: key.isFreeTier,
      totalCredits: credits?.totalCredits ?? null,
      refreshedAt: new Date(this.#now()).toISOString(),
      // Only the details OpenRouter gave: an absent one reads as null, and the record stays small.
      ...given({ limitReset: key.limitReset, keyExpiresAt: key.expiresAt, usageDaily: key.usageDaily, usageWeekly: key.usageWeekly, usageMonthly: key.usageMonthly }),
    };
  }

  async #modelsFor(apiKey: string): Promise<Model[]> {
    // Keyed by a digest so the cache never holds keys in the clear.
    const cacheKey = createHash("sha256").update(apiKey).digest("base64url");
    const cached = this.#models.get(cacheKey);
    if (cached !== undefined) return cached;
    const models = await this.#openrouter.listModels(apiKey);
    this.#models.set(cacheKey, models);
    return models;
  }
}

/** The entries that hold a value (not null). */
function given<T extends Record<string, unknown>>(entries: T): Partial<{ [K in keyof T]: NonNullable<T[K]> }> {
  return Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== null)) as Partial<{ [K in keyof T]: NonNullable<T[K]> }>;
}
