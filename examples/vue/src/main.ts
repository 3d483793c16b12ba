import { createApp } from "vue";
// The element's types for vue-tsc, once for the whole project.
import type {} from "openrouter-auth/vue";
import App from "./App.vue";

createApp(App).mount("#app");
