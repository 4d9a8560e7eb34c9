import { ACCOUNT_DEFAULTS } from "./account-defaults.js";
import { CORE_DEFAULTS } from "./core-defaults.js";
import { MFA_DEFAULTS } from "./mfa-defaults.js";
import { PASSKEY_DEFAULTS } from "./passkey-defaults.js";

export { ACCOUNT_DEFAULTS } from "./account-defaults.js";
export { CORE_DEFAULTS, type ByMode } from "./core-defaults.js";

/**
 * The default of every setting of `createLatchkey()`, in one frozen object whose keys are
 * the option keys (`session.idleTimeoutSeconds`). Each value carries a comment with its unit
 * and the reason for it, in its area's file. The config resolver fills from here; the ready
 * server's settings table and docs/configuration.md quote it (a test keeps all three in step).
 *
 * A new area of settings gets its own `<area>-defaults.ts` and one line here.
 */
export const DEFAULTS = Object.freeze({
  ...CORE_DEFAULTS,
  ...ACCOUNT_DEFAULTS,
  passkeys: PASSKEY_DEFAULTS,
  ...MFA_DEFAULTS,
});
