import type { AuthService } from "../auth/service.js";
import type { ProxyConfig } from "../config.js";
import { ErrorCode, GatewayError } from "../errors.js";
import type { SessionHandle } from "../session/session-handle.js";
import type { KeyValueStore } from "../store/key-value-store.js";

/** What the page has spent of the budget (GraphQL `proxyBudget`, REST `proxy-budget`). */
export interface ProxyBudget {
  /** Credits spent through the proxy in the current window. */
  readonly spent: number;
  /** PROXY_SPEND_LIMIT: the credits the window allows. */
  readonly limit: number;
  /** When the window ends and the tally starts again (ISO 8601); null before anything is spent. */
  readonly resetsAt: string | null;
}

const NOTHING_SPENT = Promise.resolve();

/** A store that failed is a refusal too (SESSION_STORE_UNAVAILABLE, as the store raised it). */
function refusalOfFailure(error: unknown): GatewayError {
  return error instanceof GatewayError ? error : new GatewayError(ErrorCode.SESSION_STORE_UNAVAILABLE, undefined, { cause: error });
}

/** Costs are a few millionths of a credit: sums are rounded this fine, to keep float noise out of what a page shows. */
const PRECISION = 1e10;

/**
 * The spend budget of each OpenRouter account (PROXY_SPEND_LIMIT credits per
 * PROXY_SPEND_WINDOW_SECONDS), tallied in the store from the `usage.cost` of every answer. The
 * window starts with the first cost counted and the tally expires with it. A request is refused
 * while the tally is at the limit; one already running finishes, and its cost still counts, so
 * the tally may end a little above the limit.
 */
export class SpendBudget {
  readonly #store: KeyValueStore;
  readonly #limit: NonNullable<ProxyConfig["spendLimit"]>;
  readonly #prefix: string;
  readonly #now: () => number;
  readonly #windowMs: number;

  constructor(options: { store: KeyValueStore; limit: NonNullable<ProxyConfig["spendLimit"]>; prefix: string; now: () => number }) {
    this.#store = options.store;
    this.#limit = options.limit;
    this.#prefix = options.prefix;
    this.#now = options.now;
    this.#windowMs = options.limit.windowSeconds * 1000;
  }

  /**
   * Reads the account's tally. It never rejects, so that a check begun before anyone waits for
   * it (budget-read-ahead.ts) needs no handler of its own: a refusal comes as the value.
   * @returns SPEND_LIMIT_REACHED, with the seconds until the window ends, once the budget is
   *   used; the store's failure (SESSION_STORE_UNAVAILABLE) when it fails; undefined while some is left
   */
  check(account: string): Promise<GatewayError | undefined> {
    return this.#store.readTally(this.#key(account)).then(this.#refusalAt, refusalOfFailure);
  }

  readonly #refusalAt = (tally: { total: number; ttlMs: number } | null): GatewayError | undefined => {
    if (tally === null || tally.total < this.#limit.credits) return undefined;
    const retryAfterSeconds = Math.max(1, Math.ceil(tally.ttlMs / 1000));
    return new GatewayError(ErrorCode.SPEND_LIMIT_REACHED, `This page has spent its budget of ${this.#limit.credits} credits for now. Try again in ${retryAfterSeconds} s.`, { retryAfterSeconds });
  };

  /**
   * Counts `credits` spent by the account. The answer is over and nothing waits on the count, so
   * it goes to the store with the next command this gateway sends, within a few milliseconds
   * (addToSoon): a request of the same account that arrives meanwhile reads the tally after it.
   */
  spend(account: string, credits: number): Promise<void> {
    if (!(credits > 0)) return NOTHING_SPENT;
    return this.#store.addToSoon(this.#key(account), credits, this.#windowMs);
  }

  async read(account: string): Promise<ProxyBudget> {
    const tally = await this.#store.readTally(this.#key(account));
    return {
      spent: tally === null ? 0 : Math.round(tally.total * PRECISION) / PRECISION,
      limit: this.#limit.credits,
      resetsAt: tally === null ? null : new Date(this.#now() + tally.ttlMs).toISOString(),
    };
  }

  #key(account: string): string {
    return `${this.#prefix}${account}`;
  }
}

/** The signed-in account's budget, for GraphQL and REST: null when no PROXY_SPEND_LIMIT is set. */
export class ProxyBudgetReader {
  readonly #auth: AuthService;
  readonly #budget: SpendBudget | undefined;
  readonly #accountIdOf: (apiKey: string) => string;

  constructor(deps: { auth: AuthService; budget: SpendBudget | undefined; accountIdOf: (apiKey: string) => string }) {
    this.#auth = deps.auth;
    this.#budget = deps.budget;
    this.#accountIdOf = deps.accountIdOf;
  }

  /** @throws UNAUTHENTICATED when signed out */
  async of(session: SessionHandle): Promise<ProxyBudget | null> {
    const apiKey = this.#auth.apiKeyOf(session);
    if (apiKey === null) throw new GatewayError(ErrorCode.UNAUTHENTICATED);
    return this.#budget === undefined ? null : this.#budget.read(this.#accountIdOf(apiKey));
  }
}
