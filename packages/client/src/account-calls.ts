import type { RouteName, SessionInfo } from "@latchkey/protocol";
import { invalidResponse, isRecord, isUser } from "./parse.js";
import type { ClientError, ClientResult, User } from "./types.js";

/** A route's answer: the parsed body of a 2xx, or the failure as a value. */
export type Answer = { ok: true; status: number; body: unknown; startedAt: number } | { ok: false; error: ClientError };

/** Sends one request to a route (with `suffix` appended to its path, for `sessions/{id}/`). */
export type RouteCall = (
  route: RouteName,
  method: "GET" | "POST" | "PATCH" | "DELETE",
  json?: unknown,
  suffix?: string,
) => Promise<Answer>;

/** The account-lifecycle calls of the client (SPEC §2a); every one resolves to a value. */
export interface AccountCalls {
  /**
   * `POST /signup/`: `{ pending: true }` (202, verification mandatory: check your mail) or `{ pending: false, user }`
   * (201, logged in).
   */
  signup(input: {
    username: string;
    email: string;
    password: string;
    firstName?: string;
    lastName?: string;
  }): Promise<ClientResult<{ pending: true } | { pending: false; user: User }>>;
  /** `POST /email/verify/` with the key from the link. Failure: 400 `key_invalid`. */
  verifyEmail(key: string): Promise<ClientResult<{ email: string }>>;
  /** `POST /email/verify/resend/`: always the same answer. */
  resendVerification(email: string): Promise<ClientResult<{ detail: string }>>;
  /** `POST /password/reset/`: always the same answer. */
  requestPasswordReset(email: string): Promise<ClientResult<{ detail: string }>>;
  /**
   * `POST /password/reset/confirm/`. Every session of the user ends. Failures: 400 `key_invalid`, `password_invalid`.
   */
  resetPassword(key: string, newPassword: string): Promise<ClientResult<{ detail: string }>>;
  /** `POST /reauthenticate/`: makes the session fresh. Failure: 400 `reauthentication_failed`, 429. */
  reauthenticate(password: string): Promise<ClientResult<{ freshUntil: string }>>;
  /** `POST /email/change/` (fresh session). Failure: 403 `reauthentication_required`. */
  changeEmail(email: string): Promise<ClientResult<{ detail: string }>>;
  /** `POST /account/delete/` (fresh session); the state becomes anonymous. */
  deleteAccount(): Promise<ClientResult<{ detail: string }>>;
  /** `GET /sessions/`: the caller's sessions and bearer tokens. */
  listSessions(): Promise<ClientResult<{ sessions: SessionInfo[] }>>;
  /** `DELETE /sessions/{id}/`; revoking the current one logs out. */
  revokeSession(id: string): Promise<ClientResult<{ detail: string }>>;
  /** `POST /sessions/revoke-others/`. */
  revokeOtherSessions(): Promise<ClientResult<{ revoked: number }>>;
}

function detailOf(answer: Extract<Answer, { ok: true }>): ClientResult<{ detail: string }> {
  if (!isRecord(answer.body) || typeof answer.body.detail !== "string")
    return { ok: false, error: invalidResponse(answer.status, "a detail answer") };
  return { ok: true, data: { detail: answer.body.detail } };
}

function isSessionInfo(value: unknown): value is SessionInfo {
  return (
    isRecord(value) &&
    typeof value.id === "string" &&
    typeof value.current === "boolean" &&
    (value.kind === "cookie" || value.kind === "bearer") &&
    typeof value.createdAt === "string"
  );
}

/** Builds the account calls over the client's `call`; `onLoggedIn`/`onLoggedOut` keep the session state right. */
export function createAccountCalls(
  call: RouteCall,
  hooks: { onLoggedIn(user: User): void; onLoggedOut(): void },
): AccountCalls {
  async function detailCall(route: RouteName, json?: unknown): Promise<ClientResult<{ detail: string }>> {
    const answer = await call(route, "POST", json);
    return answer.ok ? detailOf(answer) : answer;
  }

  return {
    async signup(input) {
      const answer = await call("signup", "POST", input);
      if (!answer.ok) return answer;
      if (answer.status === 202) return { ok: true, data: { pending: true } };
      if (!isRecord(answer.body) || !isUser(answer.body.user))
        return { ok: false, error: invalidResponse(answer.status, "a sign-up answer") };
      hooks.onLoggedIn(answer.body.user);
      return { ok: true, data: { pending: false, user: answer.body.user } };
    },
    async verifyEmail(key) {
      const answer = await call("emailVerify", "POST", { key });
      if (!answer.ok) return answer;
      if (!isRecord(answer.body) || typeof answer.body.email !== "string")
        return { ok: false, error: invalidResponse(answer.status, "a verification answer") };
      return { ok: true, data: { email: answer.body.email } };
    },
    resendVerification: (email) => detailCall("emailVerifyResend", { email }),
    requestPasswordReset: (email) => detailCall("passwordReset", { email }),
    resetPassword: (key, newPassword) => detailCall("passwordResetConfirm", { key, new_password: newPassword }),
    async reauthenticate(password) {
      const answer = await call("reauthenticate", "POST", { password });
      if (!answer.ok) return answer;
      if (!isRecord(answer.body) || typeof answer.body.freshUntil !== "string")
        return { ok: false, error: invalidResponse(answer.status, "a re-authentication answer") };
      return { ok: true, data: { freshUntil: answer.body.freshUntil } };
    },
    changeEmail: (email) => detailCall("emailChange", { email }),
    async deleteAccount() {
      const result = await detailCall("accountDelete");
      if (result.ok) hooks.onLoggedOut();
      return result;
    },
    async listSessions() {
      const answer = await call("sessions", "GET");
      if (!answer.ok) return answer;
      const sessions = isRecord(answer.body) ? answer.body.sessions : undefined;
      if (!Array.isArray(sessions) || !sessions.every(isSessionInfo))
        return { ok: false, error: invalidResponse(answer.status, "a sessions list") };
      return { ok: true, data: { sessions } };
    },
    async revokeSession(id) {
      const answer = await call("sessions", "DELETE", undefined, `${encodeURIComponent(id)}/`);
      if (!answer.ok) return answer;
      const result = detailOf(answer);
      if (result.ok && result.data.detail === "Successfully logged out.") hooks.onLoggedOut();
      return result;
    },
    async revokeOtherSessions() {
      const answer = await call("sessionsRevokeOthers", "POST");
      if (!answer.ok) return answer;
      if (!isRecord(answer.body) || typeof answer.body.revoked !== "number")
        return { ok: false, error: invalidResponse(answer.status, "a revocation count") };
      return { ok: true, data: { revoked: answer.body.revoked } };
    },
  };
}
