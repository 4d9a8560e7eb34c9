/** Every route latchkey serves, by a stable name used in configuration. */
export type RouteName =
  | "csrf"
  | "session"
  | "login"
  | "logout"
  | "whoami"
  | "passwordChange"
  | "tokenLogin"
  | "tokenLogout"
  | "tokenLogoutAll"
  | "openapi"
  // Account lifecycle (SPEC §2a).
  | "signup"
  | "emailVerify"
  | "emailVerifyResend"
  | "passwordReset"
  | "passwordResetConfirm"
  | "reauthenticate"
  | "emailChange"
  | "accountDelete"
  | "sessions"
  | "sessionsRevokeOthers"
  // Passkeys (SPEC §2b).
  | "webauthn"
  | "webauthnRegisterOptions"
  | "webauthnRegister"
  | "webauthnLoginOptions"
  | "webauthnLogin"
  // Second factors (SPEC §2b).
  | "mfa"
  | "mfaTotpSetup"
  | "mfaTotpConfirm"
  | "mfaTotp"
  | "mfaRecoveryCodes"
  | "mfaAuthenticate"
  | "mfaWebauthnOptions";

/** The names of every route, in the order they are documented. */
export const ROUTE_NAMES: readonly RouteName[] = Object.freeze([
  "csrf",
  "session",
  "login",
  "logout",
  "whoami",
  "passwordChange",
  "tokenLogin",
  "tokenLogout",
  "tokenLogoutAll",
  "openapi",
  "signup",
  "emailVerify",
  "emailVerifyResend",
  "passwordReset",
  "passwordResetConfirm",
  "reauthenticate",
  "emailChange",
  "accountDelete",
  "sessions",
  "sessionsRevokeOthers",
  "webauthn",
  "webauthnRegisterOptions",
  "webauthnRegister",
  "webauthnLoginOptions",
  "webauthnLogin",
  "mfa",
  "mfaTotpSetup",
  "mfaTotpConfirm",
  "mfaTotp",
  "mfaRecoveryCodes",
  "mfaAuthenticate",
  "mfaWebauthnOptions",
]);

/**
 * Default path of each route, relative to the base path. Every route also answers without
 * its trailing slash.
 */
export const DEFAULT_ROUTE_PATHS: Readonly<Record<RouteName, string>> = Object.freeze({
  csrf: "/csrf/",
  session: "/session/",
  login: "/login/",
  logout: "/logout/",
  whoami: "/whoami/",
  passwordChange: "/password/change/",
  tokenLogin: "/token/login/",
  tokenLogout: "/token/logout/",
  tokenLogoutAll: "/token/logoutall/",
  openapi: "/openapi.json",
  signup: "/signup/",
  emailVerify: "/email/verify/",
  emailVerifyResend: "/email/verify/resend/",
  passwordReset: "/password/reset/",
  passwordResetConfirm: "/password/reset/confirm/",
  reauthenticate: "/reauthenticate/",
  emailChange: "/email/change/",
  accountDelete: "/account/delete/",
  sessions: "/sessions/",
  sessionsRevokeOthers: "/sessions/revoke-others/",
  webauthn: "/mfa/webauthn/",
  webauthnRegisterOptions: "/mfa/webauthn/register/options/",
  webauthnRegister: "/mfa/webauthn/register/",
  webauthnLoginOptions: "/login/webauthn/options/",
  webauthnLogin: "/login/webauthn/",
  mfa: "/mfa/",
  mfaTotpSetup: "/mfa/totp/setup/",
  mfaTotpConfirm: "/mfa/totp/confirm/",
  mfaTotp: "/mfa/totp/",
  mfaRecoveryCodes: "/mfa/recovery-codes/",
  mfaAuthenticate: "/mfa/authenticate/",
  mfaWebauthnOptions: "/mfa/webauthn/authenticate/options/",
});
