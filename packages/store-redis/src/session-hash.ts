import type { SessionRecord } from "@latchkey/core";

/**
 * The session as HSET arguments (`field, value, …`). Times are decimal strings of ms; a null
 * IP, user agent or label is simply left out, so `""` and null stay distinct.
 */
export function sessionFields(session: SessionRecord): string[] {
  const fields = [
    "secretHash",
    session.secretHash,
    "userId",
    session.userId,
    "kind",
    session.kind,
    "createdAt",
    String(session.createdAt),
    "lastSeenAt",
    String(session.lastSeenAt),
    "expiresAt",
    String(session.expiresAt),
    "absoluteExpiresAt",
    String(session.absoluteExpiresAt),
  ];
  if (session.ip !== null) fields.push("ip", session.ip);
  if (session.userAgent !== null) fields.push("userAgent", session.userAgent);
  if (session.label !== null) fields.push("label", session.label);
  return fields;
}

function corrupt(id: string, field: string): Error {
  return new Error(`The Redis hash of session ${JSON.stringify(id)} has a missing or malformed "${field}" field.`);
}

function time(id: string, hash: Record<string, string>, field: string): number {
  const text = hash[field];
  const value = text === undefined || text === "" ? Number.NaN : Number(text);
  if (!Number.isFinite(value)) throw corrupt(id, field);
  return value;
}

function text(id: string, hash: Record<string, string>, field: string): string {
  const value = hash[field];
  if (value === undefined) throw corrupt(id, field);
  return value;
}

/**
 * The record in an HGETALL reply, or null for an empty reply (no such key). Each field is
 * checked, not cast: a hash that is not ours fails loudly here instead of reaching core.
 */
export function sessionFromHash(id: string, hash: Record<string, string>): SessionRecord | null {
  if (Object.keys(hash).length === 0) return null;
  const kind = hash["kind"];
  if (kind !== "cookie" && kind !== "bearer") throw corrupt(id, "kind");
  return {
    id,
    secretHash: text(id, hash, "secretHash"),
    userId: text(id, hash, "userId"),
    kind,
    createdAt: time(id, hash, "createdAt"),
    lastSeenAt: time(id, hash, "lastSeenAt"),
    expiresAt: time(id, hash, "expiresAt"),
    absoluteExpiresAt: time(id, hash, "absoluteExpiresAt"),
    ip: hash["ip"] ?? null,
    userAgent: hash["userAgent"] ?? null,
    label: hash["label"] ?? null,
  };
}

/** Newest first, the id breaking ties (descending), as every store orders sessions. */
export function newestFirst(a: SessionRecord, b: SessionRecord): number {
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
