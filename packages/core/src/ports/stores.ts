import type { AccountStore } from "./account-store.js";
import type { MfaStore } from "./mfa-store.js";
import type { PasskeyStore } from "./passkey-store.js";
import type { SessionStore } from "./session-store.js";
import type { ThrottleStore } from "./throttle-store.js";
import type { UserStore } from "./user-store.js";

/** The three stores latchkey needs. One backend may provide all three. */
export interface Stores {
  sessions: SessionStore;
  users: UserStore;
  throttle: ThrottleStore;
  /**
   * Emailed keys, verified addresses, the mail outbox and session freshness: needed by the
   * account-lifecycle routes (sign-up, verification, reset, email change, re-authentication,
   * account deletion). Without it those routes are off. The built-in SQL and memory stores
   * provide it.
   */
  accounts?: AccountStore;
  /**
   * Registered passkeys and WebAuthn challenges: needed by the passkey routes (second factor
   * and passwordless login). Without it those routes are off.
   */
  passkeys?: PasskeyStore;
  /**
   * TOTP authenticators, recovery codes and pending second-factor logins: needed by the MFA
   * routes (SPEC §2b). Without it those routes are off and every login is password-only.
   * The built-in SQLite, PostgreSQL and memory stores provide it.
   */
  mfa?: MfaStore;
}
