import type { ResolvedConfig, ResolvedWorld } from "./config/resolved-config.js";
import type { SessionManager } from "./sessions/session-manager.js";
import type { Accounts } from "./users/accounts.js";
import type { LoginThrottle } from "./throttle/login-throttle.js";

/** Everything a route or middleware needs, built once per {@link createLatchkey}. */
export interface Engine {
  readonly config: ResolvedConfig;
  readonly world: ResolvedWorld;
  readonly sessions: SessionManager;
  readonly accounts: Accounts;
  readonly throttle: LoginThrottle;
}
