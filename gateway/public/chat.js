// The demo's chat box: sends the conversation to the gateway's OpenRouter proxy with the session
// cookie and shows the answer as it streams in. The key is the gateway's; this page never sees it.

import { readEventData } from "./sse.js";

const PROXY = "/api/v1/openrouter/proxy/chat/completions";

/**
 * @param {{ model: () => string }} options where the chosen model comes from
 * @returns {{ reset(): void }} `reset` stops any answer and clears the conversation (on sign-out)
 */
export function createChat({ model }) {
  const form = document.getElementById("chat-form");
  const prompt = document.getElementById("prompt");
  const transcript = document.getElementById("transcript");
  const status = document.getElementById("chat-status");
  const send = document.getElementById("send");
  const stop = document.getElementById("stop");

  /** What has been said so far, sent whole each turn as chat completions expect. */
  let messages = [];
  let running;

  function bubble(role, text) {
    const item = document.createElement("div");
    item.className = `message ${role}`;
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = role === "user" ? "You" : "Model";
    const body = document.createElement("p");
    body.textContent = text;
    item.append(who, body);
    transcript.append(item);
    return body;
  }

  function setBusy(busy) {
    send.disabled = busy;
    stop.disabled = !busy;
    transcript.setAttribute("aria-busy", String(busy));
    // A disabled button drops the focus: keep it where the user can act next.
    if (busy && document.activeElement === send) stop.focus();
    if (!busy && document.activeElement === stop) prompt.focus();
  }

  async function ask(text) {
    const chosen = model();
    if (!chosen) {
      status.textContent = "Choose a model first.";
      return;
    }
    messages.push({ role: "user", content: text });
    bubble("user", text);
    const answer = bubble("assistant", "");
    answer.parentElement.classList.add("streaming");
    const abort = (running = new AbortController());
    setBusy(true);
    status.textContent = "Answering…";
    try {
      const response = await fetch(PROXY, {
        method: "POST",
        credentials: "include",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: chosen, stream: true, messages }),
        signal: abort.signal,
      });
      if (!response.ok) throw new Error(await errorText(response));
      for await (const data of readEventData(response.body)) {
        const chunk = JSON.parse(data);
        if (chunk.error) throw new Error(chunk.error.message ?? "The answer broke off.");
        answer.textContent += chunk.choices?.[0]?.delta?.content ?? "";
      }
      messages.push({ role: "assistant", content: answer.textContent });
      status.textContent = "Done.";
    } catch (error) {
      // A stopped or failed answer is not part of the conversation the model sees next time.
      messages.pop();
      status.textContent = abort.signal.aborted ? "Stopped." : `Could not answer: ${error.message}`;
      answer.parentElement.classList.add(abort.signal.aborted ? "stopped" : "failed");
    } finally {
      answer.parentElement.classList.remove("streaming");
      if (running === abort) running = undefined;
      setBusy(false);
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = prompt.value.trim();
    if (text === "" || running) return;
    prompt.value = "";
    ask(text);
  });
  // Enter sends, Shift+Enter starts a new line, as in most chat boxes.
  prompt.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  stop.addEventListener("click", () => running?.abort());

  return {
    reset() {
      running?.abort();
      messages = [];
      transcript.replaceChildren();
      status.textContent = "";
    },
  };
}

/** The proxy's and OpenRouter's error bodies are `{"error":{"code","message"}}`. */
async function errorText(response) {
  try {
    const { error } = await response.json();
    return `${error.message} (${error.code})`;
  } catch {
    return `HTTP ${response.status}`;
  }
}
