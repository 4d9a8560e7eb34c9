/** The outcome of checking a password against a stored hash. */
export interface VerifyResult {
  /** True if the password matches. */
  valid: boolean;
  /**
   * True if the password matched but the hash uses another algorithm or weaker parameters
   * than the current default: the caller should store `hash(password)` in its place.
   */
  needsRehash: boolean;
}

/**
 * Hashes and verifies passwords. Every method runs the work off the event loop (libuv's
 * thread pool), so a login storm does not stall other requests.
 */
export interface PasswordHasher {
  /** Which algorithm new hashes use. */
  readonly algorithm: "argon2id" | "scrypt";
  /** Hashes `password` with the current algorithm and parameters; resolves to an encoded string. */
  hash(password: string): Promise<string>;
  /**
   * Checks `password` against `encoded` (argon2id PHC strings, latchkey's scrypt format, and
   * Django's `pbkdf2_sha256$…` / `argon2$…` / `scrypt$…` / `bcrypt_sha256$…` / `bcrypt$…`). An unknown or malformed
   * encoding resolves to `{ valid: false }`, never throws.
   */
  verify(encoded: string, password: string): Promise<VerifyResult>;
  /**
   * Spends the time of one real verification and resolves to nothing. Called for unknown
   * users, inactive users and users without a usable password so that response time does
   * not reveal which usernames exist (user enumeration by timing, ASVS 6.3.8).
   */
  verifyDummy(password: string): Promise<void>;
}
