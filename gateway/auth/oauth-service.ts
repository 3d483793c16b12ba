import { CALLBACK_PATH, type Config } from "../config.js";
import { ErrorCode, GatewayError } from "../errors.js";
import { assertKeyLimit, assertReturnTo, boundedString } from "../input-checks.js";
import type { AuthMetrics } from "../metrics/recorders.js";
import type { AuthStatus, Caller, OAuthInitiation, StoredUser } from "../model.js";
import type { OpenRouterClient } from "../openrouter/client.js";
import { codeChallengeS256, createCodeVerifier, createState } from "../openrouter/pkce.js";
import type { EncryptedRecords } from "../session/encrypted-records.js";
import type { SessionHandle } from "../session/session-handle.js";
import { flowExpiresAt, liveFlows, PENDING_FLOW_LIFETIME_MS } from "../session/session-lifetime.js";
import type { AttemptLimiter } from "./attempt-limiter.js";
import type { AuthService } from "./service.js";
/** Enough for a user who opens the dialog a few times; bounds what one session can pile up. */
const MAX_PENDING_FLOWS = 5;
const MAX_CODE_LENGTH = 512;
const MAX_STATE_LENGTH = 128;

/** Where a request came in: its origin (scheme and Host) and the path the gateway's router is mounted at. */
export interface Arrival {
  readonly origin: string;
  readonly mountPath: string;
}

/** What the gateway remembers about a state apart from the session: who to tell the result. */
export interface StateRecord {
  /** The allowed origin that started the flow: the only target the callback page posts to. */
  readonly origin: string;
}

/**
 * OpenRouter's OAuth PKCE flow (docs/contract.md §5), kept on the server: the verifier never leaves it, the
 * state is carried inside callback_url because OpenRouter has no state parameter, and each state
 * is usable once.
 */
export class OAuthService {
  readonly #config: Config;
  readonly #openrouter: OpenRouterClient;
  readonly #auth: AuthService;
  readonly #states: EncryptedRecords<StateRecord>;
  readonly #starts: AttemptLimiter;
  readonly #now: () => number;
  readonly #metrics: AuthMetrics | undefined;

  constructor(deps: {
    config: Config;
    openrouter: OpenRouterClient;
    auth: AuthService;
    states: EncryptedRecords<StateRecord>;
    /** Flows started per client address and per session (OAUTH_START_LIMIT_*). */
    starts: AttemptLimiter;
    now?: () => number;
    /** Where flows and OAuth sign-ins are counted, when metrics are on. */
    metrics?: AuthMetrics;
  }) {
    this.#config = deps.config;
    this.#openrouter = deps.openrouter;
    this.#auth = deps.auth;
    this.#states = deps.states;
    this.#starts = deps.starts;
    this.#now = deps.now ?? Date.now;
    this.#metrics = deps.metrics;
  }

