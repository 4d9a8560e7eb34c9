// The checks of ../checks/session-state.ts, in chromium.
import { SESSION_STATE } from "../checks/session-state.js";
import { runChecks } from "../harness/engines/index.js";

runChecks("chromium", SESSION_STATE);
