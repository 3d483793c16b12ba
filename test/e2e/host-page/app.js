// The host page's own script: once <openrouter-auth> says the user is connected, list the models
// through the gateway with the session cookie. The key never reaches this page.
const auth = document.querySelector("openrouter-auth");
const select = document.getElementById("model");
const details = document.getElementById("model-details");
const endpoint = new URL(auth.getAttribute("endpoint"), document.baseURI);

const MODELS = "query Models($first: Int) { models(first: $first) { id name contextLength promptPrice completionPrice } }";
const perMillion = (price) => `$${(Number(price) * 1e6).toFixed(2)}`;
let models = [];
let loaded = false;

async function loadModels() {
  loaded = true;
  try {
    const response = await fetch(endpoint, {
      method: "POST",
      credentials: "include",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: MODELS, variables: { first: 20 } }),
    });
    const { data, errors } = await response.json();
    if (errors?.length) throw new Error(errors[0].extensions?.code ?? "error");
    models = data.models;
    select.replaceChildren(...models.map((m) => new Option(m.name, m.id)));
    select.disabled = false;
    describe();
  } catch (error) {
    loaded = false;
    details.textContent = `Models could not be loaded (${error.message}).`;
  }
}

function describe() {
  const model = models.find((m) => m.id === select.value);
  details.textContent = model
    ? `${model.contextLength.toLocaleString("en-US")} tokens of context · ${perMillion(model.promptPrice)} in / ${perMillion(model.completionPrice)} out per million tokens`
    : "";
}

function onStatus(authenticated) {
  if (authenticated && !loaded) void loadModels();
  if (!authenticated) loaded = false;
}

select.addEventListener("change", describe);
auth.addEventListener("openrouter-auth-change", (event) => onStatus(event.detail.authenticated));
customElements.whenDefined("openrouter-auth").then(() => onStatus(auth.authenticated === true));
