// The demo page's model picker: once the element says the user is connected, it calls the
// gateway's `models` query with the session cookie (`credentials: "include"`). The key never
// reaches here.

const auth = document.querySelector("openrouter-auth");
const searchForm = document.getElementById("model-search-form");
const search = document.getElementById("model-search");
const select = document.getElementById("model");
const details = document.getElementById("model-details");

const MODELS = `query Models($search: String, $first: Int) {
  models(search: $search, first: $first) { id name contextLength promptPrice completionPrice }
}`;

/** Where the element talks to: its `endpoint` attribute, or /graphql on this page's origin. */
const endpoint = () => new URL(auth.getAttribute("endpoint") || "/graphql", document.baseURI);

let models = [];
let pending;

async function loadModels(term = "") {
  pending?.abort();
  const abort = (pending = new AbortController());
  select.disabled = true;
  details.textContent = "Loading models…";
  try {
    const response = await fetch(endpoint(), {
      method: "POST",
      credentials: "include",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: MODELS, variables: { search: term || null, first: 50 } }),
      signal: abort.signal,
    });
    const { data, errors } = await response.json();
    if (errors?.length) throw new Error(errors[0].extensions?.code ?? errors[0].message);
    models = data.models;
    showModels();
  } catch (error) {
    if (abort.signal.aborted) return;
    models = [];
    select.replaceChildren(new Option("No models", ""));
    details.textContent = `Could not load models (${error.message}).`;
  }
}

function showModels() {
  const previous = localStorage.getItem("openrouter-auth-demo:model");
  select.replaceChildren(...models.map((m) => new Option(m.name, m.id, false, m.id === previous)));
  select.disabled = models.length === 0;
  if (models.length === 0) select.append(new Option("No model matches", ""));
  describeSelection();
}

/** US dollars per token, as OpenRouter writes them, shown per million tokens. */
const perMillion = (price) => (price == null ? "?" : `$${(Number(price) * 1e6).toFixed(2)}`);

function describeSelection() {
  const model = models.find((m) => m.id === select.value);
  if (!model) {
    details.textContent = models.length ? "" : "No model matches that search.";
    return;
  }
  localStorage.setItem("openrouter-auth-demo:model", model.id);
  const context = model.contextLength ? `${model.contextLength.toLocaleString()} tokens of context, ` : "";
  details.textContent = `${model.id}: ${context}${perMillion(model.promptPrice)} / ${perMillion(model.completionPrice)} per million prompt / completion tokens.`;
}

let debounce;
search.addEventListener("input", () => {
  clearTimeout(debounce);
  debounce = setTimeout(() => loadModels(search.value.trim()), 250);
});
searchForm.addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(debounce);
  loadModels(search.value.trim());
});
select.addEventListener("change", describeSelection);

/** The chosen model's id, or "" while none is. */
export const selectedModel = () => select.value;

/** Lists the models for the connected account. */
export const listModels = () => loadModels(search.value.trim());

/** Forgets the list on sign-out. */
export function clearModels() {
  pending?.abort();
  models = [];
  select.replaceChildren(new Option("Loading models…", ""));
  select.disabled = true;
  details.textContent = "";
}
