import type { ResolvedConfig, ResolvedWorld } from "./config/resolved-config.js";
import type { SessionManager } from "./sessions/session-manager.js";
import type { Accounts } from "./users/accounts.js";
import type { LoginThrottle } from "./throttle/login-throttle.js";
import type { AccountLifecycle } from "./accounts/account-lifecycle.js";
import type { AccountThrottle } from "./throttle/account-throttle.js";

/** Everything a route or middleware needs, built once per {@link createLatchkey}. */
export interface Engine {
  readonly config: ResolvedConfig;
  readonly world: ResolvedWorld;
  readonly sessions: SessionManager;
  readonly accounts: Accounts;
  readonly throttle: LoginThrottle;
  /** Keys, mail and freshness for the account routes, or null without an AccountStore. */
  readonly lifecycle: AccountLifecycle | null;
  readonly accountThrottle: AccountThrottle;
}
