import { emailKey, isPlausibleEmail, MAX_EMAIL_LENGTH, type AccountLifecycle } from "../accounts/account-lifecycle.js";
import { sessionCookie } from "../cookies/cookie-policy.js";
import { enforceCsrf } from "../csrf/csrf-guard.js";
import { issueCsrf } from "../csrf/csrf-issue.js";
import type { Engine } from "../engine.js";
import { HttpError } from "../errors.js";
import { authenticate, type Auth } from "../http/authenticate.js";
import { bodyFields, readBodyOnce, stringField } from "../http/body.js";
import { readCredential } from "../http/credentials.js";
import { clientIp, isSafeMethod } from "../http/request-info.js";
import type { LatchkeyRequest } from "../http/request.js";
import type { User, UserRecord } from "../ports/user-store.js";
import type { AccountThrottleBucket } from "../throttle/account-throttle.js";
import { ipThrottleKey } from "../throttle/ip-key.js";

/** The account lifecycle, which exists whenever an account route is served. */
export function lifecycleOf(engine: Engine): AccountLifecycle {
  if (engine.lifecycle === null) throw new HttpError("not_found");
  return engine.lifecycle;
}

/**
 * Reads the body of an unsafe request made without a session (sign-up, verification, reset)
 * under the same CSRF rules as login: a hostile page must not sign the browser up or in to
 * an account the attacker controls (login CSRF), nor fire reset mails from the victim's IP.
 */
export async function readAnonymousBody(engine: Engine, req: LatchkeyRequest): Promise<Record<string, unknown>> {
  await enforceCsrf(req, engine.config, { body: "latchkey" });
  return bodyFields(await readBodyOnce(req, engine.config.maxBodyBytes));
}

/**
 * The caller's identity, or 401. Cookie-authenticated unsafe requests pass the CSRF check
 * first (a hostile page must not revoke sessions or delete the account with the victim's cookie).
 */
export async function requireSignedIn(
  engine: Engine,
  req: LatchkeyRequest,
): Promise<{ auth: Auth; cookies: string[] }> {
  const result = await authenticate(engine, req);
  if (result.auth === null) throw new HttpError("not_authenticated");
  if (result.auth.via === "cookie" && !isSafeMethod(req.method)) {
    await enforceCsrf(req, engine.config, { body: "latchkey" });
  }
  return { auth: result.auth, cookies: result.cookies };
}

/**
 * Refuses a session that has not logged in or re-authenticated within the window: someone
 * who finds an unlocked, logged-in browser (or holds a stolen session) cannot change the
 * address or delete the account without the password.
 */
export async function requireFresh(engine: Engine, auth: Auth): Promise<void> {
  if (!(await lifecycleOf(engine).isFresh(auth.session))) throw new HttpError("reauthentication_required");
}

/** Counts one event on an account throttle and answers 429 with `Retry-After` when over it. */
export async function throttleOr429(engine: Engine, bucket: AccountThrottleBucket, key: string): Promise<void> {
  const wait = await engine.accountThrottle.hit(bucket, key);
  if (wait === null) return;
  engine.world.logger.warn(
    { event: "account_throttled", bucket, retryAfterSeconds: wait },
    "account request refused: too many requests",
  );
  throw new HttpError("throttled", { seconds: wait }, { headers: { "Retry-After": String(wait) } });
}

/** A required, non-empty string field, or 400 naming the fields the route needs. */
export function requiredField(
  fields: Record<string, unknown>,
  names: readonly string[],
  maxLength: number,
  missing: string,
): string {
  for (const name of names) {
    const value = stringField(fields, name, maxLength);
    if (value !== undefined && value !== "") {
      if (!value.isWellFormed()) throw new HttpError("invalid_body", { reason: `${name} contains invalid Unicode.` });
      return value;
    }
  }
  throw new HttpError("invalid_body", { reason: missing });
}

/**
 * Starts a cookie session for `user` as login does: the session the browser brought is ended
 * first (no session fixation), the CSRF token is rotated.
 */
export async function startCookieSession(
  engine: Engine,
  req: LatchkeyRequest,
  user: User,
): Promise<{ cookies: string[]; headers: Record<string, string> }> {
  const { config } = engine;
  const previous = readCredential(req, config);
  if (previous.via === "cookie") {
    const old = await engine.sessions.validateSessionToken(previous.token, "cookie");
    if (old !== null) await engine.sessions.invalidateSession(old.session.id);
  }
  const { token, session } = await engine.sessions.createSession(String(user.id), "cookie", {
    ip: clientIp(req, config),
    userAgent: req.header("user-agent") ?? null,
  });
  const csrf = issueCsrf(engine, req, { rotate: true });
  return {
    cookies: [sessionCookie(req, config, token, session.expiresAt, engine.world.clock.now()), ...csrf.cookies],
    headers: { [config.csrf.headerName]: csrf.token },
  };
}

/**
 * With sign-up's verification `mandatory`, a user whose address is not verified cannot log
 * in (403 `email_unverified`); a new link is sent, at most as often as the per-address
 * throttle allows. Users without an address, and every user while sign-up is off, pass.
 */
export async function refuseUnverified(engine: Engine, req: LatchkeyRequest, user: User): Promise<void> {
  const { config } = engine;
  const lifecycle = engine.lifecycle;
  if (
    lifecycle === null ||
    !config.signup.enabled ||
    config.signup.emailVerification !== "mandatory" ||
    user.email === ""
  )
    return;
  if (await lifecycle.isVerified(user)) return;
  lifecycle.background("login_unverified_link", async () => {
    if ((await engine.accountThrottle.hit("mailPerAddress", user.email.toLowerCase())) !== null) return;
    await lifecycle.issueKey(req, { user, purpose: "verify_email", email: user.email, message: "verifyEmail" });
  });
  throw new HttpError("email_unverified");
}

/**
 * The shared front half of the routes that mail a link to an address someone typed (reset
 * request, verification resend): the body under login-CSRF rules, the address checked, the
 * per-IP limit (429), then, after the answer, the per-address limit and the lookup. The
 * answer is the same whether or not an account uses the address, and the lookup and mail
 * happen after it, so neither the body nor the time tells an attacker which addresses exist
 * (account enumeration). The per-address limit is silent for the same reason: it drops the
 * mail, never changes the answer. `send` runs only for an active account using the address.
 */
export async function acceptAddressedMail(
  engine: Engine,
  req: LatchkeyRequest,
  task: string,
  send: (user: UserRecord, lifecycle: AccountLifecycle) => Promise<void>,
): Promise<void> {
  const lifecycle = lifecycleOf(engine);
  const fields = await readAnonymousBody(engine, req);
  const email = requiredField(fields, ["email"], MAX_EMAIL_LENGTH, "Please provide email.").trim();
  if (!isPlausibleEmail(email)) throw new HttpError("email_invalid");
  await throttleOr429(engine, "mailPerIp", ipThrottleKey(clientIp(req, engine.config)));
  lifecycle.background(task, async () => {
    if ((await engine.accountThrottle.hit("mailPerAddress", emailKey(email))) !== null) return;
    const users = engine.world.stores.users;
    const user = users.getUserByEmail === undefined ? null : await users.getUserByEmail(email);
    if (user === null || !user.isActive) return;
    await send(user, lifecycle);
  });
}
