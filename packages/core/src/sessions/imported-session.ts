import { constantTimeEqual, sha256Hex } from "../encoding.js";
import type { Engine } from "../engine.js";
import { clientIp } from "../http/request-info.js";
import type { LatchkeyRequest } from "../http/request.js";
import type { SessionRecord } from "../ports/session-store.js";
import type { ThrottleStore } from "../ports/throttle-store.js";
import type { User } from "../ports/user-store.js";
import { storeCall } from "../store-call.js";

// Sessions imported from Django (`latchkey import-django --sessions`). The browser still
// holds Django's session key in the same `sessionid` cookie; the store keeps only the
// key's SHA-256, under an id derived from the key. On first use the key is exchanged, once,
// for a new latchkey session with the same absolute expiry: the Django key is then dead, so
// a copy of it (from a log, a backup of the Django database, another tab's race) is worth
// nothing afterwards.

/**
 * The shape of a Django session key: `get_random_string(32, VALID_KEY_CHARS)`, lower-case
 * letters and digits. Checked before any store access, as for our own tokens.
 */
const DJANGO_SESSION_KEY = /^[a-z0-9]{32}$/;

/** Prefix of the ids of imported sessions (ours are 22 base64url characters from the CSPRNG). */
const ID_PREFIX = "dj_";

/**
 * The one-time guard of redeemed keys: a one-event window in the shared throttle store, kept
 * 24 days (Django's default session age is 14), so a re-run of the import within that time
 * does not bring a redeemed key back.
 */
const GUARD_PREFIX = "latchkey:django-session:";
const GUARD_SECONDS = 24 * 24 * 60 * 60;

/** True if `value` has the shape of a Django session key. */
export function isDjangoSessionKey(value: string): boolean {
  // The length first: every request with one of latchkey's own cookies (66 characters) asks.
  return value.length === 32 && DJANGO_SESSION_KEY.test(value);
}

/** The store id of the session imported for a Django session key. */
export function importedSessionId(djangoKey: string): string {
  return ID_PREFIX + sha256Hex(`latchkey:django-session-id:${djangoKey}`).slice(0, 40);
}

/**
 * The session record that stands for a live Django session: only the key's SHA-256 is kept
 * (a leaked store holds no usable key), and it ends when Django's would have (`expire_date`).
 */
export function importedSessionRecord(
  djangoKey: string,
  userId: string,
  expiresAt: number,
  now: number,
): SessionRecord {
  return {
    id: importedSessionId(djangoKey),
    secretHash: sha256Hex(djangoKey),
    userId,
    kind: "cookie",
    createdAt: now,
    lastSeenAt: now,
    expiresAt,
    absoluteExpiresAt: expiresAt,
    ip: null,
    userAgent: null,
    label: null,
  };
}

/** The outcome of presenting a Django session key. */
export type Redemption =
  /** The key named a live imported session: here is its successor, whose token replaces the cookie. */
  | { kind: "rotated"; token: string; session: SessionRecord; user: User }
  /** Another request redeemed this key a moment ago; this one is anonymous but must not clear the cookie. */
  | { kind: "raced" }
  /** No live imported session for this key. */
  | { kind: "unknown" };

/**
 * The one-time guard: the throttle store's atomic consume allows one event per imported
 * session id, and the store is shared by every server process. Without it, two
 * simultaneous requests with a stolen copy of the key and the owner's would both receive a
 * latchkey session (a replay).
 */
function guardKey(id: string): string {
  return GUARD_PREFIX + id;
}

/** Exchanges a Django session key for a latchkey session, at most once per key. */
export async function redeemImportedSession(
  engine: Engine,
  req: LatchkeyRequest,
  djangoKey: string,
): Promise<Redemption> {
  const store = engine.world.stores.sessions;
  const id = importedSessionId(djangoKey);
  const session = await storeCall("session", () => store.getSession(id));
  if (session === null || !constantTimeEqual(sha256Hex(djangoKey), session.secretHash) || session.kind !== "cookie")
    return { kind: "unknown" };
  const now = engine.world.clock.now();
  if (now >= session.expiresAt || now >= session.absoluteExpiresAt) {
    await storeCall("session", () => store.deleteSession(id));
    return { kind: "unknown" };
  }
  const record = await storeCall("user", () => engine.world.stores.users.getUserById(session.userId));
  if (record === null || !record.isActive) return { kind: "unknown" };
  const throttle = engine.world.stores.throttle;
  const decision = await storeCall("throttle", () => throttle.consume(guardKey(id), 1, GUARD_SECONDS));
  if (!decision.allowed) return { kind: "raced" };
  const next = await engine.sessions.rotateSession(session, {
    ip: clientIp(req, engine.config),
    userAgent: req.header("user-agent") ?? null,
  });
  const { passwordHash: _omit, ...user } = record;
  engine.world.logger.info(
    { event: "django_session_redeemed", userId: session.userId, sessionId: next.session.id },
    "imported Django session exchanged for a latchkey session",
  );
  return { kind: "rotated", token: next.token, session: next.session, user };
}

/** Deletes the imported session a Django key names, if any (at login, where the old session ends). */
export async function forgetImportedSession(engine: Engine, djangoKey: string): Promise<void> {
  await engine.sessions.invalidateSession(importedSessionId(djangoKey));
}

/** True if this Django key was already exchanged for a latchkey session (within the guard's 24 days). */
export async function wasImportedSessionRedeemed(throttle: ThrottleStore, djangoKey: string): Promise<boolean> {
  // Probe with the atomic consume and give the event straight back when it was free.
  const key = guardKey(importedSessionId(djangoKey));
  const decision = await throttle.consume(key, 1, GUARD_SECONDS);
  if (!decision.allowed) return true;
  await throttle.refund(key);
  return false;
}
