// The checks of ../checks/mode-c1.ts, in chromium.
import { MODE_C1 } from "../checks/mode-c1.js";
import { runChecks } from "../harness/engines/index.js";

runChecks("chromium", MODE_C1);
