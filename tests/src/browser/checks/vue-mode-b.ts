// Deployment mode B (SPEC §5) with the Vue example (examples/vue-spa): its static build and the
// API behind one real nginx, on one origin, with TLS at nginx and `trustProxy` at latchkey.
// nginx runs the shipped docs/deploy/nginx-same-origin.conf, whose `try_files ... /index.html`
// answers the Vue app's /login route on a reload.
import { it } from "node:test";
import type { EngineChecks } from "../harness/engines/index.js";
import { VUE_SPA_SOURCE } from "../harness/spa.js";
import { checkSameOriginBehindNginx } from "./mode-b.js";

/** vue-mode-b: the shared description of these checks, run in each engine by browser/<engine>/vue-mode-b.test.ts. */
export const VUE_MODE_B: EngineChecks = {
  title: "deployment mode B with the Vue example: the SPA and the API behind one nginx, same origin",
  programs: ["nginx", "openssl"],
  define(run) {
    it("B (Vue): https://app.example.test serves the Vue example's static build and proxies /api/ to latchkey (production mode, trustProxy 1): Secure __Host- cookies, login, reload, logout, no CSRF", async () => {
      await checkSameOriginBehindNginx(run, "vue-b", VUE_SPA_SOURCE);
    });
  },
};
