// The checks of ../checks/mode-a.ts, in webkit.
import { MODE_A } from "../checks/mode-a.js";
import { runChecks } from "../harness/engines/index.js";

runChecks("webkit", MODE_A);
