import { createServer, type Server } from "node:http";
import { createLatchkey } from "@latchkey/core";
import { authOf, latchkeyExpress } from "@latchkey/express";
import express from "express";
import type { OpenStores } from "./open-stores.js";
import { APP_ROUTE, appRouteBody } from "./server-spec.js";

/**
 * An Express 5 app with one JSON route. With stores, latchkey's middleware is mounted first
 * and the route is behind `requireUser()`, as the adapter's docs show; without, the same
 * route answers anyone (the baseline).
 */
export function expressServer(open: OpenStores | null): Server {
  const app = express();
  if (open === null) {
    app.get(APP_ROUTE, (_req, res) => {
      res.json(appRouteBody("bench"));
    });
  } else {
    const auth = latchkeyExpress(createLatchkey({ stores: open.stores }));
    app.use(auth.middleware);
    app.get(APP_ROUTE, auth.requireUser(), (req, res) => {
      res.json(appRouteBody(authOf(req).user.username));
    });
  }
  return createServer(app);
}
