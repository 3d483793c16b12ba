import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from "lit";
import { AuthController } from "./auth-controller.js";
import type { AuthMethod, OpenRouterAuthUser } from "./events.js";
import { styles } from "./openrouter-auth.styles.js";

/** A sign-in method, as the `methods` attribute names it. */
export type OpenRouterAuthMethodName = "api-key" | "oauth";

/** What the API key field holds, for the live hint. */
type KeyForm = "empty" | "current" | "accepted" | "invalid";

/** Today's key form (SPEC §2): advice for the hint, not a rule. */
const CURRENT_KEY = /^sk-or-v1-[0-9a-f]{64}$/;
/** What the gateway accepts: any `sk-or-` token of 20 to 256 URL-safe characters, prefix included. */
const ACCEPTED_KEY = /^sk-or-[\w-]{14,250}$/;

const keyForm = (key: string): KeyForm =>
  !key ? "empty" : CURRENT_KEY.test(key) ? "current" : ACCEPTED_KEY.test(key) ? "accepted" : "invalid";

const hints: Record<KeyForm, string> = {
  empty: "Paste a key from openrouter.ai/keys. It starts with sk-or-v1-.",
  current: "Looks like an OpenRouter key.",
  accepted: "Not the usual form (sk-or-v1- and 64 hex digits), but you can try it.",
  invalid: "Not an OpenRouter key yet: keys start with sk-or- and are 20 to 256 letters, digits, - or _.",
};

const tabLabels: Record<OpenRouterAuthMethodName, string> = {
  "api-key": "API key",
  oauth: "Sign in with OpenRouter",
};

const methodLabels: Record<AuthMethod, string> = { API_KEY: "API key", OAUTH: "OpenRouter sign-in" };

/** Custom state names; Chromium before 125 only took them as `--name` (https://crbug.com/1527226). */
const STATES = ["checking", "authenticated", "signed-out", "error", "busy"] as const;

/**
 * Connects the user's OpenRouter account to this page's backend through the openrouter-auth
 * gateway. The key stays on the server; the element only sees its masked label.
 *
 * Works under a Content-Security-Policy without `'unsafe-inline'`: styles are adopted
 * stylesheets, and where a browser lacks them Lit's fallback `<style>` carries `window.litNonce`.
 *
 * @summary Shows the OpenRouter connection status, a "Connect to OpenRouter" dialog (API key or
 * OAuth sign-in), and reveals its content once the user is connected.
 *
 * @event {OpenRouterAuthChangeEvent} openrouter-auth-change - The status is first known, or changed. `detail`: `{authenticated, method, user}`; never the key.
 * @event {OpenRouterAuthErrorEvent} openrouter-auth-error - A status check, sign-in or sign-out failed. `detail`: `{code, message}`.
 *
 * @slot - Content for connected users. Rendered only when connected (not merely hidden).
 * @slot signed-out - Content shown beside the Connect button while signed out.
 *
 * @csspart base - The wrapper around the visible status.
 * @csspart status - The "Checking connection…" text.
 * @csspart connect-button - The "Connect to OpenRouter" button that opens the dialog.
 * @csspart account - The signed-in summary.
 * @csspart account-label - The key's masked label.
 * @csspart method - How the user signed in.
 * @csspart usage - Credits used and the limit.
 * @csspart disconnect-button - The Disconnect button.
 * @csspart message - A live region with the latest error in words.
 * @csspart retry-button - The Retry button shown when the status cannot be read.
 * @csspart dialog - The native `<dialog>`.
 * @csspart close-button - The dialog's close button.
 * @csspart tablist - The row of method tabs.
 * @csspart tab - One method tab.
 * @csspart tabpanel - One method's panel.
 * @csspart key-input - The API key field.
 * @csspart toggle-button - The show/hide key button.
 * @csspart hint - The live key format hint.
 * @csspart submit-button - The API key Connect button.
 * @csspart oauth-button - The "Sign in with OpenRouter" button.
 * @csspart redirect-link - The link to continue in this window when the popup was blocked.
 *
 * @cssprop --openrouter-auth-color-scheme - `light`, `dark`, or `light dark` (default: follow the system).
 * @cssprop --openrouter-auth-font-family - Font family (default: `system-ui, sans-serif`).
 * @cssprop --openrouter-auth-text-color - Text colour.
 * @cssprop --openrouter-auth-muted-color - Secondary text colour (hints, usage).
 * @cssprop --openrouter-auth-background - The dialog's background.
 * @cssprop --openrouter-auth-border-color - Borders of buttons, fields and the dialog.
 * @cssprop --openrouter-auth-accent - Primary buttons, the selected tab, focus rings and links.
 * @cssprop --openrouter-auth-on-accent - Text on primary buttons.
 * @cssprop --openrouter-auth-danger-color - Error text.
 * @cssprop --openrouter-auth-radius - Corner radius of buttons and fields (default: `0.5rem`).
 * @cssprop --openrouter-auth-backdrop - The dialog's backdrop (default: `rgb(0 0 0 / 0.45)`).
 *
 * @cssstate checking - The first status check is in flight.
 * @cssstate authenticated - The user is connected.
 * @cssstate signed-out - The user is not connected.
 * @cssstate error - The status could not be read; a Retry button is shown.
 * @cssstate busy - A sign-in or sign-out is in flight.
 */
