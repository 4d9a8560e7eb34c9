// A test helper (the ".test." in the name keeps it out of the published package).
import type { SessionRecord } from "@latchkey/core";

const NOW = 1_700_000_000_000;
const CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

/** A session value the previous version wrote, byte for byte, and the record it holds. */
export interface WrittenByThePreviousVersion {
  /** The packed value (layout v1: times as doubles), base64. */
  readonly base64: string;
  readonly record: SessionRecord;
}

/**
 * Values the previous version's `packSession` wrote (layout v1), captured from it: sessions
 * already in Redis when latchkey is upgraded, which must still be read, touched and deleted.
 */
export const WRITTEN_BY_THE_PREVIOUS_VERSION: readonly WrittenByThePreviousVersion[] = [
  {
    base64:
      "AT5CeLz+Vr6AAEJ4vP5YsoAAQni8/laAAABCeLz+VoAAAAABMQEjRWeJq83vASNFZ4mrze8BI0VniavN7wEjRWeJq83vywBxBw3zRQ48LF4n1+EoLgYA",
    record: {
      id: "v1",
      secretHash: "0123456789abcdef".repeat(4),
      userId: "1",
      kind: "cookie",
      createdAt: NOW,
      lastSeenAt: NOW,
      expiresAt: NOW + 1_000,
      absoluteExpiresAt: NOW + 9_000,
      ip: "203.0.113.7",
      userAgent: CHROME,
      label: null,
    },
  },
  {
    base64: "AUNCeLz+Vr6AAEJ4vP5YsoAAQni8/laAAABCeLz+VoAAAAABMQEjRWeJq83vASNFZ4mrze8BI0VniavN7wEjRWeJq83vCENJIHRva2Vu",
    record: {
      id: "v1b",
      secretHash: "0123456789abcdef".repeat(4),
      userId: "1",
      kind: "bearer",
      createdAt: NOW,
      lastSeenAt: NOW,
      expiresAt: NOW + 1_000,
      absoluteExpiresAt: NOW + 9_000,
      ip: null,
      userAgent: null,
      label: "CI token",
    },
  },
];
