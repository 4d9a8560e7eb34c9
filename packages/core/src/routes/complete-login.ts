import { sessionCookie } from "../cookies/cookie-policy.js";
import { issueCsrf } from "../csrf/csrf-issue.js";
import type { Engine } from "../engine.js";
import { readCredential } from "../http/credentials.js";
import { clientIp } from "../http/request-info.js";
import type { LatchkeyRequest, LatchkeyResponse } from "../http/request.js";
import type { UserRecord } from "../ports/user-store.js";
import { forgetImportedSession, isDjangoSessionKey } from "../sessions/imported-session.js";
import { storeCall } from "../store-call.js";
import { renderUser } from "../users/user-json.js";
import { respond } from "./respond.js";

/**
 * Finishes a cookie login of `user` (password checked, and the second factor when the user
 * has one): ends the session the browser brought, starts a new one, records `lastLogin`,
 * rotates the CSRF token and answers as `POST /login/` does. `cookies` are set too (e.g.
 * clearing the pending-login cookie).
 */
export async function completeCookieLogin(
  engine: Engine,
  req: LatchkeyRequest,
  user: UserRecord,
  cookies: readonly string[] = [],
): Promise<LatchkeyResponse> {
  const { config } = engine;
  // Session fixation: whatever session the browser brought is ended, and the new session
  // gets a fresh token the server generated; a token planted by an attacker is never adopted.
  const previous = readCredential(req, config);
  if (previous.via === "cookie" && isDjangoSessionKey(previous.token)) {
    await forgetImportedSession(engine, previous.token);
  } else if (previous.via === "cookie") {
    const old = await engine.sessions.validateSessionToken(previous.token, "cookie");
    if (old !== null) await engine.sessions.invalidateSession(old.session.id);
  }
  const { token, session } = await engine.sessions.createSession(String(user.id), "cookie", {
    ip: clientIp(req, config),
    userAgent: req.header("user-agent") ?? null,
  });
  const now = engine.world.clock.now();
  const updated = await storeCall("user", () =>
    engine.world.stores.users.updateUser(String(user.id), { lastLogin: now }),
  );
  // Only the last-login time changed: other processes' cached copies of the user may show
  // the old one for a moment, so a bus hiccup must not fail the login.
  await engine.sessions.userChanged(String(user.id), { bestEffort: true });
  const csrf = issueCsrf(engine, req, { rotate: true });
  engine.world.logger.info(
    { event: "login", userId: String(user.id), sessionId: session.id, ip: session.ip },
    "user logged in",
  );
  const rendered = renderUser(updated ?? user, config.userShape);
  return respond(
    200,
    config.loginResponse === "user" ? rendered : { detail: "Successfully logged in.", user: rendered },
    {
      cookies: [sessionCookie(req, config, token, session.expiresAt, now), ...csrf.cookies, ...cookies],
      headers: { [config.csrf.headerName]: csrf.token },
    },
  );
}

/**
 * Finishes a token login of `user`: a new bearer token with the device `label`, answered as `POST /token/login/` does.
 */
export async function completeTokenLogin(
  engine: Engine,
  req: LatchkeyRequest,
  user: UserRecord,
  label: string | null,
): Promise<LatchkeyResponse> {
  const { config } = engine;
  const { token, session } = await engine.sessions.createSession(String(user.id), "bearer", {
    ip: clientIp(req, config),
    userAgent: req.header("user-agent") ?? null,
    label,
  });
  engine.world.logger.info(
    { event: "token_login", userId: String(user.id), sessionId: session.id },
    "bearer token issued",
  );
  return respond(200, {
    token,
    expiry: new Date(session.absoluteExpiresAt).toISOString(),
    user: renderUser(user, config.userShape),
  });
}
