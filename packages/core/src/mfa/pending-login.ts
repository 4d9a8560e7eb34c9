import { shortLivedCookie } from "../cookies/cookie-policy.js";
import { readCookie } from "../cookies/read-cookie.js";
import { sha256Hex } from "../encoding.js";
import type { Engine } from "../engine.js";
import { HttpError } from "../errors.js";
import { stringField } from "../http/body.js";
import type { LatchkeyRequest, LatchkeyResponse } from "../http/request.js";
import type { PendingLoginRecord } from "../ports/mfa-store.js";
import type { UserRecord } from "../ports/user-store.js";
import { randomBase64url } from "../random.js";
import { completeCookieLogin, completeTokenLogin } from "../routes/complete-login.js";
import { storeCall } from "../store-call.js";
import { resetSecondFactorAttempts } from "./mfa-throttle.js";

/** Random bytes in a pending-login token: 256 bits, like emailed keys. */
const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A pending login found for a request. */
export interface PendingLogin {
  readonly record: PendingLoginRecord;
  /** Where the token came from: the HttpOnly cookie (cookie login) or the body's `mfaToken` (token login). */
  readonly via: "cookie" | "body";
  /** The user it is bound to, active. */
  readonly user: UserRecord;
}

function store(engine: Engine) {
  const mfa = engine.world.stores.mfa;
  if (mfa === undefined) throw new HttpError("not_found");
  return mfa;
}

/**
 * Starts a pending login for `userId`: a 256-bit token whose SHA-256 only is stored, living
 * `mfa.pendingLoginTtlSeconds`. For a cookie login the token goes into a short-lived HttpOnly
 * cookie (script injected into the page cannot read it, and it is no session: it opens
 * nothing but `POST /mfa/authenticate/`); a token login gets it back in the body.
 */
export async function startPendingLogin(
  engine: Engine,
  req: LatchkeyRequest,
  userId: string,
  login: { kind: "cookie" | "bearer"; label: string | null },
): Promise<{ token: string; cookies: string[] }> {
  const { config, world } = engine;
  const token = randomBase64url(world.random, TOKEN_BYTES);
  const now = world.clock.now();
  const ttl = config.mfa.pendingLoginTtlSeconds;
  await storeCall("mfa", () =>
    store(engine).savePendingLogin({
      tokenHash: sha256Hex(token),
      userId,
      kind: login.kind,
      label: login.label,
      createdAt: now,
      expiresAt: now + ttl * 1000,
    }),
  );
  // Expired pending logins are already refused; each new one also sweeps them away (one indexed
  // DELETE), so abandoned logins do not pile up and no cron job is needed for them.
  await storeCall("mfa", () => store(engine).deleteExpiredPendingLogins(now));
  const cookies =
    login.kind === "cookie" ? [shortLivedCookie(req, config, config.mfa.pendingCookieName, token, ttl, now)] : [];
  return { token, cookies };
}

/**
 * The pending login of this request (the body's `mfaToken`, else the pending-login cookie),
 * bound to an active user, or 400 `mfa_login_invalid` (one answer for missing, unknown,
 * expired, used and a user deactivated since). Does not consume it: a mistyped code leaves it
 * usable, within its attempt limit.
 */
export async function readPendingLogin(
  engine: Engine,
  req: LatchkeyRequest,
  fields: Record<string, unknown>,
): Promise<PendingLogin> {
  const fromBody = stringField(fields, "mfaToken", 64);
  const token = fromBody ?? readCookie(req.header("cookie"), engine.config.mfa.pendingCookieName);
  const via = fromBody === undefined ? "cookie" : "body";
  if (token === undefined || !TOKEN_PATTERN.test(token)) throw new HttpError("mfa_login_invalid");
  const now = engine.world.clock.now();
  const record = await storeCall("mfa", () => store(engine).getPendingLogin(sha256Hex(token), now));
  // A cookie pending login answers only with the cookie, a token one only with mfaToken: a
  // token leaked from one flow does not open the other.
  if (record === null || (record.kind === "cookie") !== (via === "cookie")) throw new HttpError("mfa_login_invalid");
  const user = await storeCall("user", () => engine.world.stores.users.getUserById(record.userId));
  if (user === null || !user.isActive) throw new HttpError("mfa_login_invalid");
  return { record, via, user };
}

/**
 * Completes a pending login whose second factor was just verified, exactly as a successful
 * login: consumes it (atomically: of concurrent completions exactly one gets it), resets the
 * user's second-factor throttle, and answers as `POST /login/` (new session, CSRF rotation,
 * `lastLogin`, the pending cookie cleared) or `POST /token/login/` (a new bearer token).
 */
export async function completePendingLogin(
  engine: Engine,
  req: LatchkeyRequest,
  pending: PendingLogin,
): Promise<LatchkeyResponse> {
  const now = engine.world.clock.now();
  const consumed = await storeCall("mfa", () => store(engine).consumePendingLogin(pending.record.tokenHash, now));
  if (consumed === null) throw new HttpError("mfa_login_invalid");
  await resetSecondFactorAttempts(engine, consumed.userId);
  engine.world.logger.info(
    { event: "mfa_login_completed", userId: consumed.userId, kind: consumed.kind },
    "second factor accepted",
  );
  if (consumed.kind === "bearer") return completeTokenLogin(engine, req, pending.user, consumed.label);
  return completeCookieLogin(engine, req, pending.user, [clearPendingCookie(engine, req)]);
}

/** Deletes the pending-login cookie. */
export function clearPendingCookie(engine: Engine, req: LatchkeyRequest): string {
  return shortLivedCookie(req, engine.config, engine.config.mfa.pendingCookieName, "", 0, engine.world.clock.now());
}
