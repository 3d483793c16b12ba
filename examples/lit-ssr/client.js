// First, so that LitElement hydrates the server's shadow root instead of rendering it anew.
import "@lit-labs/ssr-client/lit-element-hydrate-support.js";
import "openrouter-auth/define";

document.querySelector("openrouter-auth").addEventListener("openrouter-auth-change", (event) => {
  document.title = event.detail.authenticated ? "Drafts (connected)" : "Drafts";
});
