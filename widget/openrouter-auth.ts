import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from "lit";
import { AuthController } from "./auth-controller.js";
import type { OpenRouterAuthErrorCode } from "./error-codes.js";
import type { AuthMethod, OpenRouterAuthUser } from "./events.js";
import { langOf, loadErrorWords, pickLocale, registerLocale, stringsFor } from "./localize.js";
import { styles } from "./openrouter-auth.styles.js";
import { en, type OpenRouterAuthStrings, type Words } from "./strings.js";

/** A sign-in method, as the `methods` attribute names it. */
export type OpenRouterAuthMethodName = "api-key" | "oauth";

/** What the API key field holds, for the live hint. */
type KeyForm = "empty" | "current" | "accepted" | "invalid";

/** Today's key form (`sk-or-v1-` and 64 hex digits): advice for the hint, not a rule. */
const CURRENT_KEY = /^sk-or-v1-[0-9a-f]{64}$/;
/** What the gateway accepts: any `sk-or-` token of 20 to 256 URL-safe characters, prefix included. */
const ACCEPTED_KEY = /^sk-or-[\w-]{14,250}$/;

const keyForm = (key: string): KeyForm =>
  !key ? "empty" : CURRENT_KEY.test(key) ? "current" : ACCEPTED_KEY.test(key) ? "accepted" : "invalid";

const hints = { empty: "hintEmpty", current: "hintCurrent", accepted: "hintAccepted", invalid: "hintInvalid" } as const;
const tabLabels = { "api-key": "tabApiKey", oauth: "tabOAuth" } as const;
const methodLabels = { API_KEY: "methodApiKey", OAUTH: "methodOAuth" } as const satisfies Record<AuthMethod, keyof OpenRouterAuthStrings>;

/** Custom state names; Chromium before 125 only took them as `--name` (https://crbug.com/1527226). */
const STATES = ["checking", "authenticated", "signed-out", "error", "busy"] as const;

