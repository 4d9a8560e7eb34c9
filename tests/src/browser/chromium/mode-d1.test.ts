// The checks of ../checks/mode-d1.ts, in chromium.
import { MODE_D1 } from "../checks/mode-d1.js";
import { runChecks } from "../harness/engines/index.js";

runChecks("chromium", MODE_D1);
