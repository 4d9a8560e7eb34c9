import type { Latchkey, Requirement } from "@latchkey/core";
import { appendCookies, sendNodeResponse } from "@latchkey/node";
import type { RequestHandler } from "express";
import { toExpressLatchkeyRequest } from "./express-request.js";

/** latchkey for an Express 5 app. */
export interface ExpressLatchkey {
  /**
   * Mount once, before the app's routes (`app.use(auth.middleware)`). It answers latchkey's
   * own routes (`/api/login/`, ...) and passes every other request on with `req.latchkey` set
   * to the identity (or `null`), after checking CSRF on unsafe cookie-authenticated requests
   * (as Django's CSRF middleware does for every view). A bad bearer token, a failed CSRF
   * check or a store that is down is answered here with latchkey's JSON error.
   *
   * Mount it before `express.json()`/`express.urlencoded()` so latchkey reads its own bodies
   * and answers malformed ones with its own 400/413/415; mounted after them it still works
   * (it uses the body they parsed), but their errors are Express's.
   */
  readonly middleware: RequestHandler;
  /** A guard: 401 `{detail, code: "not_authenticated"}` unless the request has a user. */
  requireUser(): RequestHandler;
  /** A guard: 401 for anonymous requests, 403 `{detail, code: "permission_denied"}` for non-staff users. */
  requireStaff(): RequestHandler;
  /**
   * A guard: 401 for anonymous requests, 403 for users without `permission`
   * (`"app.codename"`, from the user's own or group permissions; superusers have all).
   */
  requirePermission(permission: string): RequestHandler;
}

const MIDDLEWARE_MISSING =
  "latchkey's middleware did not run before this guard: mount app.use(auth.middleware) before the app's routes.";

/** Wraps a latchkey instance for Express 5. */
export function latchkeyExpress(latchkey: Latchkey): ExpressLatchkey {
  const middleware: RequestHandler = async (req, res, next) => {
    const request = toExpressLatchkeyRequest(req);
    const response = await latchkey.handle(request);
    if (response !== null) {
      sendNodeResponse(res, response, request.method);
      return;
    }
    const result = await latchkey.authenticateRequest(request);
    if (!result.ok) {
      sendNodeResponse(res, result.response, request.method);
      return;
    }
    // A sliding-expiry refresh of the session cookie rides on whatever the app answers.
    appendCookies(res, result.cookies);
    for (const name in result.headers) res.setHeader(name, result.headers[name] as string);
    req.latchkey = result.auth;
    next();
  };

  function guard(requirement: Requirement): RequestHandler {
    return (req, res, next) => {
      const auth = req.latchkey;
      if (auth === undefined) {
        next(new Error(MIDDLEWARE_MISSING));
        return;
      }
      const request = toExpressLatchkeyRequest(req);
      const refused = latchkey.authorize(auth, requirement, request);
      if (refused === null) next();
      else sendNodeResponse(res, refused, request.method);
    };
  }

  return {
    middleware,
    requireUser: () => guard({ kind: "user" }),
    requireStaff: () => guard({ kind: "staff" }),
    requirePermission: (permission) => guard({ kind: "permission", permission }),
  };
}
