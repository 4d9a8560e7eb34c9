import type { Auth } from "@latchkey/core";
import type { FastifyRequest } from "fastify";

/**
 * The identity of a request that passed `app.requireUser()`, `app.requireStaff()` or
 * `app.requirePermission()`, without a null check at every use.
 *
 * @throws Error when the request has no identity: the route is missing its guard (a bug in
 *   the app, so it surfaces as a 500 rather than as someone else's data).
 */
export function authOf(request: FastifyRequest): Auth {
  const auth = request.latchkey;
  if (auth === null) {
    throw new Error(
      "authOf(request): this request has no authenticated user. Add { preHandler: app.requireUser() } (or requireStaff()/requirePermission()) to the route.",
    );
  }
  return auth;
}
