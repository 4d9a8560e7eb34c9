// The checks of ../checks/session-state.ts, in firefox.
import { SESSION_STATE } from "../checks/session-state.js";
import { runChecks } from "../harness/engines/index.js";

runChecks("firefox", SESSION_STATE);
