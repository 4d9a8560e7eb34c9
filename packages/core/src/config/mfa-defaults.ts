/**
 * Defaults of the second-factor settings (SPEC §2b), each with its unit and the reason for
 * the value. The config resolver fills from here; the ready server's settings table and
 * docs/configuration.md quote these values.
 */
export const MFA_DEFAULTS = Object.freeze({
  mfa: Object.freeze({
    /**
     * The issuer shown in authenticator apps (`otpauth://` URL). null: `mail.productName`.
     */
    issuer: null as string | null,
    /**
     * Seconds a pending login (password right, second factor awaited) lives: 5 minutes, long enough to open an app,
     * short enough that a stolen pending cookie soon dies.
     */
    pendingLoginTtlSeconds: 300,
    /**
     * Wrong codes one pending login may take before it is refused (429): a guesser must start over with the password.
     */
    attemptsPerPendingLogin: 5,
    /**
     * Second-factor attempts per user per window, across all their pending logins: with ±1
     * step a guess hits with p ≈ 3·10⁻⁶, so 10 per 15 minutes keeps a year of guessing
     * under a 10 % chance (RFC 6238 §5.2, NIST SP 800-63B §5.2.2 "rate limiting").
     */
    attemptsPerUser: Object.freeze({ points: 10, durationSeconds: 900 }),
    /** Name of the HttpOnly pending-login cookie (`__Host-` is added with cookies.hostPrefix). */
    pendingCookieName: "latchkey_mfa",
  }),
});
