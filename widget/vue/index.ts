/**
 * `<openrouter-auth>` in Vue 3 templates, for vue-tsc (and the editor's Vue language tools):
 * typed attributes (`refresh-interval="30"` as the attribute table writes it) and typed
 * `@openrouter-auth-change` / `@openrouter-auth-error` handlers. Import it once, for its types,
 * from a file the project's tsconfig includes (`src/main.ts` in a create-vite project):
 *
 *     import type {} from "openrouter-auth/vue";
 *
 * Vite still needs to be told that the tag is not a Vue component (`isCustomElement` in
 * `vite.config.ts`, as the README shows). A package entry of its own, so that a project without
 * Vue never meets a declaration that needs it. It adds nothing at run time.
 */
import type { HTMLAttributes } from "vue";

import type { OpenRouterAuth } from "../openrouter-auth.js";
import type { OpenRouterAuthChangeEvent, OpenRouterAuthErrorEvent } from "../events.js";
import type { OpenRouterAuthStrings } from "../strings.js";
import type { OpenRouterAuthAttributes, OpenRouterAuthRefreshInterval } from "../jsx/attributes.js";

/** What a Vue template may set on `<openrouter-auth>`: its attributes, properties and events. */
export interface OpenRouterAuthVueProps extends HTMLAttributes, OpenRouterAuthAttributes {
  /** The same as `refresh-interval` (Vue matches either spelling). */
  refreshInterval?: OpenRouterAuthRefreshInterval;
  /** The element's own words, over its language's (`:strings="{ connect: '…' }"`). */
  strings?: Partial<OpenRouterAuthStrings>;
  /** `@openrouter-auth-change`: the connection status became known, or changed. */
  onOpenrouterAuthChange?: (event: OpenRouterAuthChangeEvent) => void;
  /** `@openrouter-auth-error`: a status check, sign-in or sign-out failed. */
  onOpenrouterAuthError?: (event: OpenRouterAuthErrorEvent) => void;
}

declare module "vue" {
  interface GlobalComponents {
    "openrouter-auth": new () => OpenRouterAuth & { $props: OpenRouterAuthVueProps };
  }
}
