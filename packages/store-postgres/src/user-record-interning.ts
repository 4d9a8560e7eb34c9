import type { UserRecord } from "@latchkey/core";

/** Users whose last record is kept by {@link createUserRecordInterning}, at most. */
const MAX_KEPT = 1_000;

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True if every field of the two records is equal. */
function sameRecord(a: UserRecord, b: UserRecord): boolean {
  return (
    a.id === b.id &&
    a.username === b.username &&
    a.email === b.email &&
    a.firstName === b.firstName &&
    a.lastName === b.lastName &&
    a.isActive === b.isActive &&
    a.isStaff === b.isStaff &&
    a.isSuperuser === b.isSuperuser &&
    a.dateJoined === b.dateJoined &&
    a.lastLogin === b.lastLogin &&
    a.passwordHash === b.passwordHash &&
    sameStrings(a.groups, b.groups) &&
    sameStrings(a.permissions, b.permissions)
  );
}

/**
 * Hands back the record object it returned last time for the same user when the freshly
 * read one is equal to it in every field, else the fresh one (and keeps that). Core keeps a
 * user's public view and its rendered JSON per record object, so a user whose row has not
 * changed is frozen and serialised once, not once per request. Nothing is served from here
 * without a read: the row was just read, and only an equal object is swapped in, so it can
 * never be stale. Records are never mutated (core freezes what it derives from them).
 * Keeps at most 1,000 users; when full, it starts over.
 */
export function createUserRecordInterning(): (record: UserRecord) => UserRecord {
  const kept = new Map<UserRecord["id"], UserRecord>();
  return (record) => {
    const last = kept.get(record.id);
    if (last !== undefined && sameRecord(last, record)) return last;
    if (last === undefined && kept.size >= MAX_KEPT) kept.clear();
    kept.set(record.id, record);
    return record;
  };
}
