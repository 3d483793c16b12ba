import type { RequestHandler, Response } from "express";
import { RecentValues } from "../util/recent-values.js";
import type { GatewayError } from "../errors.js";
import type { SpendBudget } from "./spend-budget.js";

/** As many sessions as the gateway keeps decrypted records of (fernet-serializer.ts). */
const SESSIONS_REMEMBERED = 8_192;

/**
 * How old a check read ahead may be when the request gets to it. A request's session and body
 * take a round trip to Redis and a few milliseconds; one that took longer (a large body sent
 * slowly) reads the tally again, so that no request goes upstream on a tally read long before.
 */
export const READ_AHEAD_MAX_AGE_MS = 100;

/** The budget's check a request began as it arrived, with its session's read. */
interface ReadAhead {
  readonly sessionId: string;
  /** `performance.now()` when it began. */
  readonly startedAt: number;
  /** The account the session's key named when it was last seen here, if it was. */
  readonly account: string | undefined;
  readonly check: Promise<GatewayError | undefined> | undefined;
}

declare module "express-serve-static-core" {
  interface Response {
    /** Set by BudgetReadAhead's middleware for a request of a spending endpoint with a session cookie. */
    budgetReadAhead?: ReadAhead;
  }
}

/**
 * Reads an account's spend budget in the same round trip to the store as the request's session,
 * rather than one round trip after it: the account is known only from the session's key, but a
 * session id names the same account every time (a sign-in moves the session to a new id), so the
 * account a session id named when last seen here is asked about as the request arrives, and the
 * store client sends both reads in one write (coalesced-writes.ts: one round trip's wait, and one
 * write and one read for the two). Once the session is read, the check is the one read
 * ahead if the session's account is that one and it is fresh (READ_AHEAD_MAX_AGE_MS); otherwise it
 * is read then, as without this.
 *
 * What is remembered is which account a session id named, never the tally: every request reads the
 * tally from the store, shared by every gateway instance, as it arrives. A session's first spending
 * request here, or one after its id was forgotten, reads it one round trip later.
 */
export class BudgetReadAhead {
  readonly #budget: SpendBudget;
  readonly #sessionIdOf: (cookieHeader: string | undefined) => string | undefined;
  /** Session id → the account its key names. */
  readonly #accounts = new RecentValues<string>({ limit: SESSIONS_REMEMBERED });

  constructor(options: { budget: SpendBudget; sessionIdOf: (cookieHeader: string | undefined) => string | undefined }) {
    this.#budget = options.budget;
    this.#sessionIdOf = options.sessionIdOf;
  }

  /** Middleware, placed just before the session middleware: its read goes out in the same tick as the session's. */
  readonly begin: RequestHandler = (req, res, next) => {
    const sessionId = this.#sessionIdOf(req.headers.cookie);
    if (sessionId !== undefined) {
      const account = this.#accounts.get(sessionId);
      // Never rejects (SpendBudget.check): a request refused before it gets to its check (signed
      // out, a bad body), which never reads it, leaves no rejection unhandled.
      const check = account === undefined ? undefined : this.#budget.check(account);
      res.budgetReadAhead = { sessionId, startedAt: performance.now(), account, check };
    }
    next();
  };

  /** The budget's check (SpendBudget.check) for the request `res`, whose session's key names `account`. */
  check(res: Response, account: string): Promise<GatewayError | undefined> {
    const ahead = res.budgetReadAhead;
    if (ahead === undefined) return this.#budget.check(account);
    // Remembered again only when it changed: the first remembered is the first forgotten.
    if (ahead.account !== account) this.#accounts.set(ahead.sessionId, account);
    if (ahead.check !== undefined && ahead.account === account && performance.now() - ahead.startedAt <= READ_AHEAD_MAX_AGE_MS) return ahead.check;
    return this.#budget.check(account);
  }
}
