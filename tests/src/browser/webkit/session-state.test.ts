// The checks of ../checks/session-state.ts, in webkit.
import { SESSION_STATE } from "../checks/session-state.js";
import { runChecks } from "../harness/engines/index.js";

runChecks("webkit", SESSION_STATE);
