import { createLatchkeyPlugin } from "@latchkey/vue";
import { createApp } from "vue";
import App from "./App.vue";
import { client } from "./latchkey";
import { router } from "./router";
import "./styles.css";

// The plugin first: it starts the session check that the router's guard waits for.
createApp(App).use(createLatchkeyPlugin(client)).use(router).mount("#app");
