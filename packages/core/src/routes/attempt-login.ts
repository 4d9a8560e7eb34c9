import type { Engine } from "../engine.js";
import { HttpError } from "../errors.js";
import { clientIp } from "../http/request-info.js";
import type { LatchkeyRequest } from "../http/request.js";
import type { UserRecord } from "../ports/user-store.js";
import { usernameKey } from "../users/username.js";

/**
 * Checks a password under the login throttle (see `LoginThrottle`): the attempt is counted
 * on the account and the client IP before any hashing, and refused with 429 (and
 * `Retry-After`) when either is over its limit or has too many checks in flight. Resolves to
 * the user, or throws `failure` (the same error for unknown users, wrong passwords and
 * inactive users, so none of them can be told apart).
 */
export async function attemptLogin(
  engine: Engine,
  req: LatchkeyRequest,
  username: string,
  password: string,
  failure: "invalid_credentials" | "password_incorrect" | "reauthentication_failed" = "invalid_credentials",
): Promise<UserRecord> {
  const key = usernameKey(username);
  const ip = clientIp(req, engine.config);
  const guarded = await engine.throttle.guard(key, ip, () => engine.accounts.authenticate(username, password));
  if (guarded.throttled) {
    const wait = guarded.retryAfterSeconds;
    engine.world.logger.warn(
      { event: "login_throttled", username, ip, rule: guarded.rule, retryAfterSeconds: wait },
      "login refused: too many attempts",
    );
    throw new HttpError("throttled", { seconds: wait }, { headers: { "Retry-After": String(wait) } });
  }
  const result = guarded.value;
  if (!result.ok) {
    engine.world.logger.warn({ event: "login_failed", username, ip }, "login failed");
    throw new HttpError(failure);
  }
  return result.user;
}
