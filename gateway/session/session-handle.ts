import type { Request, Response } from "express";
import type { CookieOptions } from "express";
import type { Session, SessionData } from "express-session";
import { ErrorCode, GatewayError } from "../errors.js";
// The record's own fields, added to express-session's SessionData.
import type {} from "./session-data.js";
import { pendingOnlyMaxAgeMs } from "./session-lifetime.js";
import { SessionChanged, signedOutMeanwhile } from "./conditional-writes.js";
import { ENDED, type SessionFields, type SessionRecords, type SessionState, type StoredRecord, type StoredSession } from "./session-records.js";

/** What every handle of one session middleware shares: made once, at start-up. */
export interface SessionHandleDeps {
  /** Where conditional writes (renewal, refresh) go, beside express-session. */
  readonly records: SessionRecords;
  /** Sends the request's session cookie for `id`, expiring at `expires` (after a renewal written here). */
  readonly sendCookie: (req: Request, res: Response, id: string, expires: Date) => void;
  readonly now: () => number;
  /**
   * Runs express-session for the request, leaving `req.session` loaded (or freshly made) and
   * saved with the response: only requests that change the session pay for it.
   */
  readonly attach: (req: Request, res: Response) => Promise<void>;
  readonly clearCookie: { readonly name: string; readonly options: CookieOptions };
}

const NO_RECORD: Readonly<Partial<SessionData>> = Object.freeze({});

/** How many times a change is applied to a record other requests keep changing before it gives up. */
const UPDATE_ATTEMPTS = 8;

/**
 * The request's session as the auth service sees it. Reading costs one store read, done by the
 * session middleware; the operations that change the session (a sign-in, an OAuth flow) first
 * hand the request to express-session, which reads the record afresh and owns the cookie and the
 * save from then on. Each change is settled before the service answers, so that a store failure
 * becomes SESSION_STORE_UNAVAILABLE instead of a half-made sign-in.
 *
 * A sign-out is final (docs/contract.md §6): every write is conditional on what this request
 * read (conditional-writes.ts, session-records.ts), and a request that finds its session ended
 * meanwhile, when it reads or when it writes, writes nothing, sends no session cookie and fails
 * with UNAUTHENTICATED.
 */
export class SessionHandle {
  readonly #req: Request;
  readonly #res: Response;
  /** The id the request's cookie carried, when its signature held. */
  readonly #id: string | undefined;
  readonly #deps: SessionHandleDeps;
  #attached: Promise<void> | undefined;
  /** The stored record as this request last read or wrote it, before express-session joined. */
  #stored: StoredSession | undefined;
  /** What was written after destroy(), until a save or regenerate asks for a session again. */
  #detached: Partial<SessionData> | undefined;
  /** Whether the session this request came with was ended by a sign-out (or moved by a sign-in) meanwhile. */
  #ended: boolean;

  /**
   * The request's own values come as arguments, not in an object made per request: an object
   * literal that lives as long as its request gets V8 to allocate all of its kind straight into
   * the old generation once traffic is staggered, and with it everything it points to (the
   * request, the response) then outlives young collections (docs/performance.md, tried and rejected).
   */
  constructor(req: Request, res: Response, id: string | undefined, state: SessionState, deps: SessionHandleDeps) {
    this.#req = req;
    this.#res = res;
    this.#id = id;
    this.#ended = state === ENDED;
    this.#stored = state === ENDED ? undefined : state;
    this.#deps = deps;
  }

