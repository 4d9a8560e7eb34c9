import type { ClientError, SessionListener, SessionState, User } from "./types.js";

/** The client's session state, its listeners, and a counter that orders answers. */
export interface SessionStore {
  getState(): SessionState;
  subscribe(listener: SessionListener): () => void;
  /**
   * A number bumped whenever who is logged in changes (login, logout, a 401). A request
   * remembers it when it starts; its answer changes the state only if no change happened
   * meanwhile, so a slow 401 or whoami from before a login cannot undo the login.
   */
  epoch(): number;
  /** Logged in as `user`. Ignored when `startedAt` is given and stale. */
  authenticated(user: User, startedAt?: number): void;
  /** Known not logged in. Ignored when `startedAt` is given and stale. */
  anonymous(startedAt?: number): void;
  /** A check failed without an answer: keep the status (leaving `loading` as `anonymous`). */
  failed(error: ClientError, startedAt?: number): void;
}

const INITIAL: SessionState = Object.freeze({ status: "loading", user: null, error: null });

function sameUser(a: User | null, b: User | null): boolean {
  return a === b || (a !== null && b !== null && JSON.stringify(a) === JSON.stringify(b));
}

/** A fresh store in the `loading` state. */
export function createSessionStore(): SessionStore {
  let state = INITIAL;
  let epoch = 0;
  const listeners = new Set<SessionListener>();

  function isStale(startedAt: number | undefined): boolean {
    return startedAt !== undefined && startedAt !== epoch;
  }

  function set(next: SessionState): void {
    if (next.status === state.status && sameUser(next.user, state.user) && next.error === state.error) return;
    const identityChanged = next.status !== state.status || next.user?.id !== state.user?.id;
    if (identityChanged) epoch += 1;
    state = Object.freeze(next);
    // A copy, so a listener that unsubscribes (or subscribes) while being called is safe.
    for (const listener of [...listeners]) listener(state);
  }

  return {
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    epoch: () => epoch,
    authenticated(user, startedAt) {
      if (!isStale(startedAt)) set({ status: "authenticated", user, error: null });
    },
    anonymous(startedAt) {
      if (!isStale(startedAt)) set({ status: "anonymous", user: null, error: null });
    },
    failed(error, startedAt) {
      if (isStale(startedAt)) return;
      set(state.status === "loading" ? { status: "anonymous", user: null, error } : { ...state, error });
    },
  };
}
