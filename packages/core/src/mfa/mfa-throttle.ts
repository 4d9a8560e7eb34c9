import type { Engine } from "../engine.js";
import { HttpError } from "../errors.js";
import { storeCall } from "../store-call.js";

const PENDING_PREFIX = "latchkey:mfa:login:";
const USER_PREFIX = "latchkey:mfa:user:";
const OPTIONS_PREFIX = "latchkey:mfa:webauthn-options:";

function refuse(engine: Engine, retryAfterMs: number, rule: string, userId: string): never {
  const wait = Math.max(1, Math.ceil(retryAfterMs / 1000));
  engine.world.logger.warn(
    { event: "mfa_throttled", rule, userId, retryAfterSeconds: wait },
    "second-factor attempt refused: too many attempts",
  );
  throw new HttpError("throttled", { seconds: wait }, { headers: { "Retry-After": String(wait) } });
}

/**
 * Counts one second-factor attempt, before the code is looked at, on the pending login
 * (`mfa.attemptsPerPendingLogin` over its lifetime) and on the user (`mfa.attemptsPerUser`,
 * across every pending login and the TOTP confirmation), and answers 429 with `Retry-After`
 * when either is full. A 6-digit code has a million values and ±1 step makes three of them
 * right at a time, so without a limit a guesser who has the password gets in within hours
 * (online brute force, NIST SP 800-63B §5.2.2). Each count is the throttle store's atomic
 * `consume`, so a burst of simultaneous guesses gets exactly the limit through. These limits
 * hold even with `throttle.enabled: false`: they are part of what makes a code a factor.
 * `pendingKey` null counts on the user only (confirmation of a new authenticator).
 */
export async function countSecondFactorAttempt(
  engine: Engine,
  userId: string,
  pendingKey: string | null,
): Promise<void> {
  const { config, world } = engine;
  const throttle = world.stores.throttle;
  if (pendingKey !== null) {
    const perLogin = await storeCall("throttle", () =>
      throttle.consume(
        PENDING_PREFIX + pendingKey,
        config.mfa.attemptsPerPendingLogin,
        config.mfa.pendingLoginTtlSeconds,
      ),
    );
    if (!perLogin.allowed) refuse(engine, perLogin.retryAfterMs, "pending_login", userId);
  }
  const window = config.mfa.attemptsPerUser;
  const perUser = await storeCall("throttle", () =>
    throttle.consume(USER_PREFIX + userId, window.points, window.durationSeconds),
  );
  if (!perUser.allowed) refuse(engine, perUser.retryAfterMs, "user", userId);
}

/** Forgets the user's count after a completed second factor (as a successful login resets the login throttle). */
export async function resetSecondFactorAttempts(engine: Engine, userId: string): Promise<void> {
  await storeCall("throttle", () => engine.world.stores.throttle.reset(USER_PREFIX + userId));
}

/**
 * Counts one passkey-options request on a pending login: at most `mfa.attemptsPerPendingLogin`
 * per pending login, then 429. Each request saves a challenge, so without a limit whoever
 * holds a password could fill the challenge table from one pending login (resource
 * exhaustion). Kept apart from the attempt count, so asking for options burns no guess.
 */
export async function countPasskeyOptions(engine: Engine, userId: string, pendingKey: string): Promise<void> {
  const { config, world } = engine;
  const decision = await storeCall("throttle", () =>
    world.stores.throttle.consume(
      OPTIONS_PREFIX + pendingKey,
      config.mfa.attemptsPerPendingLogin,
      config.mfa.pendingLoginTtlSeconds,
    ),
  );
  if (!decision.allowed) refuse(engine, decision.retryAfterMs, "webauthn_options", userId);
}
