// The checks of ../checks/vue-mode-a.ts, in chromium.
import { VUE_MODE_A } from "../checks/vue-mode-a.js";
import { runChecks } from "../harness/engines/index.js";

runChecks("chromium", VUE_MODE_A);
