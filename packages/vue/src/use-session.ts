import type { ClientError, LatchkeyClient, SessionState, SessionStatus, User } from "@latchkey/client";
import { type ComputedRef, computed, hasInjectionContext, inject, type ShallowRef } from "vue";
import { LATCHKEY_CLIENT } from "./injection-key.js";
import { sessionRef } from "./session-ref.js";

/** What {@link useSession} returns: read-only refs, plus the client's calls. */
export interface SessionValue {
  /** The whole state, replaced on every change. */
  readonly state: Readonly<ShallowRef<SessionState>>;
  /** `loading` until the first check answers, then `authenticated` or `anonymous`. */
  readonly status: ComputedRef<SessionStatus>;
  /** The logged-in user, or null. */
  readonly user: ComputedRef<User | null>;
  /** Why the last check could not answer (network, server outage), or null. */
  readonly error: ComputedRef<ClientError | null>;
  /** `client.login`: resolves to a result value, never throws for HTTP errors. */
  readonly login: LatchkeyClient["login"];
  /** `client.logout`. */
  readonly logout: LatchkeyClient["logout"];
  /** `client.refresh`: asks the server again. */
  readonly refresh: LatchkeyClient["refresh"];
  /** The client itself, for `fetch`, `whoami`, `changePassword`. */
  readonly client: LatchkeyClient;
}

/**
 * The client that `app.use(createLatchkeyPlugin(client))` provided. Call it in `setup()` (or inside
 * `app.runWithContext()`). Throws when there is none (a wiring mistake).
 */
export function useLatchkeyClient(): LatchkeyClient {
  const client = hasInjectionContext() ? inject(LATCHKEY_CLIENT, null) : null;
  if (client === null) {
    throw new Error("useSession() needs app.use(createLatchkeyPlugin(client)) and must be called inside setup()");
  }
  return client;
}

/**
 * The session state of the app's client as reactive refs, updated on every change (login,
 * logout, a 401, a logout in another tab). `status` stays `loading` until the first check
 * answers, so a template that shows the logged-out view only for `anonymous` never flashes it
 * at a logged-in user.
 */
export function useSession(): SessionValue {
  const client = useLatchkeyClient();
  const state = sessionRef(client);
  return {
    state,
    status: computed(() => state.value.status),
    user: computed(() => state.value.user),
    error: computed(() => state.value.error),
    login: client.login,
    logout: client.logout,
    refresh: client.refresh,
    client,
  };
}
