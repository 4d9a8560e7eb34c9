/**
 * Defaults of the account-lifecycle settings, each with its unit and the reason for the
 * value. One area of {@link DEFAULTS} (config/defaults.ts): the config resolver fills from
 * here, and the ready server's settings table and docs/configuration.md quote these values
 * (a test keeps them in step).
 */
export const ACCOUNT_DEFAULTS = Object.freeze({
  signup: Object.freeze({
    /** Sign-up is off until an operator turns it on: an open registration is a decision, not an accident. */
    enabled: false,
    /**
     * New addresses must be confirmed before login, so nobody can register (and spam from) an address they do not own.
     */
    emailVerification: "mandatory" as "mandatory" | "optional" | "none",
  }),
  login: Object.freeze({
    /** Login by username only; adding "email" lets people log in with their address too. */
    identifiers: Object.freeze(["username"]) as readonly ("username" | "email")[],
  }),
  accounts: Object.freeze({
    /** Seconds a verification link works: 3 days, as django-allauth (people read mail late). */
    verificationKeyTtlSeconds: 3 * 24 * 3600,
    /** Seconds a password-reset link works: 1 hour (OWASP Forgot Password cheat sheet: short-lived). */
    resetKeyTtlSeconds: 3600,
    /** Seconds an email-change link works: 1 day. */
    emailChangeKeyTtlSeconds: 24 * 3600,
    /** Seconds a login or re-authentication keeps a session "fresh" for sensitive routes: 5 minutes (SPEC §2a). */
    reauthenticationWindowSeconds: 300,
    /** Path on `publicOrigin` of the SPA page that posts a verification key. */
    verifyEmailLinkPath: "/verify-email",
    /** Path on `publicOrigin` of the SPA page that asks for the new password. */
    resetPasswordLinkPath: "/reset-password",
    /** Sign-ups per client IP per window: stops one client from mass-registering. */
    signupPerIp: Object.freeze({ points: 10, durationSeconds: 3600 }),
    /**
     * Mails (reset, verification, email change) per address per window: over it, the same 202 and no mail, so a
     * victim's inbox cannot be flooded.
     */
    mailPerAddress: Object.freeze({ points: 3, durationSeconds: 900 }),
    /** Reset and resend requests per client IP per window: over it, 429. */
    mailPerIp: Object.freeze({ points: 20, durationSeconds: 900 }),
  }),
  mail: Object.freeze({
    /** The From address of every message. */
    from: "latchkey <no-reply@localhost>",
    /** The product name messages speak of. */
    productName: "latchkey",
    /** No template folder: messages use the catalogue's texts (mail/message-catalogue.ts). */
    templatesDir: null as string | null,
    /** Messages handed to the transport per outbox pass. */
    batchSize: 20,
    /**
     * Milliseconds a sender holds a claimed message before another process may try it: longer than any SMTP exchange.
     */
    leaseMs: 60_000,
    /** Milliseconds before the first retry of a failed message; doubled each time. */
    retryBaseMs: 5_000,
    /**
     * Longest wait between retries, in milliseconds: a message is retried for as long as it takes, at least this often.
     */
    retryMaxMs: 15 * 60_000,
    /** Milliseconds between outbox polls of the background worker. */
    pollIntervalMs: 1_000,
  }),
});