/**
 * Connects the user's OpenRouter account to this page's backend through the openrouter-auth
 * gateway. The key stays on the server; the element only sees its masked label.
 *
 * Works under a Content-Security-Policy without `'unsafe-inline'`: styles are adopted
 * stylesheets, and where a browser lacks them Lit's fallback `<style>` carries `window.litNonce`.
 *
 * Speaks the page's language: `lang` on the element, or else on its closest ancestor (the
 * document's `<html lang>`), picks the words; English is built in, and `de`, `es`, `fr`, `it`,
 * `ja`, `ko`, `nl`, `pl`, `pt-BR`, `tr`, `zh-CN` and `zh-TW` load on demand (a tag matches by its
 * language and script too: `de-AT` gets German, `zh-HK` Traditional Chinese).
 * Amounts are formatted for the same language. A host overrides any string with `strings`, or adds
 * a language with `OpenRouterAuth.registerLocale()`.
 *
 * @summary Shows the OpenRouter connection status, a "Connect to OpenRouter" dialog (API key or
 * OAuth sign-in), and reveals its content once the user is connected.
 *
 * @event {OpenRouterAuthChangeEvent} openrouter-auth-change - The status is first known, or changed. `detail`: `{authenticated, method, user}`; never the key.
 * @event {OpenRouterAuthErrorEvent} openrouter-auth-error - A status check, sign-in or sign-out failed. `detail`: `{code, message}`, `code` an `OpenRouterAuthErrorCode`: the gateway's (`BAD_USER_INPUT`, `INVALID_API_KEY`, `UNAUTHENTICATED`, `OAUTH_STATE_INVALID`, `OAUTH_EXCHANGE_FAILED`, `KEY_LIMIT_TOO_HIGH`, `UPSTREAM_UNAVAILABLE`, `SESSION_STORE_UNAVAILABLE`, `SHUTTING_DOWN`, `RATE_LIMITED`, `INTERNAL_SERVER_ERROR`) or the element's own (`NETWORK_ERROR`: the gateway cannot be reached; `ORIGIN_NOT_ALLOWED`: the gateway's ALLOWED_ORIGINS lacks this page's origin; `COOKIE_NOT_KEPT`: the browser did not keep the session cookie; `OAUTH_TIMEOUT`: the popup gave no answer in 5 minutes; `BAD_RESPONSE`: the answer was not GraphQL; `INTERNAL_ERROR`: the element failed).
 *
 * @attr {string} lang - The language of the words and amounts (a BCP 47 tag); inherited from the closest ancestor with `lang` when absent.
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
 * @csspart remaining - Credits left under the key's limit (shown when it has one).
 * @csspart budget - Credits this page spent through the gateway's proxy, of the gateway's spend budget (shown when the gateway sets one).
 * @csspart expiry - When the key expires (shown when it does).
 * @csspart manage-link - The link to manage or revoke the key on OpenRouter's keys page.
 * @csspart key-note - After an OpenRouter sign-in: Disconnect does not revoke the key, which stays valid on OpenRouter until revoked there.
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
  // about 0.35 KB of the 12 KB gzip budget for the same result. `as const` keeps each declaration's
  // literal types (`attribute: "refresh-interval"`), which analyzers read.
  static override properties = {
    endpoint: {},
    methods: {},
    refreshInterval: { type: Number, attribute: "refresh-interval" },
    strings: { attribute: false },
    tab: { state: true },
    reveal: { state: true },
    key: { state: true },
  } as const;

  /**
   * Adds a language, or replaces some of a built-in language's strings, for every element on the
   * page: `OpenRouterAuth.registerLocale("it", { connect: "Connetti a OpenRouter", … })`. Strings
   * left out are English. Register before the elements render (or call their `requestUpdate()`).
   */
  static registerLocale(lang: string, strings: Partial<OpenRouterAuthStrings>): void {
    registerLocale(lang, strings);
  }

  /** The gateway's GraphQL endpoint, resolved against the page; messages are accepted only from its origin. */
  declare endpoint: string;

  /** The sign-in methods offered, space-separated: `api-key`, `oauth`, or both. */
  declare methods: string;

  /** Seconds between status refreshes (0: none). Paused while the page is hidden. */
  declare refreshInterval: number;

  /** This element's own words, over its language's: any of the strings' keys (see `OpenRouterAuthStrings`). */
  declare strings: Partial<OpenRouterAuthStrings>;

  /** The selected tab. */
  declare private tab: OpenRouterAuthMethodName;
  /** Whether the key field shows its value. */
  declare private reveal: boolean;
  /** What the key field holds, for the hint; the key itself is never kept in the element. */
  declare private key: KeyForm;

  private readonly auth = new AuthController(this, {
    // The words shown and the words in the event are the same, once they have loaded.
    describe: async (code) => {
      await loadErrorWords();
      this.requestUpdate();
      await this.updateComplete;
      return this.describe(code);
    },
    // Closed once the sign-in has rendered, so that focus can move to the new Disconnect button.
    onSignIn: () => void this.updateComplete.then(() => this.closeDialog()),
    relay: () => ({ parent: this.renderRoot, lang: this.locale, words: this.t }),
  });
  private readonly internals?: ElementInternals;
  private openedBy?: HTMLElement;
  /** The language picked for the words and amounts, and its words. */
  private locale = "en";
  private t: Words = en;
  private langObserver?: MutationObserver;

  constructor() {
    super();
    this.endpoint = "/graphql";
    this.methods = "api-key oauth";
    this.refreshInterval = 0;
    this.tab = "api-key";
    this.reveal = false;
    this.key = "empty";
    this.strings = {};
    try {
      this.internals = this.attachInternals();
    } catch {
      // Without ElementInternals (or in a server environment) the custom states are skipped.
    }
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // `lang` (the platform's own property, not a Lit one) may change after the element rendered:
    // its own, or an ancestor's (the document's, most often; the element may sit in a shadow root).
    this.langObserver ??= new MutationObserver(() => this.requestUpdate());
    this.langObserver.observe(this, { attributeFilter: ["lang"] });
    this.langObserver.observe(document.documentElement, { attributeFilter: ["lang"], subtree: true });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.langObserver?.disconnect();
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
    this.openedBy = active as HTMLElement | undefined;
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

  override willUpdate(): void {
    this.locale = pickLocale(langOf(this));
    this.t = { ...stringsFor(this.locale, () => this.requestUpdate()), ...this.strings };
  }

  /** An error code in words, in the element's language. */
  private describe(code: OpenRouterAuthErrorCode): string {
    return this.t[code as keyof OpenRouterAuthStrings] ?? this.t.error;
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
    return this.auth.statusTask.status === "error" ? "error" : "checking";
  }

  override render(): TemplateResult {
    const { auth, t, locale } = this;
    const view = this.view;
    const { actionError, actionKind, statusError } = auth;
    const actionMessage = actionError ? this.describe(actionError) : "";
    // The words' language on the element's own boxes: it differs from the page's when the page's
    // language has no strings and the element speaks English.
    return html`
      <div part="base" class="bar" lang=${locale}>
        ${view === "checking" ? html`<span part="status" class="muted" role="status">${t.checking}</span>` : nothing}
        ${view === "signed-out"
          ? html`<button part="connect-button" class="primary" @click=${this.openDialog}>${t.connect}</button>
              <slot name="signed-out"></slot>`
          : nothing}
        ${view === "authenticated" ? this.renderAccount() : nothing}
        ${view === "error"
          ? html`<button part="retry-button" @click=${this.refresh}>${t.retry}</button>`
          : nothing}
        <p part="message" class="error" role="alert">${view === "error"
          ? this.describe(statusError!)
          : actionKind === "logout"
            ? actionMessage
            : ""}</p>
      </div>
      ${view === "authenticated" ? html`<slot></slot>` : nothing}
      <dialog part="dialog" aria-labelledby="title" lang=${locale} @close=${this.onClose}>
        <header>
          <h2 id="title">${t.connect}</h2>
          <button part="close-button" aria-label=${t.close} @click=${this.closeDialog}>✕</button>
        </header>
        ${this.renderTabs()}
        <p part="message" class="error" role="alert">${actionKind !== "logout" ? actionMessage : ""}</p>
      </dialog>
    `;
  }

  private renderAccount(): TemplateResult {
    const { status, busy, budgetTask: budget } = this.auth;
    const { t, locale } = this;
    const user = status?.user;
    // OpenRouter's credits are US dollars, written the way the words' language writes amounts.
    const { format } = new Intl.NumberFormat(locale, { style: "currency", currency: "USD" });
    const remaining = user?.limitRemaining;
    const expires = user?.keyExpiresAt;
    // Null when the gateway sets no budget, or the read failed.
    const spent = budget.status === "error" ? null : budget.value;
    return html`<div part="account" class="bar">
        <span part="account-label">${user?.label}</span>
        <span part="method" class="muted">${status?.method ? t[methodLabels[status.method]] : ""}</span>
        ${user
          ? html`<span part="usage" class="muted"
              >${t.usage.replace("{used}", format(user.usage)).replace("{limit}", user.limit === null ? t.noLimit : format(user.limit))}</span
            >`
          : nothing}
        ${remaining == null ? nothing : html`<span part="remaining" class="muted">${t.remaining.replace("{amount}", format(remaining))}</span>`}
        ${spent
          ? html`<span part="budget" class="muted">${t.budget.replace("{spent}", format(spent.spent)).replace("{limit}", format(spent.limit))}</span>`
          : nothing}
        ${expires
          ? html`<span part="expiry" class="muted">${t.expires.replace("{date}", new Intl.DateTimeFormat(locale, { dateStyle: "medium" }).format(new Date(expires)))}</span>`
          : nothing}
        <a part="manage-link" href="https://openrouter.ai/settings/keys" target="_blank" rel="noopener">${t.manageKey}</a>
      </div>
      <button part="disconnect-button" ?disabled=${busy} @click=${this.onDisconnect}>${t.disconnect}</button>
      ${status?.method === "OAUTH" ? html`<p part="key-note" class="hint">${t.keyStaysValid}</p>` : nothing}`;
  }

  private renderTabs(): TemplateResult {
    const methods = this.methodList;
    const current = this.currentTab;
    const { busy, actionKind, redirectUrl } = this.auth;
    const { t } = this;
    const keyBusy = busy && actionKind === "api-key";
    const oauthBusy = busy && actionKind === "oauth";
    const usable = this.key === "current" || this.key === "accepted";
    return html`
      <div role="tablist" part="tablist" aria-label=${t.tabList} @keydown=${this.onTabKey}>
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
              ${t[tabLabels[m]]}
            </button>`,
        )}
      </div>
      <div role="tabpanel" part="tabpanel" id="panel-api-key" aria-labelledby="tab-api-key" ?hidden=${current !== "api-key"}>
        <form @submit=${this.onSubmit}>
          <label for="key">${t.keyLabel}</label>
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
              aria-label=${this.reveal ? t.hideKey : t.showKey}
              @click=${() => (this.reveal = !this.reveal)}
            >
              ${this.reveal ? t.hide : t.show}
            </button>
          </div>
          <p id="hint" part="hint" class="hint">${t[hints[this.key]]}</p>
          <button part="submit-button" class="primary" ?disabled=${!usable || busy}>
            ${keyBusy ? t.submitting : t.submit}
          </button>
        </form>
      </div>
      <div role="tabpanel" part="tabpanel" id="panel-oauth" aria-labelledby="tab-oauth" ?hidden=${current !== "oauth"}>
        <p class="muted">${t.oauthIntro}</p>
        <button part="oauth-button" class="primary" ?disabled=${busy} @click=${this.onOAuth}>
          ${oauthBusy ? t.oauthWaiting : t.oauthButton}
        </button>
        ${redirectUrl
          ? html`<p>
              ${t.popupBlocked}
              <a part="redirect-link" href=${redirectUrl} target="_top">${t.continueHere}</a>
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
      : this.openedBy?.isConnected
        ? this.openedBy
        : this.renderRoot.querySelector<HTMLElement>("[part=connect-button]");
    target?.focus();
  }
}
