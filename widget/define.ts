/**
 * Registers `<openrouter-auth>`. Safe to load twice (two bundles, two script tags): the second
 * load finds the tag taken and leaves it, instead of throwing "already been used". In a server
 * environment without `customElements` it does nothing.
 */
import { OpenRouterAuth } from "./openrouter-auth.js";

export * from "./index.js";

if (typeof customElements !== "undefined" && !customElements.get("openrouter-auth")) {
  customElements.define("openrouter-auth", OpenRouterAuth);
}

declare global {
  interface HTMLElementTagNameMap {
    "openrouter-auth": OpenRouterAuth;
  }
}
