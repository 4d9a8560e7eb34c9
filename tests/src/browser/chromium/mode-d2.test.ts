// The checks of ../checks/mode-d2.ts, in chromium.
import { MODE_D2 } from "../checks/mode-d2.js";
import { runChecks } from "../harness/engines/index.js";

runChecks("chromium", MODE_D2);
