// The demo page (plain JS, no build): what a host builds on the element. It waits for
// `openrouter-auth-change` to say the user is connected, then lists the models and offers a chat
// that streams through the gateway's proxy. Neither ever holds the key.

import { createChat } from "./chat.js";
import { clearModels, selectedModel, listModels } from "./model-picker.js";

const auth = document.querySelector("openrouter-auth");
const chat = createChat({ model: selectedModel });

let connected = false;

function onStatus(authenticated) {
  // The event also fires when usage figures change; act only when the status does.
  if (authenticated === connected) return;
  connected = authenticated;
  if (authenticated) {
    listModels();
  } else {
    clearModels();
    chat.reset();
  }
}

auth.addEventListener("openrouter-auth-change", (event) => onStatus(event.detail.authenticated));
// In case the element already knew the status before this script ran.
customElements.whenDefined("openrouter-auth").then(() => onStatus(auth.authenticated === true));
