import { requireProgram, startRedis } from "@latchkey/testkit";
import { importDjangoSuite, requireDjango, sqliteSetup } from "./import-django-suite.js";

importDjangoSuite({
  name: "SQLite (sessions and the one-time guard in Redis)",
  skip: requireDjango() || requireProgram("redis-server"),
  async setup(dir) {
    const redis = await startRedis();
    const setup = await sqliteSetup(dir, redis.url);
    return { ...setup, close: () => redis.stop().then(() => undefined) };
  },
});
