import type { ReactiveController, ReactiveControllerHost } from "lit";
import {
  CompleteOAuthDocument,
  InitiateOAuthDocument,
  LogoutDocument,
  ProxyBudgetDocument,
  StatusDocument,
  ValidateKeyDocument,
  type AuthStateFragment,
  type ProxyBudgetQuery,
} from "./__generated__/graphql.js";
import type { OpenRouterAuthErrorCode } from "./error-codes.js";
import type { OpenRouterAuthStrings } from "./strings.js";
import { OpenRouterAuthChangeEvent, OpenRouterAuthErrorEvent } from "./events.js";
import { GatewayCallError, request } from "./gateway-client.js";
import { openPopup } from "./oauth-popup.js";
import { Task } from "./task.js";

/** What the user asked for: a sign-in with a key or with OpenRouter, or a sign-out. */
export type ActionKind = "api-key" | "oauth" | "logout";

/** The work of one action: resolves to the new status, or to null when nothing changed. */
type ActionWork = (signal: AbortSignal) => Promise<AuthStateFragment | null>;

export interface AuthControllerHost extends ReactiveControllerHost, EventTarget {
  /** The GraphQL endpoint, as the `endpoint` attribute gives it. */
  readonly endpoint: string;
  /** Seconds between status refreshes; 0 for none. */
  readonly refreshInterval: number;
}

export interface AuthControllerOptions {
  /** The words for an error code, in the element's language, for `openrouter-auth-error` (they may have to load first). */
  describe(code: OpenRouterAuthErrorCode): Promise<string>;
  /**
   * Called once a sign-in has happened: the user signed in here, or the status turned signed in
   * (the popup, another tab, a refresh). Not called for a status that merely stays signed in.
   */
  onSignIn(): void;
  /** Where the OAuth relay frame goes, and the element's language and words for the popup (see `RelayOptions`). */
  relay(): { parent: Node; lang: string; words: Partial<OpenRouterAuthStrings> };
}

/** Other tabs of the same origin refresh when this one signs in or out. */
const CHANNEL = "openrouter-auth";

/** The code of any failure: the gateway's, or `INTERNAL_ERROR` for a failure of the element's own. */
const errorCode = (error: unknown): OpenRouterAuthErrorCode =>
  error instanceof GatewayCallError ? error.code : "INTERNAL_ERROR";

/**
 * The status right after a sign-in the gateway reported: the session cookie it set must come back
 * with this page's next request. When it does not, the browser did not keep the cookie (SameSite=None
 * over plain HTTP, or third-party cookies blocked without Partitioned), and the page would show
 * signed in only until a reload.
 */
async function kept(endpoint: string, signal: AbortSignal): Promise<AuthStateFragment> {
  const { status } = await request(endpoint, StatusDocument, {}, signal);
  if (!status.authenticated) throw new GatewayCallError("COOKIE_NOT_KEPT");
  return status;
}

const sameStatus = (a: AuthStateFragment, b: AuthStateFragment) =>
  a.authenticated === b.authenticated &&
  a.method === b.method &&
  JSON.stringify(a.user) === JSON.stringify(b.user);

/**
 * Talks to the gateway for `<openrouter-auth>` and owns everything asynchronous: the status check,
 * sign-in and sign-out, the OAuth popup, periodic refresh, cross-tab notices, the proxy's budget
 * and every abort. The element only renders `statusTask`, `status`, `action`, `actionKind` and
 * `budgetTask`, and hears of a sign-in through `onSignIn`.
 */
export class AuthController implements ReactiveController {
  /** The status check. Pending again on every refresh; `status` keeps the last answer meanwhile. */
  readonly statusTask: Task<[], AuthStateFragment>;
  /** The latest sign-in or sign-out. */
  readonly action: Task<[ActionWork], AuthStateFragment | null>;
  /**
   * What the connected account has spent through the gateway's proxy, of its budget (null: the
   * gateway sets none). Read again after every status the gateway gives (each refresh, sign-in and
   * the periodic refresh); a failed read shows nothing and is not an error of the element's.
   */
  readonly budgetTask: Task<[], ProxyBudgetQuery["proxyBudget"]>;
  /** What the latest action was. */
  actionKind?: ActionKind;
  /** The last status the gateway gave; null until the first check succeeds. */
  status: AuthStateFragment | null = null;
  /** Where to continue an OAuth sign-in in this window, when the browser blocked the popup. */
  redirectUrl: string | null = null;

  private readonly host: AuthControllerHost;
  private readonly options: AuthControllerOptions;
  private checkedEndpoint?: string;
  private timer?: ReturnType<typeof setTimeout>;
  private refreshDue = false;
  private channel?: BroadcastChannel;
  private connected = false;

  constructor(host: AuthControllerHost, options: AuthControllerOptions) {
    this.host = host;
    this.options = options;
    this.statusTask = new Task(host, async (signal) => (await request(this.endpointUrl.href, StatusDocument, {}, signal)).status);
    this.action = new Task(host, (signal, work) => work(signal));
    this.budgetTask = new Task(host, async (signal) => (await request(this.endpointUrl.href, ProxyBudgetDocument, {}, signal)).proxyBudget);
    host.addController(this);
  }

  /** The endpoint resolved against the page, so relative endpoints work and the origin is known. */
  get endpointUrl(): URL {
    return new URL(this.host.endpoint || "/graphql", document.baseURI);
  }

  /** Whether a sign-in or sign-out is in flight. */
  get busy(): boolean {
    return this.action.status === "pending";
  }

