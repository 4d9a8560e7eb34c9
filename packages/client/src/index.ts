export { createClient } from "./create-client.js";
export type { LatchkeyClient } from "./latchkey-client.js";
export type { ClientOptions } from "./options.js";
export { BROADCAST_CHANNEL_NAME } from "./broadcast.js";
export type {
  User,
  ClientError,
  ClientErrorCode,
  ClientOnlyErrorCode,
  ClientResult,
  SessionStatus,
  SessionState,
  SessionListener,
  TokenStorageLike,
  FetchLike,
  MfaMethod,
  MfaStatus,
} from "./types.js";
export type { MfaCalls } from "./mfa-calls.js";
export type { SessionInfo } from "@latchkey/protocol";
export type { PasskeyCalls, PasskeyInfo } from "./passkey-calls.js";
