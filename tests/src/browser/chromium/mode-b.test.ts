// The checks of ../checks/mode-b.ts, in chromium.
import { MODE_B } from "../checks/mode-b.js";
import { runChecks } from "../harness/engines/index.js";

runChecks("chromium", MODE_B);
