/**
 * `<openrouter-auth>` in Svelte 5 templates, for svelte-check (and the editor's Svelte language
 * tools): typed attributes (`refresh-interval="30"` as the attribute table writes it) and typed
 * `onopenrouter-auth-change` / `onopenrouter-auth-error` handlers. Import it once, for its types,
 * from a file the project's tsconfig includes (`src/main.ts` in a create-vite project):
 *
 *     import type {} from "openrouter-auth/svelte";
 *
 * A package entry of its own, so that a project without Svelte never meets a declaration that
 * needs it. It adds nothing at run time.
 */
import type { HTMLAttributes } from "svelte/elements";

import type { OpenRouterAuth } from "../openrouter-auth.js";
import type { OpenRouterAuthChangeEvent, OpenRouterAuthErrorEvent } from "../events.js";
import type { OpenRouterAuthAttributes } from "../jsx/attributes.js";

/** What a Svelte template may set on `<openrouter-auth>`: its attributes and events. */
export interface OpenRouterAuthSvelteAttributes extends HTMLAttributes<OpenRouterAuth>, OpenRouterAuthAttributes {
  /** The connection status became known, or changed. */
  "onopenrouter-auth-change"?: (event: OpenRouterAuthChangeEvent) => void;
  /** A status check, sign-in or sign-out failed. */
  "onopenrouter-auth-error"?: (event: OpenRouterAuthErrorEvent) => void;
}

declare module "svelte/elements" {
  interface SvelteHTMLElements {
    "openrouter-auth": OpenRouterAuthSvelteAttributes;
  }
}
