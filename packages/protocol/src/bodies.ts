/** `GET /csrf/` */
export interface CsrfResponse {
  detail: "CSRF cookie set";
}

/** `GET /session/` */
export interface SessionResponse {
  isAuthenticated: boolean;
}

/** `POST /login/` and `POST /token/login/` request body (or `Authorization: Basic`). */
export interface LoginRequest {
  username: string;
  password: string;
}

/** The user as latchkey renders it by default (`userShape: "camel"`). */
export interface UserJson {
  id: string | number;
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  isActive: boolean;
  isStaff: boolean;
  isSuperuser: boolean;
  groups: string[];
  permissions: string[];
  /** ISO 8601. */
  dateJoined: string;
  /** ISO 8601, or null before the first login. */
  lastLogin: string | null;
}

/** The user in Django REST Framework's snake_case shape (`userShape: "drf"`). */
export interface DrfUserJson {
  id: string | number;
  username: string;
  email: string;
  first_name: string;
  last_name: string;
  date_joined: string;
  is_staff: boolean;
}

/** `POST /login/` */
export interface LoginResponse {
  detail: "Successfully logged in.";
  user: UserJson | DrfUserJson;
}

/** `POST /logout/`, `POST /token/logout/`, `POST /token/logoutall/` */
export interface LogoutResponse {
  detail: string;
}

/** `GET /whoami/` */
export type WhoamiResponse = UserJson | DrfUserJson;

/** `POST /token/login/` */
export interface TokenLoginResponse {
  /** The bearer token: send it as `Authorization: Bearer <token>`. Shown once. */
  token: string;
  /** ISO 8601 time after which the token no longer works. */
  expiry: string;
  user: UserJson | DrfUserJson;
}

/** `POST /password/change/` request body. */
export interface PasswordChangeRequest {
  old_password: string;
  new_password: string;
}

/** `POST /password/change/` */
export interface PasswordChangeResponse {
  detail: "Password changed.";
  /** Present when the request used a bearer token: the token that replaces it. */
  token?: string;
}

/** `POST /signup/` request body. */
export interface SignupRequest {
  username: string;
  email: string;
  password: string;
  firstName?: string;
  lastName?: string;
}

/** `POST /signup/` with email verification `mandatory`: 202, the same whether or not the address was known. */
export interface SignupPendingResponse {
  detail: string;
  code: "verification_sent";
}

/** `POST /signup/` with verification `optional` or `none`: 201, logged in. */
export interface SignupResponse {
  detail: string;
  user: UserJson | DrfUserJson;
}

/** One entry of `GET /sessions/`. Times are ISO 8601. */
export interface SessionInfo {
  /** Public id (never the token). */
  id: string;
  /** The session this request came with. */
  current: boolean;
  kind: "cookie" | "bearer";
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string | null;
  userAgent: string | null;
  label: string | null;
}

/** `GET /sessions/` */
export interface SessionsResponse {
  sessions: SessionInfo[];
}

/** `POST /sessions/revoke-others/` */
export interface RevokeOthersResponse {
  revoked: number;
}

/** `POST /reauthenticate/` */
export interface ReauthenticateResponse {
  detail: string;
  /** ISO 8601: routes that need a fresh session accept this one until then. */
  freshUntil: string;
}
