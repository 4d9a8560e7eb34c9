// The checks of ../checks/mode-a.ts, in firefox.
import { MODE_A } from "../checks/mode-a.js";
import { runChecks } from "../harness/engines/index.js";

runChecks("firefox", MODE_A);
