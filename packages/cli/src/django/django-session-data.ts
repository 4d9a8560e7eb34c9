import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { inflateSync } from "node:zlib";

// Reading `django_session.session_data` the way Django does (django/core/signing.py and
// django/contrib/sessions/backends/base.py, Django 3.1 to 5.x):
//   signing.dumps(session_dict, salt="django.contrib.sessions.SessionStore",
//                 serializer=JSONSerializer, compress=True)
// = "<payload>:<base62 timestamp>:<signature>", where payload is the URL-safe base64 (no
// padding) of the compact JSON, prefixed by "." when zlib-compressed, and signature is
// base64url(HMAC(key = H(salt + "signer" + SECRET_KEY), "<payload>:<timestamp>")), H being
// SHA-256 (SHA-1 in Django 3.1/3.2 with DEFAULT_HASHING_ALGORITHM = "sha1").
// Before Django 3.1 (and in 3.x under "sha1"): base64("<hex HMAC-SHA1>:<JSON>") with the key
// salt "django.contrib.sessionsSessionStore".
// The signature is checked with the Django SECRET_KEY (or one of its fallbacks): session
// rows are only trusted when Django itself would have accepted them.

/** What a logged-in Django session says about its user. */
export interface DjangoSessionAuth {
  /** `_auth_user_id`: the Django user's primary key, as text. */
  userId: string;
  /** `_auth_user_hash`: HMAC of the user's password field at login, or null. */
  authHash: string | null;
}

/** Why a session row could not be read. */
export type SessionDataResult = { ok: true; auth: DjangoSessionAuth | null } | { ok: false; reason: string };

const SIGNED_SALT = "django.contrib.sessions.SessionStore";
const LEGACY_SALT = "django.contrib.sessionsSessionStore";
const AUTH_HASH_SALT = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash";
/** The largest session we inflate: a zip bomb in a planted row must not exhaust memory. */
const MAX_INFLATED_BYTES = 1024 * 1024;

/** Django's `salted_hmac(key_salt, value, secret, algorithm)`. */
export function saltedHmac(
  keySalt: string,
  value: string | Buffer,
  secret: string,
  algorithm: "sha1" | "sha256",
): Buffer {
  const key = createHash(algorithm)
    .update(Buffer.from(keySalt + secret, "utf8"))
    .digest();
  return createHmac(algorithm, key).update(value).digest();
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}

function jsonObject(bytes: Buffer): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(bytes.toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function authOf(session: Record<string, unknown>): DjangoSessionAuth | null {
  const id = session._auth_user_id;
  if (typeof id !== "string" && typeof id !== "number") return null;
  const hash = session._auth_user_hash;
  return { userId: String(id), authHash: typeof hash === "string" ? hash : null };
}

function decodeSigned(data: string, secrets: readonly string[]): SessionDataResult {
  const last = data.lastIndexOf(":");
  const value = data.slice(0, last);
  const signature = data.slice(last + 1);
  const signed = secrets.some((secret) =>
    (["sha256", "sha1"] as const).some((algorithm) =>
      sameText(signature, saltedHmac(`${SIGNED_SALT}signer`, value, secret, algorithm).toString("base64url")),
    ),
  );
  if (!signed) return { ok: false, reason: "its signature does not match DJANGO_SECRET_KEY (or its fallbacks)" };
  const payload = value.slice(0, value.lastIndexOf(":"));
  const compressed = payload.startsWith(".");
  let bytes = Buffer.from(compressed ? payload.slice(1) : payload, "base64url");
  if (compressed) {
    try {
      bytes = inflateSync(bytes, { maxOutputLength: MAX_INFLATED_BYTES });
    } catch {
      return { ok: false, reason: "its compressed data is corrupt or over 1 MiB" };
    }
  }
  const session = jsonObject(bytes);
  if (session === null) return { ok: false, reason: "its data is not JSON (a PickleSerializer session?)" };
  return { ok: true, auth: authOf(session) };
}

function decodeLegacy(data: string, secrets: readonly string[]): SessionDataResult {
  const decoded = Buffer.from(data, "base64");
  const colon = decoded.indexOf(":");
  if (colon === -1) return { ok: false, reason: "its data is in no format Django writes" };
  const hash = decoded.subarray(0, colon).toString("latin1");
  const serialized = decoded.subarray(colon + 1);
  if (!secrets.some((secret) => sameText(hash, saltedHmac(LEGACY_SALT, serialized, secret, "sha1").toString("hex")))) {
    return { ok: false, reason: "its signature does not match DJANGO_SECRET_KEY (or its fallbacks)" };
  }
  const session = jsonObject(serialized);
  if (session === null) return { ok: false, reason: "its data is not JSON (a PickleSerializer session?)" };
  return { ok: true, auth: authOf(session) };
}

/**
 * The logged-in user of a `session_data` value (null for an anonymous session), checked
 * against the Django secret keys. A row whose signature fails is refused: a row planted in
 * the database without the key must not become a latchkey session.
 */
export function decodeSessionData(data: string, secrets: readonly string[]): SessionDataResult {
  if (data.split(":").length >= 3) return decodeSigned(data, secrets);
  return decodeLegacy(data, secrets);
}

/**
 * True if `authHash` is what Django's `get_session_auth_hash()` gives for this password
 * field: Django logs a session out when they differ (the password changed since login, and
 * with it every other session ended), so such a session must not come back to life here.
 */
export function authHashMatches(authHash: string | null, passwordField: string, secrets: readonly string[]): boolean {
  if (authHash === null) return false;
  return secrets.some((secret) =>
    (["sha256", "sha1"] as const).some((algorithm) =>
      sameText(authHash, saltedHmac(AUTH_HASH_SALT, passwordField, secret, algorithm).toString("hex")),
    ),
  );
}
