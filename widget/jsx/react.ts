/**
 * `<openrouter-auth>` in React 19's JSX: typed attributes, and typed `onopenrouter-auth-change` /
 * `onopenrouter-auth-error` props (React 19 turns an `on<event-name>` prop on a custom element
 * into a listener for that event). Import it once, for its types, from any file of a React app:
 *
 *     import type {} from "openrouter-auth/react";
 *
 * A package entry of its own, so that a project without React never meets a declaration that
 * needs `@types/react`. It adds nothing at run time.
 */
import type { DetailedHTMLProps, HTMLAttributes } from "react";

import type { OpenRouterAuth, OpenRouterAuthMethodName } from "../openrouter-auth.js";
import type { OpenRouterAuthChangeEvent, OpenRouterAuthErrorEvent } from "../events.js";

/** The props React accepts on `<openrouter-auth>`: its attributes, properties and events. */
export interface OpenRouterAuthTagProps
  extends DetailedHTMLProps<HTMLAttributes<OpenRouterAuth>, OpenRouterAuth> {
  /** The gateway's GraphQL URL (default `/graphql`). */
  endpoint?: string;
  /** Which tabs the dialog offers: `api-key`, `oauth` or both, space-separated (the default). */
  methods?: `${OpenRouterAuthMethodName}` | `${OpenRouterAuthMethodName} ${OpenRouterAuthMethodName}`;
  /** Seconds between status refreshes, paused while the page is hidden. */
  "refresh-interval"?: number | string;
  /** The same as `refresh-interval`, set as a property. */
  refreshInterval?: number;
  /** The connection status became known, or changed. */
  "onopenrouter-auth-change"?: (event: OpenRouterAuthChangeEvent) => void;
  /** A status check, sign-in or sign-out failed. */
  "onopenrouter-auth-error"?: (event: OpenRouterAuthErrorEvent) => void;
}

declare module "react" {
  // React 19 keeps JSX in its own namespace; `react/jsx-runtime` extends this one.
  namespace JSX {
    interface IntrinsicElements {
      "openrouter-auth": OpenRouterAuthTagProps;
    }
  }
}
