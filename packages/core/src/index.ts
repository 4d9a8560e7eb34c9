export {
  createLatchkey,
  type Latchkey,
  type RequestAuthResult,
  type Requirement,
  type SessionAdmin,
} from "./latchkey.js";
export type { LatchkeyOptions, CompatOptions, RoutePathOption } from "./config/options.js";
export type { ResolvedConfig, LimitWindow } from "./config/resolved-config.js";
export { resolveConfig, normaliseOrigin } from "./config/resolve-config.js";
export { DEPLOYMENT_PRESETS, type DeploymentPreset } from "./config/deployment-preset.js";
export type { LatchkeyRequest, LatchkeyResponse } from "./http/request.js";
export { isPending, type Awaitable } from "./awaitable.js";
export { withTrailingSlashes } from "./routes/dispatch-table.js";
export { API_SECURITY_HEADERS, strictTransportSecurity } from "./http/security-headers.js";
export { finishResponse, SET_COOKIE, type FinishedResponse } from "./http/finished-response.js";
export { createPassingRequest, type PassingRequest } from "./http/passing-request.js";
export { answerOrAuthenticateNow } from "./http/answer-or-authenticate.js";
export type { Auth } from "./http/authenticate.js";
export type { Accounts, CreateUserInput, AccountResult } from "./users/accounts.js";
export { hasPermission, renderUser } from "./users/user-json.js";
export { normalizeUsername, usernameKey, usernameProblem, MAX_USERNAME_LENGTH } from "./users/username.js";
export type { SessionStore, SessionRecord, SessionKind } from "./ports/session-store.js";
export type {
  UserStore,
  GroupAdminUserStore,
  FullUserStore,
  User,
  UserRecord,
  NewUser,
  UserPatch,
} from "./ports/user-store.js";
export { parseRowId } from "./ports/user-store.js";
export type { ImportedUser, BatchUserStore } from "./ports/user-store.js";
export { isBatchUserStore } from "./ports/user-store.js";
export type { ThrottleStore, ThrottleDecision } from "./ports/throttle-store.js";
export type { Stores } from "./ports/stores.js";
export type {
  PasskeyStore,
  PasskeyRecord,
  WebauthnChallengeRecord,
  WebauthnChallengePurpose,
} from "./ports/passkey-store.js";
export type { MfaStore, TotpRecord, PendingLoginRecord } from "./ports/mfa-store.js";
export type {
  AccountStore,
  AccountKeyRecord,
  AccountKeyPurpose,
  OutboxMessage,
  ClaimedMessage,
} from "./ports/account-store.js";
export type { InvalidationBus, InvalidationBusStatus, InvalidationEvent } from "./ports/invalidation-bus.js";
export type { AckMessage, RevocationTag } from "./ports/invalidation-bus.js";
export type { CacheLeaseStore } from "./ports/cache-lease-store.js";
export { trackLeases, type TrackedCacheLeases } from "./sessions/tracked-leases.js";
export { CACHE_DEFAULTS } from "./config/cache-defaults.js";
export { encodeInvalidation, decodeInvalidation } from "./ports/invalidation-wire.js";
export { createLocalInvalidationBus } from "./sessions/local-invalidation-bus.js";
export { errorCode, isNetworkError } from "./network-errors.js";
export {
  createBusSubscription,
  type BusSubscription,
  type BusSubscriptionOptions,
} from "./sessions/bus-subscription.js";
export type { SessionCacheStats } from "./sessions/session-cache.js";
export {
  importedSessionId,
  importedSessionRecord,
  isDjangoSessionKey,
  wasImportedSessionRedeemed,
} from "./sessions/imported-session.js";
export { type Clock, type RandomSource, type Logger, systemClock, cryptoRandom, silentLogger } from "./ports/world.js";
export { HttpError, StoreUnavailableError, UsernameTakenError, ConfigError, type StoreName } from "./errors.js";
export type { MailTransport, MailEnvelope } from "./mail/mail-transport.js";
export { MESSAGE_CATALOGUE, type MessageName, type MessageTemplate } from "./mail/message-catalogue.js";
export { renderMessage, type RenderedMessage, type MessageTemplates } from "./mail/render-message.js";
export type { OutboxWorker } from "./mail/outbox-worker.js";
export { ACCOUNT_DEFAULTS, CORE_DEFAULTS, DEFAULTS, type ByMode } from "./config/defaults.js";
export { generateAccountKey, accountKeyHash } from "./accounts/account-key.js";
export { isSupportedHash } from "@latchkey/password";
export {
  verifyPasskeyAssertion,
  authenticationOptions as passkeyAuthenticationOptions,
  type AssertionPurpose,
} from "./passkeys/passkey-assertion.js";
export { registerPasskey, registrationOptions as passkeyRegistrationOptions } from "./passkeys/passkey-registration.js";
export type { PasskeyContext } from "./passkeys/passkey-challenge.js";
export { PASSKEY_DEFAULTS } from "./config/passkey-defaults.js";
