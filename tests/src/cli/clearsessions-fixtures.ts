import type { SessionRecord } from "@latchkey/core";

/** One hour in milliseconds. */
export const HOUR = 3_600_000;

/** A session record created ten hours ago that is still live; `overrides` make it expired. */
export function session(id: string, overrides: Partial<SessionRecord>): SessionRecord {
  const now = Date.now();
  return {
    id,
    secretHash: "0".repeat(64),
    userId: "1",
    kind: "cookie",
    createdAt: now - 10 * HOUR,
    lastSeenAt: now - 10 * HOUR,
    expiresAt: now + HOUR,
    absoluteExpiresAt: now + 24 * HOUR,
    ip: null,
    userAgent: null,
    label: null,
    ...overrides,
  };
}
