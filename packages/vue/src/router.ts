import type { LatchkeyClient, SessionState } from "@latchkey/client";
import type { RouteLocationNormalized, RouteLocationRaw, Router } from "vue-router";

declare module "vue-router" {
  interface RouteMeta {
    /** Only a logged-in user may open this route; others go to the login route. */
    requiresAuth?: boolean;
    /** Only an anonymous visitor may open this route (the login page); users go on. */
    guestOnly?: boolean;
  }
}

/** Options of {@link createAuthGuard} and {@link installAuthGuard}. */
export interface AuthGuardOptions {
  /** Where an anonymous visitor of a `meta.requiresAuth` route is sent, e.g. `"/login"`. */
  readonly loginRoute: string;
  /** Where a logged-in user of a `meta.guestOnly` route goes when no redirect is asked. @default "/" */
  readonly homeRoute?: string;
  /** The query parameter that carries the page the visitor wanted. @default "redirect" */
  readonly redirectParam?: string;
}

/** What the guard decides for one navigation: go on (`true`) or go elsewhere. */
export type AuthGuardResult = true | RouteLocationRaw;

/** The guard that `router.beforeEach()` takes: it waits for the first check before deciding. */
export type AuthGuard = (to: RouteLocationNormalized) => Promise<AuthGuardResult>;

/**
 * A path inside this app, or null. Stops an open redirect: a crafted link such as
 * `/login?redirect=//evil.example/` or `?redirect=https://evil.example/` must not send the
 * user, once logged in, to another site that imitates this one.
 */
function sameAppPath(value: unknown): string | null {
  if (typeof value !== "string" || !value.startsWith("/")) return null;
  if (value.startsWith("//") || value.startsWith("/\\")) return null;
  return value;
}

function decide(state: SessionState, to: RouteLocationNormalized, options: AuthGuardOptions): AuthGuardResult {
  const param = options.redirectParam ?? "redirect";
  const needsUser = to.matched.some((record) => record.meta.requiresAuth === true);
  const guestOnly = to.matched.some((record) => record.meta.guestOnly === true);
  if (needsUser && state.status !== "authenticated") {
    return { path: options.loginRoute, query: { [param]: to.fullPath } };
  }
  if (guestOnly && state.status === "authenticated") {
    return sameAppPath(to.query[param]) ?? options.homeRoute ?? "/";
  }
  return true;
}

/** The state once the first check has answered (it starts one if none is running). */
async function knownState(client: LatchkeyClient): Promise<SessionState> {
  const state = client.getState();
  return state.status === "loading" ? client.refresh() : state;
}

/**
 * A navigation guard for `router.beforeEach()`: routes with `meta.requiresAuth` need a
 * logged-in user (others go to `loginRoute?redirect=<the wanted path>`), routes with
 * `meta.guestOnly` send a logged-in user on (to the `redirect` path or `homeRoute`). While the
 * first session check runs, the navigation waits for it: no protected page and no login page
 * is shown before the server has answered.
 */
export function createAuthGuard(client: LatchkeyClient, options: AuthGuardOptions): AuthGuard {
  return async (to) => decide(await knownState(client), to, options);
}

/**
 * Installs {@link createAuthGuard} on `router` and applies it again whenever the session
 * changes while a page is open: after a login the login page moves on, after a logout (here
 * or in another tab) or an expired session a protected page moves to the login route.
 * Returns the function that removes both.
 */
export function installAuthGuard(router: Router, client: LatchkeyClient, options: AuthGuardOptions): () => void {
  const removeGuard = router.beforeEach(createAuthGuard(client, options));
  let status = client.getState().status;
  const unsubscribe = client.subscribe(() => {
    const state = client.getState();
    if (state.status === status) return;
    status = state.status;
    if (state.status === "loading") return;
    const target = decide(state, router.currentRoute.value, options);
    if (target !== true) void router.replace(target);
  });
  return () => {
    removeGuard();
    unsubscribe();
  };
}
