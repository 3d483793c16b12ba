import { mount } from "svelte";
// The element's types for svelte-check, once for the whole project.
import type {} from "openrouter-auth/svelte";
import App from "./App.svelte";

export default mount(App, { target: document.getElementById("app")! });