export class OpenRouterAuth extends LitElement {
  static override styles = styles;

  // Declared with `static properties` rather than decorators: the decorator runtime would cost
  // about 0.35 KB of the 12 KB gzip budget for the same result.
  static override properties = {
    endpoint: {},
    methods: {},
    refreshInterval: { type: Number, attribute: "refresh-interval" },
    tab: { state: true },
    reveal: { state: true },
    key: { state: true },
  };

  /** The gateway's GraphQL endpoint, resolved against the page; messages are accepted only from its origin. */
  declare endpoint: string;

  /** The sign-in methods offered, space-separated: `api-key`, `oauth`, or both. */
  declare methods: string;

  /** Seconds between status refreshes (0: none). Paused while the page is hidden. */
  declare refreshInterval: number;

  /** The selected tab. */
  declare private tab: OpenRouterAuthMethodName;
  /** Whether the key field shows its value. */
  declare private reveal: boolean;
  /** What the key field holds, for the hint; the key itself is never kept in the element. */
  declare private key: KeyForm;

  private readonly auth = new AuthController(this);
  private readonly internals?: ElementInternals;
  private opener?: HTMLElement;
  private lastView?: string;
  private lastAction?: object;

  constructor() {
    super();
    this.endpoint = "/graphql";
    this.methods = "api-key oauth";
    this.refreshInterval = 0;
    this.tab = "api-key";
    this.reveal = false;
    this.key = "empty";
    try {
      this.internals = this.attachInternals();
    } catch {
      // Without ElementInternals (or in a server environment) the custom states are skipped.
    }
  }

  /** Whether the user is connected, as of the last status check. */
  get authenticated(): boolean {
    return !!this.auth.status?.authenticated;
  }

  /** The connected key's masked label, usage and limits; null when signed out. */
  get user(): OpenRouterAuthUser | null {
    return this.auth.status?.user ?? null;
  }

  /** Checks the status with the gateway again. */
  refresh(): Promise<void> {
    return this.auth.refresh();
  }

  /** Signs out: the gateway destroys the session and the slotted content is removed. */
  logout(): Promise<void> {
    return this.auth.logout();
  }

  /** Opens the "Connect to OpenRouter" dialog as a modal. */
  openDialog(): void {
    const dialog = this.dialog;
    if (!dialog) {
      if (!this.hasUpdated) void this.updateComplete.then(() => this.openDialog());
      return;
    }
    if (dialog.open) return;
    let active = document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    this.opener = active as HTMLElement | undefined;
    this.auth.clearError();
    this.requestUpdate();
    dialog.showModal();
    this.focusPanel();
  }

  /** Closes the dialog; focus returns to the button that opened it. */
  closeDialog(): void {
    this.dialog?.close();
  }

  private get dialog(): HTMLDialogElement | null {
    return this.renderRoot?.querySelector("dialog");
  }

  private get input(): HTMLInputElement | null {
    return this.renderRoot?.querySelector("input");
  }

  private get methodList(): OpenRouterAuthMethodName[] {
    const list = (["api-key", "oauth"] as const).filter((m) => this.methods.split(/\s+/).includes(m));
    return list.length ? list : ["api-key", "oauth"];
  }

