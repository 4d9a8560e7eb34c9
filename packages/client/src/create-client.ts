import { ERRORS, type RouteName, type SessionResponse } from "@latchkey/protocol";
import { openSessionBroadcast, type SessionEvent } from "./broadcast.js";
import { createCsrfTokens } from "./csrf-tokens.js";
import type { LatchkeyClient } from "./latchkey-client.js";
import { resolveClientConfig, type ClientOptions } from "./options.js";
import { httpError, invalidResponse, isRecord, isUser, networkError, readJson } from "./parse.js";
import { createSessionStore } from "./session-store.js";
import { createBearerTokenStore } from "./token-store.js";
import { createTransport } from "./transport.js";
import type { ClientError, ClientResult, SessionState, User } from "./types.js";

import { createAccountCalls, type Answer } from "./account-calls.js";
import { createPasskeyCalls, passkeyAssertion, passkeysUnsupported } from "./passkey-calls.js";
import { createMfaCalls } from "./mfa-calls.js";

/**
 * Creates a client for one latchkey API. Nothing is sent until a method is called; call
 * `refresh()` once at start-up (`<AuthProvider>` does) to learn whether a session exists.
 *
 * @example
 * const auth = createClient();                                    // same origin, cookie mode
 * const auth = createClient({ baseUrl: "https://api.example.com" }); // API on another origin
 */
