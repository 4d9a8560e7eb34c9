// The checks of ../checks/mode-c1.ts, in firefox.
import { MODE_C1 } from "../checks/mode-c1.js";
import { runChecks } from "../harness/engines/index.js";

runChecks("firefox", MODE_C1);
