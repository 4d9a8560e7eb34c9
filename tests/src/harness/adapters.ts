import type { AppFactory } from "./app-under-test.js";
import { startExpressApp } from "./apps/express-app.js";
import { startFastifyApp } from "./apps/fastify-app.js";
import { startHonoApp } from "./apps/hono-app.js";
import { startNodeApp } from "./apps/node-app.js";

/** Every adapter the HTTP contract suite runs against. */
export const ADAPTERS: Readonly<Record<string, AppFactory>> = Object.freeze({
  node: startNodeApp,
  express: startExpressApp,
  fastify: startFastifyApp,
  hono: startHonoApp,
});
