// The checks of ../checks/vue-mode-b.ts, in chromium.
import { VUE_MODE_B } from "../checks/vue-mode-b.js";
import { runChecks } from "../harness/engines/index.js";

runChecks("chromium", VUE_MODE_B);
