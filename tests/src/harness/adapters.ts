import type { AppFactory } from "./app-under-test.js";
import { startNodeApp } from "./apps/node-app.js";

/** Every adapter the HTTP contract suite runs against. */
export const ADAPTERS: Readonly<Record<string, AppFactory>> = Object.freeze({
  node: startNodeApp,
});
