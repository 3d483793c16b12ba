import type { Request } from "express";
import type { Session, SessionData, Store } from "express-session";
import { ErrorCode, GatewayError } from "../errors.js";
import { storedTokenOf } from "./fernet-serializer.js";
import { ENDED, type SessionRecords, type StoredRecord } from "./session-records.js";

/** A record whose cookie has no expiry (none of the gateway's) would otherwise live a day. */
const DEFAULT_TTL_MS = 86_400_000;

/** What a request that lost a race with a sign-out is told: it answers as signed out, and sets no cookie. */
export function signedOutMeanwhile(): GatewayError {
  return new GatewayError(ErrorCode.UNAUTHENTICATED, "You were signed out while this request was running. Connect again.");
}

/**
 * A write found the record changed by another live request (a renewal, a refresh, another tab's
 * flow): not a sign-out. The writer reads the record again and applies its change to that.
 */
export class SessionChanged extends Error {
  override name = "SessionChanged";
}

/** How many times a sign-in moves a session that other requests keep changing before it gives up. */
const MOVE_ATTEMPTS = 3;

/** The token each session object of express-session was read as (absent: a session made by this request). */
const readAs = new WeakMap<Session, string>();

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the mixin pattern needs a constructor of any arguments
type StoreClass = new (...args: any[]) => Store & Pick<Store, "get">;

/**
 * express-session's store with every write made conditional on what the request read
 * (docs/contract.md §6): the session object express-session saves carries the token it was read
 * as, so a save replaces the record only if that token is still stored, and a session this
 * request made is written only where no record and no sign-out marker are. A regenerate (every
 * sign-in) moves the session: the old record, if still as read, becomes a marker naming the new
 * id. A destroy (every sign-out) ends the session and any it was moved to. A write that loses
 * fails with {@link signedOutMeanwhile}, and the request answers as signed out.
 *
 * Reads stay the base store's own (connect-redis, or the in-process store), through the Fernet
 * serializer, which tells the token each record was read as.
 */
export function withConditionalWrites<Base extends StoreClass>(Base: Base, records: SessionRecords) {
  /** Why a conditional write found something else stored: the session ended, or another request changed it. */
  async function whyRefused(sid: string): Promise<Error> {
    const now = await records.read(sid);
    return now === undefined || now === ENDED ? signedOutMeanwhile() : new SessionChanged();
  }

  /**
   * Moves the session under `id` to `newId`. What it holds does not matter to a move, so a record
   * another request changed meanwhile is moved as it now is; one that ended is not.
   */
  async function moveLive(id: string, token: string, newId: string): Promise<void> {
    let expected = token;
    for (let attempt = 1; !(await records.move(id, expected, newId)); attempt++) {
      const now = await records.read(id);
      if (now === undefined || now === ENDED || attempt === MOVE_ATTEMPTS) throw signedOutMeanwhile();
      expected = now.token;
    }
  }

  return class ConditionalWritesStore extends Base {
    override createSession(req: Request, data: SessionData): Session & SessionData {
      const session = super.createSession(req, data);
      const token = storedTokenOf(data);
      if (token !== undefined) readAs.set(session, token);
      return session;
    }

    // express-session calls the store with callbacks and reads no result; connect-redis's own
    // methods return promises, which these keep (resolving once the callback ran).
    override async set(sid: string, data: SessionData, callback?: (error?: unknown) => void): Promise<void> {
      const session = data as Session & SessionData;
      const expires = data.cookie?.expires;
      const ttlMs = expires ? new Date(expires).getTime() - Date.now() : DEFAULT_TTL_MS;
      const expected = readAs.get(session);
      try {
        if (ttlMs <= 0) {
          await records.end(sid);
        } else {
          const record = data as StoredRecord;
          const token = expected === undefined ? await records.create(sid, record, ttlMs) : await records.replaceIf(sid, expected, record, ttlMs);
          if (token === undefined) throw await whyRefused(sid);
          readAs.set(session, token);
        }
      } catch (error) {
        callback?.(error);
        return;
      }
      callback?.();
    }

    override async destroy(sid: string, callback?: (error?: unknown) => void): Promise<void> {
      await records.end(sid).then(
        () => callback?.(),
        (error: unknown) => callback?.(error),
      );
    }

    override regenerate(req: Request, callback: (error?: unknown) => void): void {
      const previousId = req.sessionID;
      const previous = req.session === undefined ? undefined : readAs.get(req.session);
      (this as unknown as { generate(req: Request): void }).generate(req);
      // Nothing was stored for a session this request made itself: nothing to move.
      if (previous === undefined) return callback();
      moveLive(previousId, previous, req.sessionID).then(
        () => callback(),
        (error: unknown) => callback(error),
      );
    }
  };
}
