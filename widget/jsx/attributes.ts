/**
 * The element's attributes as a template writes them, for the framework typings (React's JSX in
 * `./react.ts`, Vue's templates in `../vue/`, Svelte's in `../svelte/`): one description, so that
 * they agree with each other and with the attribute table of the README. Types only.
 */
import type { OpenRouterAuthMethodName } from "../openrouter-auth.js";

/** The `methods` attribute: `api-key`, `oauth`, or both, space-separated. */
export type OpenRouterAuthMethods = `${OpenRouterAuthMethodName}` | `${OpenRouterAuthMethodName} ${OpenRouterAuthMethodName}`;

/** `refresh-interval`: seconds, as a number or as the attribute's text (`refresh-interval="30"`). */
export type OpenRouterAuthRefreshInterval = number | `${number}`;

export interface OpenRouterAuthAttributes {
  /** The gateway's GraphQL URL (default `/graphql`). */
  endpoint?: string;
  /** Which tabs the dialog offers: `api-key`, `oauth` or both, space-separated (the default). */
  methods?: OpenRouterAuthMethods;
  /** Seconds between status refreshes, paused while the page is hidden. */
  "refresh-interval"?: OpenRouterAuthRefreshInterval;
}
