import type { ReactiveController, ReactiveControllerHost } from "lit";
import {
  CompleteOAuthDocument,
  InitiateOAuthDocument,
  LogoutDocument,
  StatusDocument,
  ValidateKeyDocument,
  type AuthStateFragment,
} from "./__generated__/graphql.js";
import { OpenRouterAuthChangeEvent, OpenRouterAuthErrorEvent } from "./events.js";
import { GatewayError, request } from "./gateway-client.js";
import { messageFor } from "./messages.js";
import { openPopup, watchPopup } from "./oauth-popup.js";

/** The life of one piece of async work, as `@lit/task` names it. */
export type TaskStatus = "initial" | "pending" | "complete" | "error";

/** What the user asked for: a sign-in with a key or with OpenRouter, or a sign-out. */
export type ActionKind = "api-key" | "oauth" | "logout";

/** A failure the element shows in words. */
export interface AuthError {
  code: string;
  message: string;
}

export interface AuthControllerHost extends ReactiveControllerHost, EventTarget {
  /** The GraphQL endpoint, as the `endpoint` attribute gives it. */
  readonly endpoint: string;
  /** Seconds between status refreshes; 0 for none. */
  readonly refreshInterval: number;
}

/** Other tabs of the same origin refresh when this one signs in or out. */
const CHANNEL = "openrouter-auth";

/** How long after an unfinished popup sign-in a return to the page still triggers a status check. */
const LATE_CHECK_MS = 600_000;

const toAuthError = (error: unknown): AuthError => {
  const code = error instanceof GatewayError ? error.code : "INTERNAL_ERROR";
  return { code, message: messageFor(code) };
};

const sameStatus = (a: AuthStateFragment, b: AuthStateFragment) =>
  a.authenticated === b.authenticated &&
  a.method === b.method &&
  JSON.stringify(a.user) === JSON.stringify(b.user);

/**
 * Talks to the gateway for `<openrouter-auth>` and owns everything asynchronous: the status check,
 * sign-in and sign-out, the OAuth popup, periodic refresh, cross-tab notices and every abort.
 * The element only renders `statusTask`, `status`, `statusError` and `action`.
 */
export class AuthController implements ReactiveController {
  /** The status check. Pending again on every refresh; `status` keeps the last answer meanwhile. */
  statusTask: TaskStatus = "initial";
  /** The last status the gateway gave; null until the first check succeeds. */
  status: AuthStateFragment | null = null;
  /** Why the last status check failed; null when it succeeded. */
  statusError: AuthError | null = null;
  /** The latest sign-in or sign-out and how it went. */
  action: { task: TaskStatus; kind?: ActionKind; error?: AuthError } = { task: "initial" };
  /** Where to continue an OAuth sign-in in this window, when the browser blocked the popup. */
  redirectUrl: string | null = null;

  private readonly host: AuthControllerHost;
  private statusAbort?: AbortController;
  private actionAbort?: AbortController;
  private checkedEndpoint?: string;
  private timer?: ReturnType<typeof setTimeout>;
  private refreshDue = false;
  private lateCheckUntil = 0;
  private channel?: BroadcastChannel;
  private connected = false;

  constructor(host: AuthControllerHost) {
    this.host = host;
    host.addController(this);
  }

  /** The endpoint resolved against the page, so relative endpoints work and the origin is known. */
  get endpointUrl(): URL {
    return new URL(this.host.endpoint || "/graphql", document.baseURI);
  }

  /** Whether a sign-in or sign-out is in flight. */
  get busy(): boolean {
    return this.action.task === "pending";
  }

  hostConnected(): void {
    this.connected = true;
    this.checkedEndpoint = undefined;
    document.addEventListener("visibilitychange", this.onVisible);
    addEventListener("focus", this.onFocus);
    if (typeof BroadcastChannel === "function") {
      this.channel = new BroadcastChannel(CHANNEL);
      this.channel.onmessage = () => void this.refresh();
    }
    // Reconnected after a move in the DOM: the check that the disconnect aborted runs again.
    this.host.requestUpdate();
  }

  hostUpdate(): void {
    // The first check waits for the first update, not for connection: by then the attributes are
    // read, so the check goes to the configured endpoint. A changed endpoint checks again.
    const endpoint = this.endpointUrl.href;
    if (endpoint !== this.checkedEndpoint) {
      this.checkedEndpoint = endpoint;
      void this.refresh();
    }
  }

  hostDisconnected(): void {
    this.connected = false;
    this.statusAbort?.abort();
    this.actionAbort?.abort();
    if (this.busy) this.action = { task: "initial" };
    clearTimeout(this.timer);
    document.removeEventListener("visibilitychange", this.onVisible);
    removeEventListener("focus", this.onFocus);
    this.channel?.close();
    this.channel = undefined;
  }

  /** Asks the gateway for the current status. A newer call aborts an older one. */
  async refresh(): Promise<void> {
    this.statusAbort?.abort();
    const abort = (this.statusAbort = new AbortController());
    this.statusTask = "pending";
    this.host.requestUpdate();
    try {
      const { status } = await request(this.endpointUrl.href, StatusDocument, {}, abort.signal);
      this.statusError = null;
      this.apply(status);
    } catch (error) {
      if (abort.signal.aborted) return;
      this.statusTask = "error";
      this.statusError = toAuthError(error);
      this.fail(this.statusError);
    } finally {
      if (this.statusAbort === abort) {
        this.statusAbort = undefined;
        // Aborted by a sign-in or a disconnect rather than by a newer check: nothing is pending.
        if (this.statusTask === "pending") this.statusTask = this.status ? "complete" : "initial";
        this.schedule();
        this.host.requestUpdate();
      }
    }
  }

