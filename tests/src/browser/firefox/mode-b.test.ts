// The checks of ../checks/mode-b.ts, in firefox.
import { MODE_B } from "../checks/mode-b.js";
import { runChecks } from "../harness/engines/index.js";

runChecks("firefox", MODE_B);
