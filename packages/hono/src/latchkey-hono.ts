import {
  answerOrAuthenticateNow,
  createPassingRequest,
  isPending,
  type Auth,
  type Latchkey,
  type LatchkeyRequest,
  type LatchkeyResponse,
  type RequestAuthResult,
  type Requirement,
} from "@latchkey/core";
import type { Context, MiddlewareHandler, Next } from "hono";
import { addToNodeAnswer, addToWebAnswer, isNothingToAdd } from "./answer-headers.js";
import { toHonoLatchkeyRequest } from "./hono-request.js";
import { toHonoResponse } from "./hono-response.js";
import { nodeOutgoingOf } from "./node-head.js";

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

/** What a Hono middleware returns: the answer, or nothing once `next()` has made one. */
type MiddlewareResult = ReturnType<MiddlewareHandler<LatchkeyEnv>>;

const MIDDLEWARE_MISSING =
  "latchkey's middleware did not run before this guard: mount app.use(auth.middleware) before the app's routes.";

/** Wraps a latchkey instance for Hono. Runs on any runtime; reads Node's request directly on `@hono/node-server`. */
export function latchkeyHono(latchkey: Latchkey, options: HonoLatchkeyOptions = {}): HonoLatchkey {
  const { remoteAddress } = options;
  // A guard Hono calls within the middleware's next() reuses its request wrapper.
  const passing = createPassingRequest<Context>();

  /** Latchkey's own answer, as the promise Hono's middleware type asks for. */
  function answer(c: Context, response: LatchkeyResponse, method: string): Promise<Response> {
    return Promise.resolve(toHonoResponse(c, response, method));
  }

  /**
   * Applies latchkey's outcome for a request: latchkey's answer (one of its routes, a bad
   * bearer token, CSRF, a store that is down), or the request passed on to the app.
   * Latchkey's cookies and CORS fields ride on whatever the app answers: on
   * `@hono/node-server` merged into Node's response as its head is written, so the app's
   * `next()` promise is returned as it is; elsewhere added to `c.res` once the app has
   * answered.
   */
  function passOn(c: Context, next: Next, request: LatchkeyRequest, result: RequestAuthResult): MiddlewareResult {
    if (!result.ok) return answer(c, result.response, request.method);
    c.set("latchkey", result.auth);
    let addLater = false;
    if (!isNothingToAdd(result)) {
      const outgoing = nodeOutgoingOf(c.env);
      if (outgoing === undefined) addLater = true;
      else addToNodeAnswer(outgoing, result);
    }
    const downstream = passing.pass(c, request, next);
    return addLater ? downstream.then(() => addToWebAnswer(c, result)) : downstream;
  }

  // No async function and no await of its own: a request whose answer is ready (any path
  // that is not latchkey's, a session in memory) reaches the app without a promise or
  // microtask of latchkey's, and Hono's compose awaits what the app's next() returns.
  const middleware: MiddlewareHandler<LatchkeyEnv> = (c, next) => {
    const request = toHonoLatchkeyRequest(c, remoteAddress);
    const outcome = answerOrAuthenticateNow(latchkey, request);
    return isPending(outcome)
      ? Promise.resolve(outcome).then((result) => passOn(c, next, request, result))
      : passOn(c, next, request, outcome);
  };

  function guard(requirement: Requirement): MiddlewareHandler<LatchkeyEnv> {
    return (c, next) => {
      const auth: Auth | null | undefined = c.get("latchkey");
      if (auth === undefined) throw new Error(MIDDLEWARE_MISSING);
      const request = passing.wrapperOf(c) ?? toHonoLatchkeyRequest(c, remoteAddress);
      const refused = latchkey.authorize(auth, requirement, request);
      if (refused !== null) return answer(c, refused, request.method);
      return next();
    };
  }

  return {
    middleware,
    requireUser: () => guard({ kind: "user" }),
    requireStaff: () => guard({ kind: "staff" }),
    requirePermission: (permission) => guard({ kind: "permission", permission }),
  };
}
