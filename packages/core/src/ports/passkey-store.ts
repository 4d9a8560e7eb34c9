/** What a WebAuthn challenge was issued for; checked on use, so a login challenge never registers a key. */
export type WebauthnChallengePurpose = "register" | "login" | "second_factor";

/**
 * A registered passkey (WebAuthn credential) as a store keeps it. Only public material: the
 * private key never leaves the authenticator, so a leaked database lets nobody sign in.
 */
export interface PasskeyRecord {
  /** Public, random id used in URLs (`DELETE /api/mfa/webauthn/{id}/`); never the credential id. */
  id: string;
  userId: string;
  /** The authenticator's credential id, base64url. Unique across all users. */
  credentialId: string;
  /** The credential's COSE public key. */
  publicKey: Uint8Array;
  /** The last signature counter seen (0 for authenticators that keep none). */
  counter: number;
  /** Transports the authenticator reported (`usb`, `internal`, `hybrid`, …), for the browser's hints. */
  transports: readonly string[];
  /** Whether the credential may be synced across devices (backup eligible). */
  deviceType: "singleDevice" | "multiDevice";
  /** Whether the credential is currently backed up. */
  backedUp: boolean;
  /** The name the user gave it. */
  name: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** Milliseconds since the epoch, or null before its first use. */
  lastUsedAt: number | null;
}

/** A WebAuthn challenge waiting for its answer: kept hashed, single-use and short-lived. */
export interface WebauthnChallengeRecord {
  /** Lower-case hex SHA-256 of the challenge. */
  challengeHash: string;
  purpose: WebauthnChallengePurpose;
  /** The user the challenge was issued to, or null for a passwordless login (any discoverable credential). */
  userId: string | null;
  /** The challenge is refused from this moment on. Milliseconds since the epoch. */
  expiresAt: number;
}

/**
 * Passkeys and their challenges. Narrow and policy-free: core verifies the WebAuthn
 * ceremonies; a store saves, finds and deletes atomically. Methods reject with
 * {@link StoreUnavailableError} when the backend cannot be reached.
 */
export interface PasskeyStore {
  /** Saves a new credential. Resolves to false (and saves nothing) when its credentialId is already registered. */
  createCredential(record: PasskeyRecord): Promise<boolean>;
  /** The user's credentials, oldest first. */
  listCredentials(userId: string): Promise<PasskeyRecord[]>;
  /** The credential with this authenticator credential id, or null. */
  findByCredentialId(credentialId: string): Promise<PasskeyRecord | null>;
  /** Renames the user's credential; false when the user has no credential with that id. */
  renameCredential(userId: string, id: string, name: string): Promise<boolean>;
  /** Deletes the user's credential; false when the user has no credential with that id. */
  deleteCredential(userId: string, id: string): Promise<boolean>;
  /**
   * Records a use: sets the counter and lastUsedAt only if the stored counter is still
   * `expectedCounter` (compare-and-set), so two racing assertions with one counter value
   * cannot both pass. Resolves to whether it was set.
   */
  recordUse(id: string, expectedCounter: number, counter: number, usedAt: number): Promise<boolean>;
  /** Deletes all of the user's credentials (account deletion, `latchkey users mfa reset`). Resolves to the count. */
  deleteUserCredentials(userId: string): Promise<number>;
  /** Saves a challenge. */
  saveChallenge(record: WebauthnChallengeRecord): Promise<void>;
  /**
   * Deletes the challenge with this hash and purpose and resolves to it, or to null when there
   * is none or it expired at `now`. Atomic: of concurrent calls for one challenge exactly one
   * gets it (a challenge answers one ceremony, even under a burst of replays).
   */
  consumeChallenge(
    challengeHash: string,
    purpose: WebauthnChallengePurpose,
    now: number,
  ): Promise<WebauthnChallengeRecord | null>;
}
