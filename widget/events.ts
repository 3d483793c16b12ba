import type { AuthMethod, AuthUserFragment } from "./__generated__/graphql.js";
import type { OpenRouterAuthErrorCode } from "./error-codes.js";

/** What the gateway says about the signed-in user's key. Never the key itself. */
export type OpenRouterAuthUser = AuthUserFragment;
export type { AuthMethod };

/** Detail of `openrouter-auth-change`. */
export interface OpenRouterAuthChangeDetail {
  /** Whether the browser session is connected to an OpenRouter account. */
  readonly authenticated: boolean;
  /** How it was connected; null when signed out. */
  readonly method: AuthMethod | null;
  /** The key's masked label, usage and limits; null when signed out. */
  readonly user: OpenRouterAuthUser | null;
}

/** Detail of `openrouter-auth-error`. */
export interface OpenRouterAuthErrorDetail {
  /** The gateway's error code (`INVALID_API_KEY`, …) or one of the element's own (`NETWORK_ERROR`, …). */
  readonly code: OpenRouterAuthErrorCode;
  /** The same error in words, as the element shows it (in its language). */
  readonly message: string;
}

// Both events bubble and cross shadow boundaries, so a host can listen on any ancestor.
const init = { bubbles: true, composed: true } as const;

/** Fired when the connection status is first known, and whenever it changes. */
export class OpenRouterAuthChangeEvent extends CustomEvent<OpenRouterAuthChangeDetail> {
  constructor(detail: OpenRouterAuthChangeDetail) {
    super("openrouter-auth-change", { ...init, detail });
  }
}

/** Fired when an operation fails: a status check, a sign-in, a sign-out. */
export class OpenRouterAuthErrorEvent extends CustomEvent<OpenRouterAuthErrorDetail> {
  constructor(detail: OpenRouterAuthErrorDetail) {
    super("openrouter-auth-error", { ...init, detail });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    "openrouter-auth-change": OpenRouterAuthChangeEvent;
    "openrouter-auth-error": OpenRouterAuthErrorEvent;
  }
}
