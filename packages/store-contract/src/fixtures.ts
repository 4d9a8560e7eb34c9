import { randomUUID } from "node:crypto";
import type { NewUser, SessionRecord } from "@latchkey/core";

/**
 * A fixed "now" (ms) so expiry arithmetic in the tests is exact; exported as `CONTRACT_NOW`.
 * It lies in the past, so a store that derives native expiry (a TTL) from a clock must be
 * given a clock pinned here, or it would drop the fixtures' sessions at once.
 */
export const NOW = 1_700_000_000_000;

const DAY_MS = 24 * 60 * 60 * 1000;

/** A complete session with distinct values in every field; `overrides` replace any of them. */
export function makeSession(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: randomUUID(),
    secretHash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    userId: "1",
    kind: "cookie",
    createdAt: NOW,
    lastSeenAt: NOW,
    expiresAt: NOW + 14 * DAY_MS,
    absoluteExpiresAt: NOW + 30 * DAY_MS,
    ip: "203.0.113.7",
    userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0 — ünïcödé ✓",
    label: "Work laptop",
    ...overrides,
  };
}

/** A complete new user whose username and key are unique to this call. */
export function makeUser(overrides: Partial<NewUser> = {}): NewUser {
  const name = `user-${randomUUID()}`;
  return {
    username: name,
    usernameKey: name.toLowerCase(),
    email: `${name}@example.com`,
    firstName: "Ada",
    lastName: "Lovelace",
    isActive: true,
    isStaff: false,
    isSuperuser: false,
    groups: [],
    permissions: [],
    passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
    dateJoined: NOW,
    ...overrides,
  };
}

/** A key prefix no other test uses, for throttle tests over a shared backend. */
export function uniquePrefix(): string {
  return `contract-${randomUUID()}`;
}
