// The checks of ../checks/mode-a.ts, in chromium.
import { MODE_A } from "../checks/mode-a.js";
import { runChecks } from "../harness/engines/index.js";

runChecks("chromium", MODE_A);