  /**
   * @param origin the request's `Origin`; recorded only when it is an allowed origin, else the
   *   gateway's own origin is the one the popup will talk to.
   * @param limit the credits the issued key may spend: at most the configured cap, which applies
   *   when it is left out.
   */
  async initiate(session: SessionHandle, caller: Caller, options: { returnTo: string | null; origin: string | undefined; arrival?: Arrival; limit?: unknown }): Promise<OAuthInitiation> {
    const returnTo = options.returnTo === null ? null : assertReturnTo(options.returnTo, this.#config.allowedOrigins);
    const limit = assertKeyLimit(options.limit, this.#config.oauthKey.limit);
    // A flow started over plain HTTP with a Secure cookie could never complete (the browser drops
    // the cookie that holds its verifier): refused before anything is counted or stored.
    this.#auth.assertCookieReachable(caller);
    // Each start stores a session and a state: a client without an account must not be able to
    // fill the store by starting flows.
    await this.#starts.hit(caller);
    const codeVerifier = createCodeVerifier();
    const state = createState();
    const expiresAt = flowExpiresAt(this.#now());

    // Saved before answering: the popup's callback may arrive before this response is finished.
    // Expired flows are dropped from the record as a new one is added.
    await session.update((record) => {
      record.oauth = [...liveFlows(record.oauth, this.#now()), { state, codeVerifier, expiresAt, returnTo }].slice(-MAX_PENDING_FLOWS);
    });
    const callbackUrl = this.#callbackUrl(options.arrival, options.origin);
    const origin = options.origin !== undefined && this.#config.allowedOrigins.has(options.origin) ? options.origin : new URL(callbackUrl).origin;
    await this.#states.put(state, { origin }, PENDING_FLOW_LIFETIME_MS / 1000);
    this.#metrics?.oauthFlow("started");

    return { authUrl: this.#authorizeUrl(callbackUrl, state, codeChallengeS256(codeVerifier), limit), state, expiresAt: new Date(expiresAt).toISOString() };
  }

  /**
   * Checks the state against this session, exchanges the code, and signs in under a new session
   * id. State and verifier are spent first, whatever happens next.
   */
  async complete(session: SessionHandle, caller: Caller, input: { code: unknown; state: unknown }): Promise<AuthStatus> {
    return (await this.completeFlow(session, caller, input)).status;
  }

  /** `complete`, also telling the callback page where the user was headed. */
  completeFlow(session: SessionHandle, caller: Caller, input: { code: unknown; state: unknown }): Promise<{ status: AuthStatus; returnTo: string | null }> {
    const completed = this.#completeFlow(session, caller, input);
    return this.#metrics === undefined ? completed : this.#metrics.signIn("oauth", completed);
  }

  async #completeFlow(session: SessionHandle, caller: Caller, input: { code: unknown; state: unknown }): Promise<{ status: AuthStatus; returnTo: string | null }> {
    const code = boundedString(input.code, "code", MAX_CODE_LENGTH);
    const state = boundedString(input.state, "state", MAX_STATE_LENGTH);
    this.#auth.assertCookieReachable(caller);
    await this.#auth.countAttempt(caller);

    const flow = session.data.oauth?.find((candidate) => candidate.state === state);
    // Another session's state is refused without touching it: knowing a state must not let
    // anyone cancel the flow of the user who started it.
    if (flow === undefined) throw new GatewayError(ErrorCode.OAUTH_STATE_INVALID);
    // `take` is the one-time gate across requests and instances: only one caller gets the record,
    // so the state is spent here, whatever happens next.
    const record = await this.#states.take(state);
    let signedIn: { key: string; userId: string | null; user: StoredUser };
    try {
      if (record === null || flow.expiresAt <= this.#now()) throw new GatewayError(ErrorCode.OAUTH_STATE_INVALID);
      const { key, userId } = await this.#openrouter.exchangeCode(code, flow.codeVerifier);
      signedIn = { key, userId, user: await this.#auth.readUser(key, userId) };
      this.#assertWithinCap(signedIn.user.limit);
    } catch (error) {
      this.#metrics?.oauthFlow(flow.expiresAt <= this.#now() ? "expired" : "failed");
      // The flow is over: drop it (and any expired ones) from the record, or the record itself
      // when nothing else is left in it.
      await session.update((stored) => {
        const remaining = liveFlows(stored.oauth, this.#now()).filter((candidate) => candidate.state !== state);
        stored.oauth = remaining.length > 0 ? remaining : undefined;
      });
      throw error;
    }
    // The sign-in replaces the whole record under a new id (the old one, with this flow, is
    // deleted): one write.
    await this.#auth.signIn(session, { method: "OAUTH", apiKey: signedIn.key, user: signedIn.user });
    return { status: this.#auth.status(session), returnTo: flow.returnTo };
  }

  /**
   * The issued key's limit, as OpenRouter reports it, against the site's cap (docs/contract.md
   * §11). The `/auth` URL is in the user's hands: one who removes or raises its `limit` gets a key
   * the site never agreed to, and the cap would be a wish rather than a rule.
   */
  #assertWithinCap(limit: number | null): void {
    const cap = this.#config.oauthKey.limit;
    if (cap === undefined || (limit !== null && limit <= cap)) return;
    const issued = limit === null ? "no limit" : `a limit of ${limit}`;
    throw new GatewayError(
      ErrorCode.KEY_LIMIT_TOO_HIGH,
      `This site allows keys that can spend at most ${cap} credits, but the key OpenRouter issued has ${issued}: the limit was changed on OpenRouter's page, so the key was not kept. Sign in again without changing the limit (the unused key stays valid on OpenRouter until you delete it there).`,
    );
  }

  /** Whether this session started the flow with that state (the popup shares the element's cookies). */
  holds(session: SessionHandle, state: string): boolean {
    return liveFlows(session.data.oauth, this.#now()).some((flow) => flow.state === state);
  }

  /** The origin recorded for a state, found from the state alone (docs/contract.md §5 step 3, relay case). */
  async originOf(state: string): Promise<string | null> {
    if (state.length > MAX_STATE_LENGTH) return null;
    return (await this.#states.peek(state))?.origin ?? null;
  }

  get gatewayOrigin(): string {
    return new URL(this.#config.redirectUri).origin;
  }

  /**
   * Where OpenRouter sends the browser back: OPENROUTER_REDIRECT_URI; or, when it is unset
   * (development), the callback on the origin and mount path the request came in on, provided that
   * origin is the gateway's own (the calling page's, or the configured default's) or an allowed
   * one. A Host header alone, which any client can write, never chooses it.
   */
  #callbackUrl(arrival: Arrival | undefined, pageOrigin: string | undefined): string {
    if (!this.#config.redirectUriFromRequest || arrival === undefined) return this.#config.redirectUri;
    if (arrival.origin !== pageOrigin && !this.#config.allowedOrigins.has(arrival.origin)) return this.#config.redirectUri;
    return `${arrival.origin}${arrival.mountPath}${CALLBACK_PATH}`;
  }

  /** @see https://openrouter.ai/docs/guides/overview/auth/oauth (`limit` and `key_label` shape the issued key) */
  #authorizeUrl(callbackUrl: string, state: string, challenge: string, limit: number | null): string {
    const callback = new URL(callbackUrl);
    callback.searchParams.set("state", state);
    const authorize = new URL(this.#config.openrouter.authUrl);
    authorize.searchParams.set("callback_url", callback.toString());
    authorize.searchParams.set("code_challenge", challenge);
    authorize.searchParams.set("code_challenge_method", "S256");
    if (limit !== null) authorize.searchParams.set("limit", String(limit));
    const label = this.#config.oauthKey.label;
    if (label !== undefined) authorize.searchParams.set("key_label", label);
    return authorize.toString();
  }
}
