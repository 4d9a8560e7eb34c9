import type { Engine } from "../engine.js";
import { HttpError } from "../errors.js";
import { clientIp } from "../http/request-info.js";
import type { LatchkeyRequest } from "../http/request.js";
import type { UserRecord } from "../ports/user-store.js";
import { usernameKey } from "../users/username.js";

/**
 * Checks a password under the login throttle: refused with 429 (and `Retry-After`) while the
 * account or the client IP is over its limit, before any hashing; a wrong password counts a
 * failure on both. Resolves to the user, or throws `failure` (the same error for unknown
 * users, wrong passwords and inactive users, so none of them can be told apart).
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
  const wait = await engine.throttle.check(key, ip);
  if (wait !== null) {
    engine.world.logger.warn({ event: "login_throttled", username, ip, retryAfterSeconds: wait }, "login refused: too many failed attempts");
    throw new HttpError("throttled", { seconds: wait }, { headers: { "Retry-After": String(wait) } });
  }
  const result = await engine.accounts.authenticate(username, password);
  if (!result.ok) {
    await engine.throttle.recordFailure(key, ip);
    engine.world.logger.warn({ event: "login_failed", username, ip }, "login failed");
    throw new HttpError(failure);
  }
  await engine.throttle.recordSuccess(key);
  return result.user;
}