  /** The record; empty for a caller with no session. Change it with update(). */
  get data(): Readonly<SessionFields> {
    if (this.#attached === undefined) return this.#stored?.record ?? NO_RECORD;
    // After destroy() the request has no session. Reads see an empty record, and nothing is
    // stored for it unless a later save() or regenerate() asks for a session again: otherwise
    // express-session would save an empty record for a caller who just signed out.
    return this.#req.session ?? (this.#detached ??= {});
  }

  /** The session's id when the caller holds a stored session (signed in or mid sign-in). */
  get storedId(): string | undefined {
    const data = this.data;
    if (data.auth === undefined && data.oauth === undefined) return undefined;
    return this.#attached === undefined ? this.#id : this.#req.session?.id;
  }

  /** When the cookie, and with it the stored record, expires; null for a caller with no stored session. */
  get cookieExpires(): Date | null {
    const expires = this.#attached === undefined ? this.#stored?.record.cookie?.expires : this.#req.session?.cookie.expires;
    return expires === undefined || expires === null ? null : new Date(expires);
  }

  /**
   * Applies a change to the record and saves it before resolving. A record left holding neither
   * a sign-in nor a pending flow is deleted rather than kept empty; one holding only pending
   * flows lives as long as they do. When another request changed the record meanwhile (a
   * renewal, another tab's flow), the change is applied again to the record as it now is.
   */
  async update(change: (record: Partial<SessionData>) => void): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const session = await this.#writable();
      change(session);
      if (session.auth === undefined && session.oauth === undefined) return this.destroy();
      const pendingMs = pendingOnlyMaxAgeMs(session, this.#deps.now());
      if (pendingMs !== undefined) session.cookie.maxAge = pendingMs;
      try {
        return await this.save();
      } catch (error) {
        if (!(error instanceof SessionChanged)) throw error;
        if (attempt === UPDATE_ATTEMPTS) throw new GatewayError(ErrorCode.SESSION_STORE_UNAVAILABLE, "The session kept changing under this request. Try again.");
        await this.#reload(session);
      }
    }
  }

