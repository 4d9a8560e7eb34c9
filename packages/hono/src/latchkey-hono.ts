import type { Auth, Latchkey, LatchkeyRequest, Requirement } from "@latchkey/core";
import type { Context, MiddlewareHandler } from "hono";
import { toHonoLatchkeyRequest } from "./hono-request.js";
import { toHonoResponse } from "./hono-response.js";

/**
 * The Hono `Env` latchkey's middleware provides: `c.get("latchkey")` is the identity (the
 * user, the session, and `via: "cookie" | "bearer"`), or `null` for an anonymous request.
 * Type the app with it, `new Hono<LatchkeyEnv>()`, or intersect it with the app's own Env.
 */
export type LatchkeyEnv = { Variables: { latchkey: Auth | null } };

/** Options of {@link latchkeyHono}. */
export interface HonoLatchkeyOptions {
  /**
   * The client's address, for the per-IP login throttle and the session's device list.
   * Pass the runtime's `getConnInfo` (from `hono/bun`, `hono/deno`, ...) on runtimes other
   * than Node.
   * @default the socket's peer address on `@hono/node-server`, else unknown
   */
  remoteAddress?: (c: Context) => string | undefined;
}

/** latchkey for a Hono 4 app. */
export interface HonoLatchkey {
  /**
   * Mount once, before the app's routes (`app.use(auth.middleware)`). It answers latchkey's
   * own routes (`/api/login/`, ...) and passes every other request on with
   * `c.get("latchkey")` set, after checking CSRF on unsafe cookie-authenticated requests
   * (as Django's CSRF middleware does for every view). A bad bearer token, a failed CSRF
   * check or a store that is down is answered here with latchkey's JSON error.
   */
  readonly middleware: MiddlewareHandler<LatchkeyEnv>;
  /** A guard: 401 `{detail, code: "not_authenticated"}` unless the request has a user. */
  requireUser(): MiddlewareHandler<LatchkeyEnv>;
  /** A guard: 401 for anonymous requests, 403 `{detail, code: "permission_denied"}` for non-staff users. */
  requireStaff(): MiddlewareHandler<LatchkeyEnv>;
  /**
   * A guard: 401 for anonymous requests, 403 for users without `permission`
   * (`"app.codename"`, from the user's own or group permissions; superusers have all).
   */
  requirePermission(permission: string): MiddlewareHandler<LatchkeyEnv>;
}

function isEmpty(record: Readonly<Record<string, string>>): boolean {
  for (const _name in record) return false;
  return true;
}

/**
 * Adds cookies and headers to the answer the app already made. They go straight onto
 * `c.res.headers`: `c.header()` on a finalised context re-wraps the answer in a new
 * `Response`, which on `@hono/node-server` turns its lightweight response into a real one
 * whose body is then sent through a stream, several times the cost of the route itself.
 * Only an answer with immutable headers (a `fetch()` result, `Response.redirect()`) is
 * re-wrapped, through `c.header()`; a refused first mutation leaves nothing half-applied.
 */
function addToAnswer(c: Context, cookies: readonly string[], headers: Readonly<Record<string, string>>): void {
  if (cookies.length === 0 && isEmpty(headers)) return;
  const target = c.res.headers;
  try {
    for (const cookie of cookies) target.append("Set-Cookie", cookie);
    for (const name in headers) target.set(name, headers[name] as string);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    for (const cookie of cookies) c.header("Set-Cookie", cookie, { append: true });
    for (const name in headers) c.header(name, headers[name]);
  }
}

const MIDDLEWARE_MISSING =
  "latchkey's middleware did not run before this guard: mount app.use(auth.middleware) before the app's routes.";

/** Wraps a latchkey instance for Hono. Runs on any runtime; reads Node's request directly on `@hono/node-server`. */
export function latchkeyHono(latchkey: Latchkey, options: HonoLatchkeyOptions = {}): HonoLatchkey {
  const { remoteAddress } = options;
  // The context the middleware is passing on, and its request's wrapper, while its `next()`
  // runs: Hono calls the route's guard within that call, and the guard reuses the wrapper
  // instead of building it again. Matched by identity and cleared when `next()` returns, so
  // a guard that runs later (after an asynchronous step of the app) builds its own.
  let passingContext: Context | null = null;
  let passingRequest: LatchkeyRequest | null = null;

  const middleware: MiddlewareHandler<LatchkeyEnv> = async (c, next) => {
    const request = toHonoLatchkeyRequest(c, remoteAddress);
    const response = await latchkey.handle(request);
    if (response !== null) return toHonoResponse(c, response, request.method);
    const result = await latchkey.authenticateRequest(request);
    if (!result.ok) return toHonoResponse(c, result.response, request.method);
    c.set("latchkey", result.auth);
    passingContext = c;
    passingRequest = request;
    let downstream: Promise<void>;
    try {
      downstream = next();
    } finally {
      passingContext = null;
      passingRequest = null;
    }
    await downstream;
    // A sliding-expiry refresh of the session cookie, and CORS, ride on whatever the app answered.
    addToAnswer(c, result.cookies, result.headers);
    return undefined;
  };

  function guard(requirement: Requirement): MiddlewareHandler<LatchkeyEnv> {
    return async (c, next) => {
      const auth: Auth | null | undefined = c.get("latchkey");
      if (auth === undefined) throw new Error(MIDDLEWARE_MISSING);
      const request =
        passingContext === c && passingRequest !== null ? passingRequest : toHonoLatchkeyRequest(c, remoteAddress);
      const refused = latchkey.authorize(auth, requirement, request);
      if (refused !== null) return toHonoResponse(c, refused, request.method);
      await next();
      return undefined;
    };
  }

  return {
    middleware,
    requireUser: () => guard({ kind: "user" }),
    requireStaff: () => guard({ kind: "staff" }),
    requirePermission: (permission) => guard({ kind: "permission", permission }),
  };
}
