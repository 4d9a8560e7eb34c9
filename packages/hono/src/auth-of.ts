import type { Auth } from "@latchkey/core";

/**
 * What {@link authOf} needs of a Hono `Context`: any context whose Env includes
 * `LatchkeyEnv`, whatever its other bindings, variables, path and validated input.
 */
export interface LatchkeyContext {
  get(key: "latchkey"): Auth | null;
}

/**
 * The identity of a request that passed `requireUser()`, `requireStaff()` or
 * `requirePermission()`, without a null check at every use.
 *
 * @throws Error when the request has no identity: the route is missing its guard (a bug in
 *   the app, so it surfaces as a 500 rather than as someone else's data).
 */
export function authOf(c: LatchkeyContext): Auth {
  const auth: Auth | null | undefined = c.get("latchkey");
  if (auth === null || auth === undefined) {
    throw new Error(
      "authOf(c): this request has no authenticated user. Put requireUser() (or requireStaff()/requirePermission()) before the handler, after latchkey's middleware.",
    );
  }
  return auth;
}
