import type { SessionStore } from "./session-store.js";
import type { ThrottleStore } from "./throttle-store.js";
import type { UserStore } from "./user-store.js";

/** The three stores latchkey needs. One backend may provide all three. */
export interface Stores {
  sessions: SessionStore;
  users: UserStore;
  throttle: ThrottleStore;
}
