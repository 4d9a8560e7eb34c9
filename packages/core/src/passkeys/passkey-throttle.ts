import type { Engine } from "../engine.js";
import { HttpError } from "../errors.js";
import { clientIp } from "../http/request-info.js";
import type { LatchkeyRequest } from "../http/request.js";
import { storeCall } from "../store-call.js";
import { ipThrottleKey } from "../throttle/ip-key.js";

const PREFIX = "latchkey:passkey:login-options:ip:";

/**
 * Counts one passwordless-login start for the client's IP (per /64 for IPv6) and answers 429
 * with `Retry-After` over `passkeys.loginOptionsPerIp`. The route needs no account and saves
 * a challenge, so without a limit one client could fill the challenge table (resource
 * exhaustion). The throttle store's `consume` is atomic, so a burst cannot slip past the limit.
 */
export async function throttleLoginOptions(engine: Engine, req: LatchkeyRequest): Promise<void> {
  const { config, world } = engine;
  if (!config.throttle.enabled) return;
  const { points, durationSeconds } = config.passkeys.loginOptionsPerIp;
  const key = PREFIX + ipThrottleKey(clientIp(req, config));
  const decision = await storeCall("throttle", () => world.stores.throttle.consume(key, points, durationSeconds));
  if (decision.allowed) return;
  const wait = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
  world.logger.warn(
    { event: "passkey_login_options_throttled", retryAfterSeconds: wait },
    "passkey login start refused: too many from this client",
  );
  throw new HttpError("throttled", { seconds: wait }, { headers: { "Retry-After": String(wait) } });
}
