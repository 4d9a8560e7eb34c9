/**
 * Defaults of the passkey (WebAuthn) settings, each with its unit and the reason for the
 * value. The config resolver fills from here; the ready server's settings table and
 * docs/configuration.md quote these values.
 */
export const PASSKEY_DEFAULTS = Object.freeze({
  /**
   * Origins a WebAuthn response may come from. Empty means "derive": `[publicOrigin]` when the
   * configuration has one; without either, the passkey routes are off (an origin taken from the
   * request's Host header would let a phishing host pass the origin check).
   */
  origins: Object.freeze([]) as readonly string[],
  /** Relying-party ID: null means the host name of the first origin (the most specific scope that works). */
  rpId: null as string | null,
  /** Relying-party name shown by the browser's passkey dialog: null means `mail.productName`. */
  rpName: null as string | null,
  /**
   * Seconds a registration or login challenge can be answered: 5 minutes (long enough for a security-key tap, short
   * enough that a leaked challenge soon dies).
   */
  challengeTtlSeconds: 300,
  /**
   * `"required"`: the authenticator must verify the user (PIN, biometrics), as a passwordless
   * login replaces the password with it; `"preferred"` accepts presence only (a tap).
   */
  userVerification: "required" as "required" | "preferred",
  /**
   * Passwordless-login starts (`POST /login/webauthn/options/`) per client IP per window: each
   * saves a challenge, so the limit keeps one client from filling the store; 30 a minute is far
   * above what a person or a shared NAT needs.
   */
  loginOptionsPerIp: Object.freeze({ points: 30, durationSeconds: 60 }),
  /** Longest name a user may give a passkey, in characters. */
  maxNameLength: 64,
});
