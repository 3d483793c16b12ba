/**
 * `<openrouter-auth>` in React 19's JSX: typed attributes, and typed `onopenrouter-auth-change` /
 * `onopenrouter-auth-error` props (React 19 turns an `on<event-name>` prop on a custom element
 * into a listener for that event, when it renders on the client: not when it hydrates a page
 * rendered on the server, where the `OpenRouterAuth` component of `../react/` is needed). Part of
 * the `openrouter-auth/react` entry; a page that writes the tag itself imports it once, for its
 * types, from any file of a React app:
 *
 *     import type {} from "openrouter-auth/react";
 *
 * A package entry of its own, so that a project without React never meets a declaration that
 * needs `@types/react`. It adds nothing at run time.
 */
import type { DetailedHTMLProps, HTMLAttributes } from "react";

import type { OpenRouterAuth } from "../openrouter-auth.js";
import type { OpenRouterAuthChangeEvent, OpenRouterAuthErrorEvent } from "../events.js";
import type { OpenRouterAuthAttributes, OpenRouterAuthRefreshInterval } from "./attributes.js";

/** The props React accepts on `<openrouter-auth>`: its attributes, properties and events. */
export interface OpenRouterAuthTagProps
  extends DetailedHTMLProps<HTMLAttributes<OpenRouterAuth>, OpenRouterAuth>,
    OpenRouterAuthAttributes {
  /** The same as `refresh-interval`, set as a property. */
  refreshInterval?: OpenRouterAuthRefreshInterval;
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
