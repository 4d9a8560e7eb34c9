// The checks of ../checks/account-pages.ts, in chromium.
import { ACCOUNT_PAGES } from "../checks/account-pages.js";
import { runChecks } from "../harness/engines/index.js";

runChecks("chromium", ACCOUNT_PAGES);