  /** Reads the session's record again, as express-session's reload does, with the same saving rule as before. */
  async #reload(session: Session): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) => session.reload((error?: unknown) => (error ? reject(error) : resolve())));
    } catch {
      // Gone since it was found changed: a sign-out came in between.
      throw this.#lost();
    }
    saveOnlyWhenChanged(this.#req.session);
  }

  /**
   * Applies a change to the stored record only if it is still the one this request read: when
   * it ended or changed meanwhile (a sign-out while this request was waiting), nothing is
   * written. For changes that are worth nothing to a session that ended, such as a refreshed user.
   * @returns whether the change was written
   */
  async updateIfUnchanged(change: (record: SessionFields) => void): Promise<boolean> {
    const id = this.#id;
    const stored = this.#stored;
    if (this.#attached !== undefined || id === undefined || stored === undefined) return false;
    const record = { ...stored.record };
    change(record);
    const token = await this.#deps.records.replaceIf(id, stored.token, record, "keep");
    if (token === undefined) return false;
    this.#stored = { record, token };
    return true;
  }

  /** A new session id with an empty record (login: never reuse an id the caller already had). */
  async regenerate(): Promise<void> {
    await this.#attach();
    if (this.storedId === undefined && this.#req.session !== undefined) {
      // Nothing is stored under the current id, so there is nothing to delete. When express-session
      // has just made this session (no cookie, or one naming no record), its id is already new:
      // keep it. express-session then knows of the save that follows and does not write the
      // record a second time at the end of the request. Otherwise a fresh id is enough.
      if (this.#req.session.id === this.#id) {
        this.#req.sessionStore.generate(this.#req);
        saveOnlyWhenChanged(this.#req.session);
      }
    } else {
      const session = await this.#writable();
      await this.#settle((done) => session.regenerate(done));
      saveOnlyWhenChanged(this.#req.session);
    }
  }

  /**
   * Pushes the idle expiry of the stored session forward: the record gets `maxAgeMs` from now as
   * TTL, written only if it is still the one this request read, and only then is the cookie
   * re-sent with the same expiry. A session signed out meanwhile stays signed out.
   */
  async renew(maxAgeMs: number): Promise<void> {
    const id = this.#id;
    const stored = this.#stored;
    if (this.#attached !== undefined || id === undefined || stored === undefined) return;
    const now = this.#deps.now();
    const expires = new Date(now + maxAgeMs);
    const record: StoredRecord = { ...stored.record, renewedAt: now, cookie: { ...stored.record.cookie, expires: expires.toISOString(), originalMaxAge: maxAgeMs } };
    const token = await this.#deps.records.replaceIf(id, stored.token, record, maxAgeMs);
    if (token === undefined) return;
    this.#stored = { record, token };
    this.#deps.sendCookie(this.#req, this.#res, id, expires);
  }

  /** Writes the record now rather than with the response. */
  async save(): Promise<void> {
    const session = await this.#writable();
    await this.#settle((done) => session.save(done));
  }

  /**
   * Ends the session the request holds (and any session a racing sign-in moved it to), leaving
   * a marker that refuses every later write under its id, and tells the browser to drop the
   * cookie. Needs no read: a sign-out ends whatever the cookie names, record or marker.
   */
  async destroy(): Promise<void> {
    const session = this.#attached === undefined ? undefined : this.#req.session;
    const id = session?.id ?? (this.#attached === undefined ? this.#id : undefined);
    if (id === undefined) return;
    if (session !== undefined) await this.#settle((done) => session.destroy(done));
    else await this.#settle((done) => this.#deps.records.end(id).then(() => done(), done));
    this.#stored = undefined;
    this.#res.clearCookie(this.#deps.clearCookie.name, this.#deps.clearCookie.options);
  }

  async #attach(): Promise<void> {
    // A request whose session ended before it read it may not start another (the sign-out's
    // marker is there for as long as such requests can run).
    if (this.#ended) throw this.#lost();
    this.#attached ??= this.#deps.attach(this.#req, this.#res).then(() => {
      // express-session reads the record afresh: when the one this request read has gone since,
      // it found a sign-out's marker and made a new session, which this request may not write.
      if (this.#stored !== undefined && this.#req.sessionID !== this.#id) throw this.#lost();
    });
    await this.#attached;
  }

  /** Leaves the request with no session to save or send a cookie for, and the error it answers with. */
  #lost(): GatewayError {
    this.#ended = true;
    this.#stored = undefined;
    if (this.#attached !== undefined) delete (this.#req as { session?: unknown }).session;
    return signedOutMeanwhile();
  }

  /** The request's session for writing, made anew (with anything written since destroy()) when it was destroyed. */
  async #writable(): Promise<Session & Partial<SessionData>> {
    await this.#attach();
    if (this.#req.session === undefined) {
      this.#req.sessionStore.generate(this.#req);
      saveOnlyWhenChanged(this.#req.session);
      Object.assign(this.#req.session, this.#detached);
      this.#detached = undefined;
    }
    return this.#req.session;
  }

  #settle(operation: (done: (error?: unknown) => void) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      operation((error) => {
        if (!error) resolve();
        else if (error instanceof SessionChanged) reject(error);
        else if (!(error instanceof GatewayError)) reject(new GatewayError(ErrorCode.SESSION_STORE_UNAVAILABLE, undefined, { cause: error }));
        // A conditional write that found the session ended: this request lost a race with a sign-out.
        else if (error.code === ErrorCode.UNAUTHENTICATED) reject(this.#lost());
        else reject(error);
      });
    });
  }
}

/**
 * A session made by `store.generate` (a regenerate, or a new one after destroy) is one
 * express-session did not make itself, so it does not know when it was saved, and saves it
 * again as the response ends: a second write of the same record. This session's save skips a
 * write when the record is as it last stored it. Like express-session's own check, the cookie is
 * left out of the comparison: express-session touches it (a new expiry, to the millisecond)
 * just before that last save.
 */
function saveOnlyWhenChanged(session: Session): void {
  const save = session.save;
  let stored: string | undefined;
  session.save = function (this: Session, callback?: (error?: unknown) => void) {
    const current = JSON.stringify(this, function (this: unknown, key, value: unknown) {
      return this === session && key === "cookie" ? undefined : value;
    });
    if (current === stored) {
      callback?.();
      return this;
    }
    return save.call(this, (error?: unknown) => {
      if (!error) stored = current;
      callback?.(error);
    });
  };
}
