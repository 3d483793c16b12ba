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
    return this.#session;
  }

  /** When the cookie, and with it the stored record, expires; null for a caller with no session. */
  get cookieExpires(): Date | null {
    return this.#session.cookie.expires ?? null;
  }

  /** A new session id with an empty record (login: never reuse an id the caller already had). */
  regenerate(): Promise<void> {
    return this.#settle((done) => this.#session.regenerate(done));
  }

  /** Writes the record now rather than with the response. */
  save(): Promise<void> {
    return this.#settle((done) => this.#session.save(done));
  }

  /** Deletes the record from the store and tells the browser to drop the cookie. */
  async destroy(): Promise<void> {
    await this.#settle((done) => this.#session.destroy(done));
    this.#res.clearCookie(this.#clearCookie.name, this.#clearCookie.options);
  }

  get #session(): Session & Partial<SessionData> {
    // After destroy() express-session leaves no session on the request; the rest of the request
    // sees a fresh, empty one, which is never saved unless something signs in again.
    if (this.#req.session === undefined) this.#req.sessionStore.generate(this.#req);
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
