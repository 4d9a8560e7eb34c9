import type { ClientError, LatchkeyClient, SessionStatus, User } from "@latchkey/client";
import { useContext, useMemo, useSyncExternalStore } from "react";
import { AuthContext } from "./auth-context.js";

/** What {@link useSession} returns. */
export interface SessionValue {
  /** `loading` until the first check answers, then `authenticated` or `anonymous`. */
  readonly status: SessionStatus;
  /** The logged-in user, or null. */
  readonly user: User | null;
  /** Why the last check could not answer (network, server outage), or null. */
  readonly error: ClientError | null;
  /** `client.login`: resolves to a result value, never throws for HTTP errors. */
  readonly login: LatchkeyClient["login"];
  /** `client.logout`. */
  readonly logout: LatchkeyClient["logout"];
  /** `client.refresh`: asks the server again. */
  readonly refresh: LatchkeyClient["refresh"];
  /** The client itself, for `fetch`, `whoami`, `changePassword`. */
  readonly client: LatchkeyClient;
}

/** The client of the nearest {@link AuthProvider}. Throws when there is none (a wiring mistake). */
export function useLatchkeyClient(): LatchkeyClient {
  const client = useContext(AuthContext);
  if (client === null) throw new Error("useSession() and <RequireAuth> must be used inside <AuthProvider client={…}>");
  return client;
}

/**
 * The session state of the nearest {@link AuthProvider}'s client, re-rendering on every
 * change (login, logout, a 401, a logout in another tab). The returned object keeps its
 * identity until the state changes.
 */
export function useSession(): SessionValue {
  const client = useLatchkeyClient();
  // getState doubles as the server snapshot: on the server every render is `loading`.
  const state = useSyncExternalStore(client.subscribe, client.getState, client.getState);
  return useMemo(
    () => ({
      status: state.status,
      user: state.user,
      error: state.error,
      login: client.login,
      logout: client.logout,
      refresh: client.refresh,
      client,
    }),
    [state, client],
  );
}