  /** The selected tab, among the offered methods. */
  private get currentTab(): OpenRouterAuthMethodName {
    const methods = this.methodList;
    return methods.includes(this.tab) ? this.tab : methods[0]!;
  }

  override updated(changed: PropertyValues<this>): void {
    if (changed.has("refreshInterval")) this.auth.schedule();
    const view = this.view;
    const states = this.internals?.states;
    if (states) {
      for (const name of STATES) {
        const on = name === view || (name === "busy" && this.auth.busy);
        try {
          on ? states.add(name) : states.delete(name);
        } catch {
          on ? states.add(`--${name}`) : states.delete(`--${name}`);
        }
      }
    }
    // A sign-in closes the dialog, wherever it came from (this dialog, the popup, another tab);
    // a dialog opened while connected (to switch keys) stays open until that sign-in succeeds.
    const { action } = this.auth;
    const signedIn =
      view === "authenticated" &&
      (this.lastView !== view || (action !== this.lastAction && action.task === "complete" && action.kind !== "logout"));
    this.lastView = view;
    this.lastAction = action;
    if (signedIn) this.closeDialog();
    // The Disconnect button the user pressed is gone: focus moves to the button that replaces it
    // instead of falling to <body>.
    if (this.focusConnectAfterLogout && view !== "authenticated" && !this.auth.busy) {
      this.focusConnectAfterLogout = false;
      this.renderRoot.querySelector<HTMLElement>("[part=connect-button]")?.focus();
    }
  }

  /** Set when the user disconnects from the element itself (not when the host calls logout()). */
  private focusConnectAfterLogout = false;

  private onDisconnect(): void {
    this.focusConnectAfterLogout = true;
    void this.logout();
  }

  private get view(): "checking" | "authenticated" | "signed-out" | "error" {
    const status = this.auth.status;
    if (status) return status.authenticated ? "authenticated" : "signed-out";
    return this.auth.statusTask === "error" ? "error" : "checking";
  }

  override render(): TemplateResult {
    const { auth } = this;
    const view = this.view;
    const actionError = auth.action.error?.message ?? "";
    return html`
      <div part="base" class="bar">
        ${view === "checking" ? html`<span part="status" class="muted" role="status">Checking connection…</span>` : nothing}
        ${view === "signed-out"
          ? html`<button part="connect-button" class="primary" @click=${this.openDialog}>Connect to OpenRouter</button>
              <slot name="signed-out"></slot>`
          : nothing}
        ${view === "authenticated" ? this.renderAccount() : nothing}
        ${view === "error"
          ? html`<button part="retry-button" @click=${this.refresh}>Retry</button>`
          : nothing}
        <p part="message" class="error" role="alert">${view === "error"
          ? auth.statusError?.message
          : auth.action.kind === "logout"
            ? actionError
            : ""}</p>
      </div>
      ${view === "authenticated" ? html`<slot></slot>` : nothing}
      <dialog part="dialog" aria-labelledby="title" @close=${this.onClose}>
        <header>
          <h2 id="title">Connect to OpenRouter</h2>
          <button part="close-button" aria-label="Close" @click=${this.closeDialog}>✕</button>
        </header>
        ${this.renderTabs()}
        <p part="message" class="error" role="alert">${auth.action.kind !== "logout" ? actionError : ""}</p>
      </dialog>
    `;
  }

  private renderAccount(): TemplateResult {
    const { status, busy } = this.auth;
    const user = status?.user;
    const money = (n: number) => n.toLocaleString(undefined, { style: "currency", currency: "USD" });
    return html`<div part="account" class="bar">
        <span part="account-label">${user?.label}</span>
        <span part="method" class="muted">${status?.method ? methodLabels[status.method] : ""}</span>
        ${user
          ? html`<span part="usage" class="muted"
              >${money(user.usage)} used / ${user.limit === null ? "no limit" : money(user.limit)}</span
            >`
          : nothing}
      </div>
      <button part="disconnect-button" ?disabled=${busy} @click=${this.onDisconnect}>Disconnect</button>`;
  }

