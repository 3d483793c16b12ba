"use client";
/**
 * `openrouter-auth/react`: `<OpenRouterAuth>`, the element as a React component, made with the Lit
 * team's `@lit/react`. Importing it registers the tag. A client component (`"use client"`), so a
 * Next.js App Router page may render it from a server component; the page's own handlers still
 * live in a client component of the page's.
 *
 *     <OpenRouterAuth endpoint="/graphql" onAuthChange={(event) => setConnected(event.detail.authenticated)}>
 *       {connected && <ModelPicker />}
 *       <p slot="signed-out">Connect OpenRouter to choose a model.</p>
 *     </OpenRouterAuth>
 *
 * Why a wrapper rather than the plain tag: React 19 attaches a custom element's `on…` props when it
 * renders on the client, but not when it hydrates server-rendered HTML
 * (https://github.com/facebook/react/issues/35446), so on a server-rendered page the plain tag's
 * `onopenrouter-auth-change` is never called. `@lit/react` adds its listeners in an effect, which
 * runs after hydration as after any render.
 *
 * The entry also carries the plain tag's JSX types (`../jsx/react.ts`), so a page that writes
 * `<openrouter-auth>` itself types it with `import type {} from "openrouter-auth/react"`.
 */
import { createComponent, type EventName } from "@lit/react";
import { isServer } from "lit";
import * as React from "react";
import type { ForwardRefExoticComponent, HTMLAttributes, RefAttributes } from "react";

import "../define.js";
import type { OpenRouterAuth as OpenRouterAuthElement } from "../openrouter-auth.js";
import type { OpenRouterAuthChangeEvent, OpenRouterAuthErrorEvent } from "../events.js";
import type { OpenRouterAuthStrings } from "../strings.js";
import type { OpenRouterAuthMethods } from "../jsx/attributes.js";
import type { OpenRouterAuthTagProps } from "../jsx/react.js";

export type { OpenRouterAuthTagProps };

/** The props of `<OpenRouterAuth>`: the element's attributes and events, and any HTML attribute. */
export interface OpenRouterAuthProps extends HTMLAttributes<OpenRouterAuthElement> {
  /** The gateway's GraphQL URL (default `/graphql`). */
  endpoint?: string;
  /** Which tabs the dialog offers: `api-key`, `oauth` or both, space-separated (the default). */
  methods?: OpenRouterAuthMethods;
  /** Seconds between status refreshes, paused while the page is hidden (the `refresh-interval` attribute). */
  refreshInterval?: number;
  /** The element's own words, over its language's. */
  strings?: Partial<OpenRouterAuthStrings>;
  /** `openrouter-auth-change`: the connection status became known, or changed. */
  onAuthChange?: (event: OpenRouterAuthChangeEvent) => void;
  /** `openrouter-auth-error`: a status check, sign-in or sign-out failed. */
  onAuthError?: (event: OpenRouterAuthErrorEvent) => void;
}

const events = {
  onAuthChange: "openrouter-auth-change" as EventName<OpenRouterAuthChangeEvent>,
  onAuthError: "openrouter-auth-error" as EventName<OpenRouterAuthErrorEvent>,
};

/**
 * What `createComponent` is told of the element's class: it sets each prop named on this prototype
 * as a property, in an effect, which a server render leaves out; every other prop it leaves to
 * React. `endpoint` and `methods` are not named, so React writes them as attributes, into the
 * server's HTML too: the element checks the right gateway from the moment it upgrades, before the
 * page hydrates. `refreshInterval` (whose attribute is `refresh-interval`) and `strings` (an
 * object) are properties.
 */
const setAsProperties = { prototype: { refreshInterval: 0, strings: {} } } as unknown as typeof OpenRouterAuthElement;

/**
 * The latest `openrouter-auth-change` of each element on the page, heard from the start. On a page
 * rendered on the server, the element upgrades as soon as this module runs and may learn the status
 * before React has hydrated the page and attached `onAuthChange`; the component hands that event
 * to its handler once mounted, so a user who is signed in already is not missed.
 */
const latestChange = new WeakMap<EventTarget, OpenRouterAuthChangeEvent>();
if (!isServer) {
  addEventListener("openrouter-auth-change", (event) => void (event.target && latestChange.set(event.target, event)), { capture: true });
}

const Element = createComponent({
  react: React,
  tagName: "openrouter-auth",
  elementClass: setAsProperties,
  events,
  displayName: "openrouter-auth",
});

/** `<openrouter-auth>` as a React component; its ref is the element. */
export const OpenRouterAuth: ForwardRefExoticComponent<OpenRouterAuthProps & RefAttributes<OpenRouterAuthElement>> = React.forwardRef<
  OpenRouterAuthElement,
  OpenRouterAuthProps
>(function OpenRouterAuth(props, ref) {
  const element = React.useRef<OpenRouterAuthElement | null>(null);
  const setElement = React.useCallback(
    (node: OpenRouterAuthElement | null) => {
      element.current = node;
      if (typeof ref === "function") ref(node);
      else if (ref) ref.current = node;
    },
    [ref],
  );
  const { onAuthChange } = props;
  React.useLayoutEffect(() => {
    // The first commit, in which `@lit/react` has just attached the listeners: the element's events
    // come from network answers, never within a commit, so an event recorded by now came before
    // them, and was heard by no one.
    const missed = element.current && latestChange.get(element.current);
    if (missed) onAuthChange?.(missed);
    // Only on mount: later events reach the listeners.
  }, []);
  return React.createElement(Element, { ...props, ref: setElement });
});
