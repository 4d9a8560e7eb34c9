export {
  DEFAULT_BASE_PATH,
  DEFAULT_COOKIE_NAMES,
  DEFAULT_CSRF_HEADER,
  DEFAULT_CSRF_FORM_FIELD,
  JSON_CONTENT_TYPE,
} from "./names.js";
export { type RouteName, ROUTE_NAMES, DEFAULT_ROUTE_PATHS } from "./routes.js";
export { ERRORS, type ErrorCode, type ErrorBody } from "./errors.js";
export type {
  CsrfResponse,
  SessionResponse,
  LoginRequest,
  UserJson,
  DrfUserJson,
  LoginResponse,
  LogoutResponse,
  WhoamiResponse,
  TokenLoginResponse,
  PasswordChangeRequest,
  PasswordChangeResponse,
  SignupRequest,
  SignupPendingResponse,
  SignupResponse,
  SessionInfo,
  SessionsResponse,
  RevokeOthersResponse,
  ReauthenticateResponse,
} from "./bodies.js";
