import type { Request, Response } from "express";
import type { CookieOptions } from "express";
import type { Session, SessionData } from "express-session";
import { ErrorCode, GatewayError } from "../errors.js";

/**
 * The request's session as the auth service sees it: read the record, and the few operations
 * that change which session the caller holds, each settled before the service answers so that
 * a store failure becomes SESSION_STORE_UNAVAILABLE instead of a half-made sign-in.
 */
export class SessionHandle {
  readonly #req: Request;
  readonly #res: Response;
  readonly #clearCookie: { name: string; options: CookieOptions };

  constructor(req: Request, res: Response, clearCookie: { name: string; options: CookieOptions }) {
    this.#req = req;
    this.#res = res;
    this.#clearCookie = clearCookie;
  }

  /** The record; empty for a caller with no session. Writes to it are saved with the response. */
  get data(): Partial<SessionData> {
    // After destroy() the request has no session. Reads see an empty record, and nothing is
    // stored for it unless a later save() or regenerate() asks for a session again: otherwise
    // express-session would save an empty record for a caller who just signed out.
    return this.#req.session ?? (this.#detached ??= {});
  }

  /** The session's id when the caller holds a stored session (signed in or mid sign-in). */
  get storedId(): string | undefined {
    const session = this.#req.session;
    return session !== undefined && (session.auth !== undefined || session.oauth !== undefined) ? session.id : undefined;
  }

  /** When the cookie, and with it the stored record, expires; null for a caller with no session. */
  get cookieExpires(): Date | null {
    return this.#req.session?.cookie.expires ?? null;
  }

  /** A new session id with an empty record (login: never reuse an id the caller already had). */
  async regenerate(): Promise<void> {
    if (this.storedId === undefined && this.#req.session !== undefined) {
      // Nothing is stored under the current id, so there is nothing to delete: a fresh id is
      // enough, and saves the store a round trip on every first sign-in.
      this.#req.sessionStore.generate(this.#req);
    } else {
      await this.#settle((done) => this.#session.regenerate(done));
    }
    // A new session starts with a full idle timeout: no renewal is due yet.
    this.#req.session.renewedAt = Date.now();
  }

  /** Writes the record now rather than with the response. */
  save(): Promise<void> {
    return this.#settle((done) => this.#session.save(done));
  }

  /** Deletes the record from the store and tells the browser to drop the cookie. */
  async destroy(): Promise<void> {
    if (this.#req.session === undefined) return;
    await this.#settle((done) => this.#req.session.destroy(done));
    this.#res.clearCookie(this.#clearCookie.name, this.#clearCookie.options);
  }

  #detached: Partial<SessionData> | undefined;

  /** The request's session, made anew (with anything written since destroy()) when it was destroyed. */
  get #session(): Session & Partial<SessionData> {
    if (this.#req.session === undefined) {
      this.#req.sessionStore.generate(this.#req);
      Object.assign(this.#req.session, this.#detached);
      this.#detached = undefined;
    }
    return this.#req.session;
  }

  #settle(operation: (done: (error?: unknown) => void) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      operation((error) => {
        if (error) reject(new GatewayError(ErrorCode.SESSION_STORE_UNAVAILABLE, undefined, { cause: error }));
        else resolve();
      });
    });
  }
}