  private renderTabs(): TemplateResult {
    const methods = this.methodList;
    const current = this.currentTab;
    const { busy, action, redirectUrl } = this.auth;
    const keyBusy = busy && action.kind === "api-key";
    const oauthBusy = busy && action.kind === "oauth";
    const usable = this.key === "current" || this.key === "accepted";
    return html`
      <div role="tablist" part="tablist" aria-label="Sign-in method" @keydown=${this.onTabKey}>
        ${methods.map(
          (m) =>
            html`<button
              role="tab"
              part="tab"
              id="tab-${m}"
              aria-controls="panel-${m}"
              aria-selected=${m === current}
              tabindex=${m === current ? 0 : -1}
              @click=${() => (this.tab = m)}
            >
              ${tabLabels[m]}
            </button>`,
        )}
      </div>
      <div role="tabpanel" part="tabpanel" id="panel-api-key" aria-labelledby="tab-api-key" ?hidden=${current !== "api-key"}>
        <form @submit=${this.onSubmit}>
          <label for="key">OpenRouter API key</label>
          <div class="field">
            <input
              id="key"
              part="key-input"
              type=${this.reveal ? "text" : "password"}
              autocomplete="off"
              autocapitalize="off"
              spellcheck="false"
              placeholder="sk-or-v1-…"
              aria-describedby="hint"
              aria-invalid=${this.key === "invalid"}
              @input=${this.onInput}
            />
            <button
              type="button"
              part="toggle-button"
              aria-controls="key"
              aria-label=${this.reveal ? "Hide key" : "Show key"}
              @click=${() => (this.reveal = !this.reveal)}
            >
              ${this.reveal ? "Hide" : "Show"}
            </button>
          </div>
          <p id="hint" part="hint" class="hint">${hints[this.key]}</p>
          <button part="submit-button" class="primary" ?disabled=${!usable || busy}>
            ${keyBusy ? "Connecting…" : "Connect"}
          </button>
        </form>
      </div>
      <div role="tabpanel" part="tabpanel" id="panel-oauth" aria-labelledby="tab-oauth" ?hidden=${current !== "oauth"}>
        <p class="muted">Sign in on openrouter.ai in a new window. Your key stays on the server.</p>
        <button part="oauth-button" class="primary" ?disabled=${busy} @click=${this.onOAuth}>
          ${oauthBusy ? "Waiting for OpenRouter…" : "Sign in with OpenRouter"}
        </button>
        ${redirectUrl
          ? html`<p>
              Your browser blocked the sign-in window.
              <a part="redirect-link" href=${redirectUrl} target="_top">Continue in this window</a>
            </p>`
          : nothing}
      </div>
    `;
  }

  private focusPanel(): void {
    (this.currentTab === "oauth" ? this.renderRoot.querySelector<HTMLElement>("[part=oauth-button]") : this.input)?.focus();
  }

  private onInput(): void {
    this.key = keyForm(this.input!.value.trim());
  }

  private onSubmit(event: SubmitEvent): void {
    event.preventDefault();
    const input = this.input!;
    const key = input.value.trim();
    // Cleared at once, whatever the outcome: the key should not linger in the page.
    input.value = "";
    this.key = "empty";
    this.reveal = false;
    if (keyForm(key) === "invalid" || !key || this.auth.busy) return;
    void this.auth.signInWithKey(key);
  }

  private onOAuth(): void {
    // Synchronous on purpose: the popup must open inside the click's user activation.
    void this.auth.signInWithOAuth();
  }

  /** WAI-ARIA tabs with automatic activation (https://www.w3.org/WAI/ARIA/apg/patterns/tabs/). */
  private onTabKey(event: KeyboardEvent): void {
    const methods = this.methodList;
    const index = methods.indexOf(this.currentTab);
    const next = {
      ArrowRight: index + 1,
      ArrowLeft: index - 1 + methods.length,
      Home: 0,
      End: methods.length - 1,
    }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    this.tab = methods[next % methods.length]!;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`#tab-${this.tab}`)?.focus());
  }

  private onClose(): void {
    this.reveal = false;
    // Focus goes back where it came from; after a sign-in the opener is gone, so to Disconnect.
    const target = this.authenticated
      ? this.renderRoot.querySelector<HTMLElement>("[part=disconnect-button]")
      : this.opener?.isConnected
        ? this.opener
        : this.renderRoot.querySelector<HTMLElement>("[part=connect-button]");
    target?.focus();
  }
}