  /** Why the latest status check failed; null unless it did. */
  get statusError(): OpenRouterAuthErrorCode | null {
    return this.statusTask.status === "error" ? errorCode(this.statusTask.error) : null;
  }

  /** The code of the latest action's failure, until the dialog is opened again; null otherwise. */
  actionError: OpenRouterAuthErrorCode | null = null;

  hostConnected(): void {
    this.connected = true;
    this.checkedEndpoint = undefined;
    document.addEventListener("visibilitychange", this.onVisible);
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
    this.statusTask.abort();
    this.action.abort();
    this.budgetTask.abort();
    clearTimeout(this.timer);
    document.removeEventListener("visibilitychange", this.onVisible);
    this.channel?.close();
    this.channel = undefined;
  }

  /** Asks the gateway for the current status. A newer call aborts an older one. */
  async refresh(): Promise<void> {
    const task = this.statusTask;
    await task.run();
    if (task.status === "complete") this.apply(task.value!);
    else if (task.status === "error") void this.fail(errorCode(task.error));
    // Still pending: a newer check is in flight and schedules the next one itself. Otherwise
    // (answered, failed, or aborted by a sign-in) the periodic refresh goes on.
    if (task.status !== "pending") this.schedule();
  }

  /** Signs in with a pasted key. The key lives only in this call's arguments and request body. */
  signInWithKey(apiKey: string): Promise<void> {
    return this.run("api-key", async (signal) => {
      await request(this.endpointUrl.href, ValidateKeyDocument, { apiKey }, signal);
      return kept(this.endpointUrl.href, signal);
    });
  }

  /**
   * Starts an OAuth sign-in. Must be called synchronously from the click
   * handler, because it opens the popup before anything asynchronous happens.
   */
  signInWithOAuth(): Promise<void> {
    const popup = openPopup();
    // Loaded while the popup opens and the gateway answers; failing to load, it is the gateway's
    // own server that cannot be reached.
    const watching = import("./oauth-popup-watch.js").catch(() => {
      throw new GatewayCallError("NETWORK_ERROR");
    });
    watching.catch(() => undefined);
    return this.run("oauth", async (signal) => {
      const endpoint = this.endpointUrl;
      let flow;
      try {
        // Back to this page after the sign-in only when it happens in this window (the popup was
        // blocked): a popup that lost its opener must never load the host's page.
        ({ initiateOAuth: flow } = await request(endpoint.href, InitiateOAuthDocument, { returnTo: popup ? null : location.href }, signal));
      } catch (error) {
        popup?.close();
        throw error;
      }
      if (!popup) {
        // Blocked: offer to continue in this window instead.
        this.redirectUrl = flow.authUrl;
        return null;
      }
      const href = endpoint.href;
      // What follows the popup's opening is in the module loaded for it, with this element's
      // gateway calls handed over, so that it imports nothing at run time.
      return (await watching).signInThroughPopup({
        popup,
        flow,
        origin: endpoint.origin,
        signal,
        status: async () => (await request(href, StatusDocument, {}, signal)).status,
        complete: (code, state) => request(href, CompleteOAuthDocument, { code, state }, signal),
        kept: () => kept(href, signal),
        fail: (code) => new GatewayCallError(code),
        relay: { ...this.options.relay(), onLate: () => void this.refresh() },
      });
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
   * Runs one sign-in or sign-out. A newer action aborts an older one, and any status check in
   * flight is aborted too, so a stale answer cannot overwrite the new state.
   */
  private async run(kind: ActionKind, work: ActionWork): Promise<void> {
    this.statusTask.abort();
    this.actionKind = kind;
    this.actionError = null;
    this.redirectUrl = null;
    const { action } = this;
    await action.run(work);
    if (action.status === "complete" && action.value) {
      this.apply(action.value, kind !== "logout");
      this.channel?.postMessage("changed");
    } else if (action.status === "error") {
      this.actionError = errorCode(action.error);
      void this.fail(this.actionError);
    }
  }

  /** Forgets the last action's error, so a reopened dialog starts clean. */
  clearError(): void {
    this.actionError = null;
  }

  /**
   * Takes a status from the gateway and tells the page when it differs from the last one, and the
   * element when it is a sign-in: a new signed-in status, or any that a sign-in action returned
   * (switching keys while signed in).
   */
  private apply(next: AuthStateFragment, bySignIn = false): void {
    const previous = this.status;
    this.status = next;
    if (!previous || !sameStatus(previous, next)) {
      const { authenticated, method, user } = next;
      this.host.dispatchEvent(new OpenRouterAuthChangeEvent({ authenticated, method, user: user && { ...user } }));
    }
    if (next.authenticated && (bySignIn || !previous?.authenticated)) {
      // Another account, maybe: its budget is not shown until read.
      this.budgetTask.value = undefined;
      this.options.onSignIn();
    }
    // The last read stays on show while the next one is in flight.
    next.authenticated ? void this.budgetTask.run() : this.budgetTask.abort();
    this.host.requestUpdate();
  }

  private async fail(code: OpenRouterAuthErrorCode): Promise<void> {
    this.host.requestUpdate();
    const message = await this.options.describe(code);
    this.host.dispatchEvent(new OpenRouterAuthErrorEvent({ code, message }));
  }

  private readonly onVisible = () => {
    if (!document.hidden && this.refreshDue) {
      this.refreshDue = false;
      void this.refresh();
    }
  };
}
