import { isPending, type Awaitable } from "../awaitable.js";
import type { Engine } from "../engine.js";
import { clearSessionCookie, sessionCookie } from "../cookies/cookie-policy.js";
import { HttpError } from "../errors.js";
import type { SessionRecord } from "../ports/session-store.js";
import type { User } from "../ports/user-store.js";
import { isDjangoSessionKey, redeemImportedSession } from "../sessions/imported-session.js";
import type { ValidSession } from "../sessions/session-manager.js";
import { readCredential } from "./credentials.js";
import type { LatchkeyRequest } from "./request.js";

/** A request's authenticated identity. */
export interface Auth {
  user: User;
  session: SessionRecord;
  /** How the request authenticated: the session cookie or an `Authorization: Bearer` token. */
  via: "cookie" | "bearer";
}

/** The outcome of authenticating a request. */
export interface AuthResult {
  /** The identity, or null for an anonymous request. */
  auth: Auth | null;
  /** Cookies to set on the response: a refreshed session cookie after a sliding-expiry write. */
  cookies: string[];
  /** A session cookie was sent but named no valid session (unknown, expired, or revoked). */
  staleCookie: boolean;
}

/**
 * Authenticates a request from its bearer token or session cookie. Throws the 401
 * HttpError for a bad bearer token (never falling back to the cookie), and a
 * StoreUnavailableError when a store is down. Answers synchronously when the session is
 * in memory (see `Awaitable`), so callers either `await` it or check {@link isPending}.
 */
export function authenticate(engine: Engine, req: LatchkeyRequest): Awaitable<AuthResult> {
  const credential = readCredential(req, engine.config);
  switch (credential.via) {
    case "none":
      return { auth: null, cookies: [], staleCookie: false };
    case "invalid":
      throw credential.error;
    case "bearer": {
      const valid = engine.sessions.validateSessionToken(credential.token, "bearer");
      return isPending(valid) ? valid.then(bearerResult) : bearerResult(valid);
    }
    case "cookie": {
      // A session key from before the move off Django (latchkey import-django --sessions).
      if (isDjangoSessionKey(credential.token)) return importedResult(engine, req, credential.token);
      const token = credential.token;
      const valid = engine.sessions.validateSessionToken(token, "cookie");
      return isPending(valid)
        ? valid.then((v) => cookieResult(engine, req, token, v))
        : cookieResult(engine, req, token, valid);
    }
  }
}

function bearerResult(valid: ValidSession | null): AuthResult {
  if (valid === null) throw new HttpError("invalid_token");
  return { auth: { user: valid.user, session: valid.session, via: "bearer" }, cookies: [], staleCookie: false };
}

function cookieResult(engine: Engine, req: LatchkeyRequest, token: string, valid: ValidSession | null): AuthResult {
  if (valid === null) return { auth: null, cookies: [], staleCookie: true };
  const cookies =
    valid.refreshed && !engine.config.session.expireAtBrowserClose
      ? [sessionCookie(req, engine.config, token, valid.session.expiresAt, engine.world.clock.now())]
      : [];
  return { auth: { user: valid.user, session: valid.session, via: "cookie" }, cookies, staleCookie: false };
}

async function importedResult(engine: Engine, req: LatchkeyRequest, key: string): Promise<AuthResult> {
  const redeemed = await redeemImportedSession(engine, req, key);
  // Never cleared when refused: a parallel request of the same page may have just taken
  // the key and be setting the new cookie, and a clearing answer landing after that one
  // would log the browser out. (A dead Django key is worthless; login replaces it.)
  if (redeemed.kind !== "rotated") return { auth: null, cookies: [], staleCookie: false };
  const cookie = sessionCookie(
    req,
    engine.config,
    redeemed.token,
    redeemed.session.expiresAt,
    engine.world.clock.now(),
  );
  return {
    auth: { user: redeemed.user, session: redeemed.session, via: "cookie" },
    cookies: [cookie],
    staleCookie: false,
  };
}

/** A cookie deleting a stale session cookie, for responses that already say "not logged in". */
export function staleCookieCleanup(engine: Engine, req: LatchkeyRequest, result: AuthResult): string[] {
  return result.staleCookie ? [clearSessionCookie(req, engine.config, engine.world.clock.now())] : [];
}