export function createClient(options: ClientOptions = {}): LatchkeyClient {
  const config = resolveClientConfig(options);
  const store = createSessionStore();
  const bearerTokens = createBearerTokenStore(config);
  const csrf = createCsrfTokens(config, () =>
    transport.send(transport.routeUrl("csrf"), { headers: { Accept: "application/json" } }),
  );
  const transport = createTransport(config, csrf, bearerTokens, {
    epoch: store.epoch,
    unauthorized(startedAt, bearer) {
      // Only forget the token that was refused, not one a login stored meanwhile.
      if (bearer !== null && bearerTokens.get() === bearer) bearerTokens.clear();
      store.anonymous(startedAt);
    },
  });
  const scope = (config.baseUrl === "" ? (config.pageOrigin ?? "") : config.baseUrl) + config.basePath;
  const broadcast = config.broadcast ? openSessionBroadcast(scope, onOtherTab) : { post() {}, close() {} };
  let refreshing: Promise<SessionState> | null = null;

  async function call(
    route: RouteName,
    method: "GET" | "POST" | "PATCH" | "DELETE",
    json?: unknown,
    extraHeaders: Record<string, string> = {},
    suffix = "",
  ): Promise<Answer> {
    const startedAt = store.epoch();
    const headers: Record<string, string> = { Accept: "application/json", ...extraHeaders };
    if (json !== undefined) headers["Content-Type"] = "application/json";
    let response: Response;
    try {
      response = await transport.send(transport.routeUrl(route) + suffix, {
        method,
        headers,
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      });
    } catch (cause) {
      return { ok: false, error: networkError(cause) };
    }
    const body = await readJson(response);
    if (!response.ok) return { ok: false, error: httpError(response, body) };
    return { ok: true, status: response.status, body, startedAt };
  }

  function invalid(answer: { status: number }, what: string): { ok: false; error: ClientError } {
    return { ok: false, error: invalidResponse(answer.status, what) };
  }

  /** `POST /token/logout/` with `token`; forgets it once the server no longer knows it. */
  async function revokeBearer(token: string): Promise<Answer> {
    const answer = await call("tokenLogout", "POST", undefined, { Authorization: `Bearer ${token}` });
    if ((answer.ok || answer.error.status === 401) && bearerTokens.get() === token) bearerTokens.clear();
    return answer;
  }

  function onOtherTab(event: SessionEvent): void {
    if (event === "login") {
      void refresh();
      return;
    }
    const token = config.mode === "token" && config.storage === null ? bearerTokens.get() : null;
    if (token === null) {
      store.anonymous();
      return;
    }
    // Token mode in memory: this tab's token is its own. The user asked to log out of this
    // browser, so it is dropped at once and revoked on the server too, not merely forgotten.
    // (Shared tokens in localStorage were already revoked by the tab that logged out.)
    bearerTokens.clear();
    void revokeBearer(token).finally(() => store.anonymous());
  }

  async function session(): Promise<ClientResult<SessionResponse>> {
    const answer = await call("session", "GET");
    if (!answer.ok) return answer;
    if (!isRecord(answer.body) || typeof answer.body.isAuthenticated !== "boolean")
      return invalid(answer, "a session answer");
    if (!answer.body.isAuthenticated) store.anonymous(answer.startedAt);
    return { ok: true, data: { isAuthenticated: answer.body.isAuthenticated } };
  }

  async function whoami(): Promise<ClientResult<User>> {
    const answer = await call("whoami", "GET");
    if (!answer.ok) return answer;
    if (!isUser(answer.body)) return invalid(answer, "a user");
    store.authenticated(answer.body, answer.startedAt);
    return { ok: true, data: answer.body };
  }

  /** Token mode: the pending login of the last `mfa_required` answer (cookie mode keeps it in an HttpOnly cookie). */
  let pendingMfaToken: string | null = null;

  async function login(username: string, password: string): Promise<ClientResult<{ user: User }>> {
    const answer = await call(config.mode === "token" ? "tokenLogin" : "login", "POST", { username, password });
    if (!answer.ok && answer.error.code === "mfa_required") pendingMfaToken = answer.error.mfaToken ?? null;
    return completeLogin(answer);
  }

  /**
   * `POST /mfa/authenticate/` with a code: finishes a login that answered `mfa_required`, like `login()` succeeding.
   */
  async function authenticateMfa(code: string): Promise<ClientResult<{ user: User }>> {
    const answer = await call(
      "mfaAuthenticate",
      "POST",
      pendingMfaToken === null ? { code } : { code, mfaToken: pendingMfaToken },
    );
    if (answer.ok) pendingMfaToken = null;
    return completeLogin(answer);
  }

  /**
   * Finishes the pending login with a passkey: options for it, the browser's dialog, the answer to
   * `POST /mfa/authenticate/`.
   */
  async function authenticateMfaWithPasskey(): Promise<ClientResult<{ user: User }>> {
    // Checked before asking for options, so a browser without WebAuthn spends no challenge.
    const refused = passkeysUnsupported();
    if (refused !== null) return refused;
    const pending = pendingMfaToken === null ? {} : { mfaToken: pendingMfaToken };
    const options = await call("mfaWebauthnOptions", "POST", pending);
    if (!options.ok) return options;
    const credential = await passkeyAssertion(options.body, options.status);
    if (!credential.ok) return credential;
    const answer = await call("mfaAuthenticate", "POST", { credential: credential.data, ...pending });
    if (answer.ok) pendingMfaToken = null;
    return completeLogin(answer);
  }

  /** A successful login answer (of the password or of the second factor) makes the state authenticated. */
  function completeLogin(answer: Answer): ClientResult<{ user: User }> {
    if (!answer.ok) return answer;
    const body = answer.body;
    if (!isRecord(body) || !isUser(body.user)) return invalid(answer, "a login answer");
    if (config.mode === "token") {
      if (typeof body.token !== "string" || body.token === "") return invalid(answer, "a token login answer");
      bearerTokens.set(body.token);
    }
    // No startedAt: a login is the newest word on who is logged in, whatever else is in flight.
    store.authenticated(body.user);
    broadcast.post("login");
    return { ok: true, data: { user: body.user } };
  }

  async function logout(): Promise<ClientResult<{ detail: string }>> {
    const token = config.mode === "token" ? bearerTokens.get() : null;
    if (config.mode === "token" && token === null) {
      store.anonymous();
      return {
        ok: false,
        error: { status: ERRORS.not_logged_in.status, code: "not_logged_in", detail: ERRORS.not_logged_in.detail },
      };
    }
    const answer = token !== null ? await revokeBearer(token) : await call("logout", "POST");
    const ended = answer.ok || answer.error.status === 401 || answer.error.code === "not_logged_in";
    if (ended) {
      store.anonymous();
      broadcast.post("logout");
    }
    if (!answer.ok) return answer;
    return {
      ok: true,
      data: {
        detail:
          isRecord(answer.body) && typeof answer.body.detail === "string"
            ? answer.body.detail
            : "Successfully logged out.",
      },
    };
  }

  async function changePassword(oldPassword: string, newPassword: string): Promise<ClientResult<{ detail: string }>> {
    const answer = await call("passwordChange", "POST", { old_password: oldPassword, new_password: newPassword });
    if (!answer.ok) return answer;
    const body = answer.body;
    if (!isRecord(body) || typeof body.detail !== "string") return invalid(answer, "a password change answer");
    // Token mode: the token used for the request was replaced; only the new one works now.
    if (config.mode === "token" && typeof body.token === "string" && body.token !== "") bearerTokens.set(body.token);
    return { ok: true, data: { detail: body.detail } };
  }

  async function check(): Promise<SessionState> {
    const startedAt = store.epoch();
    if (config.mode === "token" && bearerTokens.get() === null) {
      store.anonymous(startedAt);
      return store.getState();
    }
    // Cookie mode asks /session/ first: it answers 200 for anonymous visitors (no 401 noise
    // in the console) and sets the CSRF cookie that the first login needs.
    if (config.mode === "cookie") {
      const answer = await session();
      if (!answer.ok) {
        if (answer.error.status !== 401) store.failed(answer.error, startedAt);
        return store.getState();
      }
      if (!answer.data.isAuthenticated) return store.getState();
    }
    const user = await whoami();
    if (!user.ok && user.error.status !== 401) store.failed(user.error, startedAt);
    return store.getState();
  }

  function refresh(): Promise<SessionState> {
    refreshing ??= check().finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  const accountCalls = createAccountCalls((route, method, json, suffix) => call(route, method, json, {}, suffix), {
    onLoggedIn(user) {
      store.authenticated(user);
      broadcast.post("login");
    },
    onLoggedOut() {
      if (config.mode === "token") bearerTokens.clear();
      store.anonymous();
      broadcast.post("logout");
    },
  });

  const passkeyCalls = createPasskeyCalls((route, method, json, suffix) => call(route, method, json, {}, suffix), {
    onLoggedIn(user) {
      store.authenticated(user);
      broadcast.post("login");
    },
  });

  return {
    ...accountCalls,
    ...passkeyCalls,
    ...createMfaCalls((route, method, json, suffix) => call(route, method, json, {}, suffix)),
    authenticateMfa,
    authenticateMfaWithPasskey,
    mode: config.mode,
    async csrf() {
      return csrf.refresh();
    },
    session,
    login,
    logout,
    whoami,
    changePassword,
    fetch: (input, init) => transport.send(input, init),
    getState: store.getState,
    subscribe: store.subscribe,
    refresh,
    getToken: () => (config.mode === "token" ? bearerTokens.get() : null),
    close: () => broadcast.close(),
  };
}
