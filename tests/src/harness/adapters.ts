import type { AppFactory } from "./app-under-test.js";
import { startExpressApp } from "./apps/express-app.js";
import { startFastifyApp } from "./apps/fastify-app.js";
import { startHonoApp } from "./apps/hono-app.js";
import { startNodeApp } from "./apps/node-app.js";
import { checkedAgainstOpenApi } from "./openapi-checked.js";

/**
 * Every adapter the HTTP contract suite runs against. Each response of every app they start
 * is checked against the OpenAPI document that app serves (see {@link checkedAgainstOpenApi}).
 */
export const ADAPTERS: Readonly<Record<string, AppFactory>> = Object.freeze({
  node: checkedAgainstOpenApi(startNodeApp),
  express: checkedAgainstOpenApi(startExpressApp),
  fastify: checkedAgainstOpenApi(startFastifyApp),
  hono: checkedAgainstOpenApi(startHonoApp),
});
