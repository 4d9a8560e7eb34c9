// The checks of ../checks/mfa-pages.ts, in chromium.
import { MFA_PAGES } from "../checks/mfa-pages.js";
import { runChecks } from "../harness/engines/index.js";

runChecks("chromium", MFA_PAGES);
