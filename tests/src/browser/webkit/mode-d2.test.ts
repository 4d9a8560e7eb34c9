// The checks of ../checks/mode-d2.ts, in webkit.
import { MODE_D2 } from "../checks/mode-d2.js";
import { runChecks } from "../harness/engines/index.js";

runChecks("webkit", MODE_D2);
