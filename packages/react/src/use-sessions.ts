import type { ClientError, ClientResult, SessionInfo } from "@latchkey/client";
import { useEffect, useMemo, useSyncExternalStore } from "react";
import { createSessionsList, type SessionsState } from "./sessions-list.js";
import { useSession } from "./use-session.js";

/** What {@link useSessions} returns. */
export interface SessionsValue {
  /** `idle` (nobody logged in), `loading`, `ready` or `error`. */
  readonly status: SessionsState["status"];
  /** The caller's sessions and bearer tokens, the current one marked `current: true`. */
  readonly sessions: readonly SessionInfo[];
  /** Why the last load or revocation failed, or null. */
  readonly error: ClientError | null;
  /** Ids whose revocation is in flight (`"others"` for revoke-others). */
  readonly revoking: readonly string[];
  /** Loads the list again. */
  readonly reload: () => Promise<void>;
  /** Ends one session (the current one: a logout), then reloads. */
  readonly revoke: (id: string) => Promise<ClientResult<{ detail: string }>>;
  /** Ends every session but this one, then reloads. */
  readonly revokeOthers: () => Promise<ClientResult<{ revoked: number }>>;
}

/**
 * The logged-in user's sessions ("your devices"), loaded when the session becomes
 * authenticated and forgotten when it ends, with revoke-one and revoke-others. Must be used
 * inside an `AuthProvider`. One list per component: two components calling it load twice.
 */
export function useSessions(): SessionsValue {
  const { client, status, user } = useSession();
  const list = useMemo(() => createSessionsList(client), [client]);
  const state = useSyncExternalStore(list.subscribe, list.getState, list.getState);
  const username = user?.username ?? null;
  // Keyed on the username too: another user logging in (in another tab) gets their own list.
  useEffect(() => {
    if (status === "authenticated" && username !== null) void list.reload();
    else list.clear();
  }, [list, status, username]);
  return useMemo(
    () => ({ ...state, reload: list.reload, revoke: list.revoke, revokeOthers: list.revokeOthers }),
    [state, list],
  );
}
