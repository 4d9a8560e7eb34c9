// The checks of ../checks/mode-c2.ts, in webkit.
import { MODE_C2 } from "../checks/mode-c2.js";
import { runChecks } from "../harness/engines/index.js";

runChecks("webkit", MODE_C2);
