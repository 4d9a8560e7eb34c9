// The checks of ../checks/mode-b.ts, in webkit.
import { MODE_B } from "../checks/mode-b.js";
import { runChecks } from "../harness/engines/index.js";

runChecks("webkit", MODE_B);
