import type { ClientError, ClientResult, LatchkeyClient, SessionInfo } from "@latchkey/client";

/** What a {@link SessionsList} holds: the caller's sessions and where loading them stands. */
export interface SessionsState {
  /** `idle` before the first load, `loading` while one runs, then `ready` or `error`. */
  readonly status: "idle" | "loading" | "ready" | "error";
  /** The sessions and bearer tokens of the last successful load (empty before one). */
  readonly sessions: readonly SessionInfo[];
  /** Why the last load or revocation failed, or null. */
  readonly error: ClientError | null;
  /** Ids whose revocation is in flight (to disable their buttons). */
  readonly revoking: readonly string[];
}

/** A framework-free store of the caller's sessions, which {@link useSessions} wraps. */
export interface SessionsList {
  getState(): SessionsState;
  subscribe(listener: () => void): () => void;
  /** `GET /sessions/` again. Concurrent calls share one request. */
  reload(): Promise<void>;
  /** `DELETE /sessions/{id}/`, then reload. Revoking the current session is a logout. */
  revoke(id: string): Promise<ClientResult<{ detail: string }>>;
  /** `POST /sessions/revoke-others/`, then reload. */
  revokeOthers(): Promise<ClientResult<{ revoked: number }>>;
  /** Forgets the list (after a logout), back to `idle`. */
  clear(): void;
}

const IDLE: SessionsState = Object.freeze({ status: "idle", sessions: [], error: null, revoking: [] });

/**
 * Makes a {@link SessionsList} over `client`. The state object keeps its identity until it
 * changes (for `useSyncExternalStore`); an answer that a later `clear()` or reload overtook is
 * dropped, so a list never reappears after a logout.
 */
export function createSessionsList(client: LatchkeyClient): SessionsList {
  let state: SessionsState = IDLE;
  let generation = 0;
  let inFlight: Promise<void> | null = null;
  const listeners = new Set<() => void>();

  function set(next: Partial<SessionsState>): void {
    state = Object.freeze({ ...state, ...next });
    for (const listener of [...listeners]) listener();
  }

  function reload(): Promise<void> {
    if (inFlight !== null) return inFlight;
    const mine = ++generation;
    set({ status: "loading" });
    const request: Promise<void> = client.listSessions().then((result) => {
      if (inFlight === request) inFlight = null;
      if (mine !== generation) return;
      if (result.ok) set({ status: "ready", sessions: result.data.sessions, error: null });
      else set({ status: "error", error: result.error });
    });
    inFlight = request;
    return request;
  }

  async function afterRevocation<T>(key: string, call: () => Promise<ClientResult<T>>): Promise<ClientResult<T>> {
    set({ revoking: [...state.revoking, key], error: null });
    const result = await call();
    set({ revoking: state.revoking.filter((id) => id !== key), ...(result.ok ? {} : { error: result.error }) });
    // Revoking the current session logged out: the list is gone with it.
    if (client.getState().status === "anonymous") clear();
    else await reload();
    return result;
  }

  function clear(): void {
    generation++;
    inFlight = null;
    if (state !== IDLE) {
      state = IDLE;
      for (const listener of [...listeners]) listener();
    }
  }

  return {
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    reload,
    revoke: (id) => afterRevocation(id, () => client.revokeSession(id)),
    revokeOthers: () => afterRevocation("others", () => client.revokeOtherSessions()),
    clear,
  };
}
