/** What an account key is for. Each purpose is checked on use: a reset key never verifies an address. */
export type AccountKeyPurpose = "verify_email" | "reset_password" | "change_email";

/**
 * An emailed key (verification, password reset, email change) as a store keeps it: only the
 * SHA-256 of the key, never the key itself, so a leaked database holds no usable link.
 */
export interface AccountKeyRecord {
  /** Lower-case hex SHA-256 of the key the link carries. */
  keyHash: string;
  purpose: AccountKeyPurpose;
  userId: string;
  /** The address the key was sent to; the key only ever acts on that address. */
  email: string;
  /**
   * For a reset key: a fingerprint of the password hash when the key was issued, so the key
   * dies as soon as the password changes by any path (route, CLI, another reset). Else null.
   */
  passwordStamp: string | null;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** The key is refused from this moment on. Milliseconds since the epoch. */
  expiresAt: number;
}

/** An email waiting in the durable outbox. */
export interface OutboxMessage {
  /** Random, unique. */
  id: string;
  to: string;
  subject: string;
  /** Plain-text part (always carries the link). */
  text: string;
  /** HTML part. */
  html: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
}

/** A message handed to one sender by {@link AccountStore.claimMessages}. */
export interface ClaimedMessage extends OutboxMessage {
  /** Delivery attempts so far, this one included. */
  attempts: number;
}

/**
 * The account-lifecycle part of a backend: emailed keys, verified addresses, the durable
 * mail outbox and session freshness. Narrow and policy-free: core hashes the keys, decides
 * expiry and retries; a store saves, finds and deletes atomically. Methods reject with
 * {@link StoreUnavailableError} when the backend cannot be reached.
 */
export interface AccountStore {
  /**
   * Saves a key and, when given, the message that carries it, in one transaction: either
   * both are stored or neither (a key is never mailed without being saved, nor saved unmailed).
   */
  createKey(key: AccountKeyRecord, message: OutboxMessage | null): Promise<void>;
  /**
   * Deletes the key with this hash and purpose and resolves to it, or to null when there is
   * none or it expired at `now`. Atomic: of any number of concurrent calls for one key,
   * exactly one gets the record (a link cannot be used twice, even by racing requests).
   */
  consumeKey(keyHash: string, purpose: AccountKeyPurpose, now: number): Promise<AccountKeyRecord | null>;
  /** Deletes the user's keys (of one purpose, or all). Resolves to the count. */
  deleteUserKeys(userId: string, purpose?: AccountKeyPurpose): Promise<number>;
  /** Records that the user proved they receive mail at `email` (compared case-insensitively). */
  markEmailVerified(userId: string, email: string): Promise<void>;
  /** Whether the user verified `email` (case-insensitively). */
  isEmailVerified(userId: string, email: string): Promise<boolean>;
  /** Deletes everything kept for the user: keys and verified addresses (account deletion). */
  deleteUserData(userId: string): Promise<void>;
  /** Records that the session re-authenticated at `at` (ms). */
  setSessionFreshAt(sessionId: string, at: number): Promise<void>;
  /** When the session last re-authenticated (ms), or null. */
  getSessionFreshAt(sessionId: string): Promise<number | null>;
  /** Puts a message in the outbox (for mail that carries no key, e.g. a notice). */
  enqueueMessage(message: OutboxMessage): Promise<void>;
  /**
   * Leases up to `limit` unsent messages that are due at `now` to the caller until
   * `now + leaseMs`, counting one attempt each, oldest first. Atomic across processes: a
   * message leased to one sender is not handed to another while the lease runs, so with
   * several processes each message is sent once.
   */
  claimMessages(options: { now: number; leaseMs: number; limit: number }): Promise<ClaimedMessage[]>;
  /** The message was delivered: it leaves the outbox. */
  completeMessage(id: string): Promise<void>;
  /** Delivery failed: the message is due again at `nextAttemptAt` (ms). */
  retryMessage(id: string, nextAttemptAt: number, error: string): Promise<void>;
  /** Messages still waiting (unsent), for operators and tests. */
  countPendingMessages(): Promise<number>;
}
