/**
 * A user's TOTP authenticator as a store keeps it. The secret is sealed (AES-GCM) by core
 * before it reaches the store, so a leaked database or backup holds no usable secret.
 */
export interface TotpRecord {
  userId: string;
  /** The sealed secret (`v1.<keyId>.<iv>.<ciphertext+tag>`, base64url parts): the store never sees it in clear. */
  sealedSecret: string;
  /** False from setup until a code confirms it; an unconfirmed authenticator is not a factor. */
  confirmed: boolean;
  /** The last RFC 6238 time step accepted (the code's counter), or null before any. */
  lastUsedStep: number | null;
  /** Milliseconds since the epoch. */
  createdAt: number;
}

/** A login that passed the password and waits for its second factor. Kept by the hash of its token only. */
export interface PendingLoginRecord {
  /** Lower-case hex SHA-256 of the pending-login token (the cookie value or `mfaToken`). */
  tokenHash: string;
  userId: string;
  /** What the completed login creates: a cookie session (`/login/`) or a bearer token (`/token/login/`). */
  kind: "cookie" | "bearer";
  /** The device label a token login asked for, or null. */
  label: string | null;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** Refused from this moment on. Milliseconds since the epoch. */
  expiresAt: number;
}

/**
 * Second-factor records: TOTP authenticators, recovery codes and pending logins. Narrow and
 * policy-free: core seals secrets, hashes codes and tokens, and checks codes; a store saves,
 * finds and changes them atomically, so one code or one pending login is used once even when
 * several processes or nodes race. Methods reject when the backend cannot be reached.
 */
export interface MfaStore {
  /** The user's TOTP authenticator (confirmed or not), or null. */
  getTotp(userId: string): Promise<TotpRecord | null>;
  /** Saves the user's TOTP authenticator, replacing any the user had. */
  saveTotp(record: TotpRecord): Promise<void>;
  /**
   * Accepts time step `step` of the user's authenticator: sets `lastUsedStep` to `step` (and,
   * with `confirm`, marks the authenticator confirmed) only if no step at or after it was
   * accepted before (compare-and-set). Of concurrent calls with one step exactly one resolves
   * to true, so a code is accepted once across processes (replay within its window refused).
   * Resolves to false too when the user has no authenticator.
   */
  acceptTotpStep(userId: string, step: number, options: { confirm: boolean }): Promise<boolean>;
  /** Deletes the user's TOTP authenticator; false when there was none. */
  deleteTotp(userId: string): Promise<boolean>;
  /** Replaces the user's recovery codes by these hashes (an empty list deletes them): the old set dies. */
  replaceRecoveryCodes(userId: string, codeHashes: readonly string[], createdAt: number): Promise<void>;
  /**
   * Deletes the user's recovery code with this hash and resolves to whether it was there.
   * Atomic: of concurrent uses of one code exactly one gets true.
   */
  useRecoveryCode(userId: string, codeHash: string): Promise<boolean>;
  /** How many unused recovery codes the user has. */
  countRecoveryCodes(userId: string): Promise<number>;
  /** Saves a pending login. */
  savePendingLogin(record: PendingLoginRecord): Promise<void>;
  /** The pending login with this token hash, or null when there is none or it expired at `now`. Does not consume it. */
  getPendingLogin(tokenHash: string, now: number): Promise<PendingLoginRecord | null>;
  /**
   * Deletes the pending login with this token hash and resolves to it, or to null when there is
   * none or it expired at `now`. Atomic: of concurrent calls exactly one gets it.
   */
  consumePendingLogin(tokenHash: string, now: number): Promise<PendingLoginRecord | null>;
  /** Deletes pending logins that expired at `now`. Resolves to the count. */
  deleteExpiredPendingLogins(now: number): Promise<number>;
  /**
   * Deletes the user's authenticator, recovery codes and pending logins (`latchkey users mfa reset`, account deletion).
   */
  deleteUserFactors(userId: string): Promise<void>;
}