  /** Signs in with a pasted key. The key lives only in this call's arguments and request body. */
  signInWithKey(apiKey: string): Promise<void> {
    return this.run("api-key", async (signal) => {
      const { validateKey } = await request(this.endpointUrl.href, ValidateKeyDocument, { apiKey }, signal);
      return validateKey.status;
    });
  }

  /**
   * Starts an OAuth sign-in (SPEC §5 step 1). Must be called synchronously from the click
   * handler, because it opens the popup before anything asynchronous happens.
   */
  signInWithOAuth(): Promise<void> {
    const popup = openPopup();
    return this.run("oauth", async (signal) => {
      const endpoint = this.endpointUrl;
      let flow;
      try {
        ({ initiateOAuth: flow } = await request(endpoint.href, InitiateOAuthDocument, { returnTo: location.href }, signal));
      } catch (error) {
        popup?.close();
        throw error;
      }
      if (!popup) {
        // Blocked: offer to continue in this window instead (SPEC §5 step 5).
        this.redirectUrl = flow.authUrl;
        return null;
      }
      if (popup.closed) return null;
      popup.location.href = flow.authUrl;
      const check = async () => {
        const { status } = await request(endpoint.href, StatusDocument, {}, signal);
        if (status.authenticated) this.apply(status);
        return status.authenticated;
      };
      const outcome = await watchPopup({ popup, origin: endpoint.origin, state: flow.state, check, signal });
      switch (outcome.type) {
        case "signed-in":
          return this.status;
        case "closed":
          this.lateCheckUntil = Date.now() + LATE_CHECK_MS;
          return null;
        case "timeout":
          throw new GatewayError("OAUTH_TIMEOUT");
        case "error":
          throw new GatewayError(outcome.code);
        case "relay": {
          // The popup's cookies are not this page's (SPEC §5 step 3): complete in this session.
          const { code, state } = outcome;
          return (await request(endpoint.href, CompleteOAuthDocument, { code, state }, signal)).completeOAuth;
        }
        case "ok": {
          // The popup signed in; if this page's session does not show it, the two do not share
          // cookies (and the gateway should have relayed instead).
          const { status } = await request(endpoint.href, StatusDocument, {}, signal);
          if (!status.authenticated) throw new GatewayError("UNAUTHENTICATED");
          return status;
        }
      }
    });
  }

  /** Signs out: the gateway destroys the session. */
  logout(): Promise<void> {
    return this.run("logout", async (signal) => (await request(this.endpointUrl.href, LogoutDocument, {}, signal)).logout);
  }

  /** (Re)starts the periodic refresh after a check, or after `refresh-interval` changed. */
  schedule(): void {
    clearTimeout(this.timer);
    const seconds = Number(this.host.refreshInterval);
    if (!this.connected || !(seconds > 0)) return;
    this.timer = setTimeout(() => {
      // Paused while the page is hidden; the visibilitychange listener catches up.
      if (document.hidden) this.refreshDue = true;
      else void this.refresh();
    }, seconds * 1000);
  }

  /**
   * Runs one sign-in or sign-out. The work resolves to the new status, or to null when nothing
   * changed (a cancelled popup, a blocked one). A newer action aborts an older one, and any status
   * check in flight is aborted too, so a stale answer cannot overwrite the new state.
   */
  private async run(kind: ActionKind, work: (signal: AbortSignal) => Promise<AuthStateFragment | null>): Promise<void> {
    this.actionAbort?.abort();
    this.statusAbort?.abort();
    const abort = (this.actionAbort = new AbortController());
    this.action = { task: "pending", kind };
    this.redirectUrl = null;
    this.host.requestUpdate();
    try {
      const status = await work(abort.signal);
      this.action = { task: status ? "complete" : "initial", kind };
      if (status) {
        this.apply(status);
        this.channel?.postMessage("changed");
      }
    } catch (error) {
      if (abort.signal.aborted) return;
      const failure = toAuthError(error);
      this.action = { task: "error", kind, error: failure };
      this.fail(failure);
    } finally {
      if (this.actionAbort === abort) this.actionAbort = undefined;
      this.host.requestUpdate();
    }
  }

  /** Forgets the last action's error, so a reopened dialog starts clean. */
  clearError(): void {
    if (this.action.task === "error") this.action = { task: "initial" };
  }

  /** Takes a status from the gateway and tells the page when it differs from the last one. */
  private apply(next: AuthStateFragment): void {
    const previous = this.status;
    this.status = next;
    this.statusTask = "complete";
    this.statusError = null;
    if (!previous || !sameStatus(previous, next)) {
      const { authenticated, method, user } = next;
      this.host.dispatchEvent(new OpenRouterAuthChangeEvent({ authenticated, method, user: user && { ...user } }));
    }
    this.host.requestUpdate();
  }

  private fail(error: AuthError): void {
    this.host.dispatchEvent(new OpenRouterAuthErrorEvent({ ...error }));
  }

  private readonly onVisible = () => {
    if (!document.hidden && this.refreshDue) {
      this.refreshDue = false;
      void this.refresh();
    }
  };

  private readonly onFocus = () => {
    if (Date.now() < this.lateCheckUntil && !this.status?.authenticated) {
      this.lateCheckUntil = 0;
      void this.refresh();
    }
  };
}
