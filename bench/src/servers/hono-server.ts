import { createServer, type Server } from "node:http";
import { getRequestListener } from "@hono/node-server";
import { createLatchkey } from "@latchkey/core";
import { authOf, latchkeyHono, type LatchkeyEnv } from "@latchkey/hono";
import { Hono, type MiddlewareHandler } from "hono";
import type { OpenStores } from "./open-stores.js";
import { APP_ROUTE, appRouteBody } from "./server-spec.js";

/** A middleware that does nothing but pass the request on. */
const passOn: MiddlewareHandler = (_c, next) => next();

/**
 * A Hono 4 app with one JSON route on `@hono/node-server`. With stores, latchkey's
 * middleware is mounted first and the route is behind `requireUser()`, as the adapter's
 * docs show; without, the same route answers anyone (the baseline). With `passThrough`
 * (no stores), the route is behind two middlewares mounted where latchkey's are that only
 * call `next()`: a route with a single handler takes Hono's synchronous path, one behind
 * any middleware its `compose()` with an async step per layer, and this measures that part.
 */
export function honoServer(open: OpenStores | null, passThrough = false): Server {
  const app = new Hono<LatchkeyEnv>();
  if (open === null && passThrough) {
    app.use(passOn);
    app.get(APP_ROUTE, passOn, (c) => c.json(appRouteBody("bench")));
  } else if (open === null) {
    app.get(APP_ROUTE, (c) => c.json(appRouteBody("bench")));
  } else {
    const auth = latchkeyHono(createLatchkey({ stores: open.stores }));
    app.use(auth.middleware);
    app.get(APP_ROUTE, auth.requireUser(), (c) => c.json(appRouteBody(authOf(c).user.username)));
  }
  return createServer(getRequestListener(app.fetch));
}
