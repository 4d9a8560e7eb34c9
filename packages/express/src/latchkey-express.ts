import {
  answerOrAuthenticateNow,
  createPassingRequest,
  isPending,
  type Latchkey,
  type LatchkeyRequest,
  type RequestAuthResult,
  type Requirement,
} from "@latchkey/core";
import { applyAuthResult, sendNodeResponse } from "@latchkey/node";
import type { Request, RequestHandler, Response } from "express";
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
  // A guard called within the middleware's next() reuses its request wrapper.
  const passing = createPassingRequest<Request>();

  /**
   * Applies latchkey's outcome for a request: true when the app goes on with `req.latchkey`
   * set; false when latchkey answered (one of its routes, a bad bearer token, CSRF, a store
   * that is down).
   */
  function identify(req: Request, res: Response, wrapper: LatchkeyRequest, result: RequestAuthResult): boolean {
    const auth = applyAuthResult(res, result, wrapper.method);
    if (auth === undefined) return false;
    req.latchkey = auth;
    return true;
  }

  // A plain function, not an async one: an answer that is ready now (an app request whose
  // session is in memory) goes on at once, without a promise and the microtasks around it.
  // Only a store that must be asked makes it return a promise, whose rejection Express hands
  // to the app's error handlers (`next(error)`), as it did when this middleware was async.
  const middleware: RequestHandler = (req, res, next) => {
    const wrapper = toExpressLatchkeyRequest(req);
    const outcome = answerOrAuthenticateNow(latchkey, wrapper);
    if (!isPending(outcome)) {
      if (identify(req, res, wrapper, outcome)) passing.pass(req, wrapper, next);
      return undefined;
    }
    return Promise.resolve(outcome).then((result) => {
      if (identify(req, res, wrapper, result)) passing.pass(req, wrapper, next);
    });
  };

  function guard(requirement: Requirement): RequestHandler {
    return (req, res, next) => {
      const auth = req.latchkey;
      if (auth === undefined) {
        next(new Error(MIDDLEWARE_MISSING));
        return;
      }
      const wrapper = passing.wrapperOf(req) ?? toExpressLatchkeyRequest(req);
      const refused = latchkey.authorize(auth, requirement, wrapper);
      if (refused === null) next();
      else sendNodeResponse(res, refused, wrapper.method);
    };
  }

  return {
    middleware,
    requireUser: () => guard({ kind: "user" }),
    requireStaff: () => guard({ kind: "staff" }),
    requirePermission: (permission) => guard({ kind: "permission", permission }),
  };
}
