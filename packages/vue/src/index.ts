export { LATCHKEY_CLIENT } from "./injection-key.js";
export { createLatchkeyPlugin, type LatchkeyPluginOptions } from "./plugin.js";
export { type SessionValue, useLatchkeyClient, useSession } from "./use-session.js";
