import { createLatchkey } from "@latchkey/core";
import { authOf, latchkeyFastify } from "@latchkey/fastify";
import Fastify, { type FastifyInstance } from "fastify";
import type { OpenStores } from "./open-stores.js";
import { APP_ROUTE, appRouteBody } from "./server-spec.js";

/**
 * A Fastify 5 app with one JSON route. With stores, latchkey's plugin is registered and the
 * route has `app.requireUser()` as its preHandler; without, the same route answers anyone
 * (the baseline). No logger, as Fastify's default.
 */
export async function fastifyServer(open: OpenStores | null): Promise<FastifyInstance> {
  const app = Fastify();
  if (open === null) {
    app.get(APP_ROUTE, async () => appRouteBody("bench"));
  } else {
    await app.register(latchkeyFastify, { latchkey: createLatchkey({ stores: open.stores }) });
    app.get(APP_ROUTE, { preHandler: app.requireUser() }, async (request) =>
      appRouteBody(authOf(request).user.username),
    );
  }
  await app.ready();
  return app;
}
