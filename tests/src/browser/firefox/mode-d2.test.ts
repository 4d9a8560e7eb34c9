// The checks of ../checks/mode-d2.ts, in firefox.
import { MODE_D2 } from "../checks/mode-d2.js";
import { runChecks } from "../harness/engines/index.js";

runChecks("firefox", MODE_D2);
