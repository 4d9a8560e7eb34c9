// The checks of ../checks/account-pages.ts in mode B (nginx), in chromium.
import { ACCOUNT_PAGES_B } from "../checks/account-pages.js";
import { runChecks } from "../harness/engines/index.js";

runChecks("chromium", ACCOUNT_PAGES_B);
