// The checks of ../checks/mode-c2.ts, in chromium.
import { MODE_C2 } from "../checks/mode-c2.js";
import { runChecks } from "../harness/engines/index.js";

runChecks("chromium", MODE_C2);
