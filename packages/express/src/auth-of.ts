import type { Auth } from "@latchkey/core";
import type { Request } from "express";

declare global {
  // Express's own extension point: @types/express declares `Express.Request` as an open
  // interface for exactly this, so `req.latchkey` is typed in every handler of the app.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /**
       * The identity latchkey's middleware found: the user, the session, and how the request
       * authenticated (`"cookie"` or `"bearer"`). `null` for an anonymous request;
       * `undefined` only when the middleware did not run for this request.
       */
      latchkey?: Auth | null;
    }
  }
}

/**
 * The identity of a request that passed `requireUser()`, `requireStaff()` or
 * `requirePermission()`, without a null check at every use.
 *
 * @throws Error when the request has no identity: the route is missing its guard (a bug in
 *   the app, so it surfaces as a 500 rather than as someone else's data).
 */
export function authOf(req: Request): Auth {
  const auth = req.latchkey;
  if (auth === undefined || auth === null) {
    throw new Error(
      "authOf(req): this request has no authenticated user. Put requireUser() (or requireStaff()/requirePermission()) before the handler, after latchkey's middleware.",
    );
  }
  return auth;
}
