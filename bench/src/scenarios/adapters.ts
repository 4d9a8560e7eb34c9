import { join } from "node:path";
import type { BenchContext } from "../context.js";
import { createSqliteFixture } from "../fixtures/sqlite-fixture.js";
import { expectOk } from "../http-check.js";
import { cookieRequests } from "../load.js";
import { compareThroughput, type Contender } from "../measure.js";
import type { ThroughputScenario } from "../results.js";
import { startServerChild, type ServerHandle } from "../server-handle.js";
import { APP_ROUTE, appRouteBody, type ServerSpec } from "../servers/server-spec.js";

/**
 * Scenario 2: an app route of Express 5, Fastify 5, Hono 4 (on `@hono/node-server`) and plain
 * `node:http` (`@latchkey/node`) behind latchkey (`requireUser()`, SQLite), each against the
 * same framework's route without auth, in slices alternating with it. Both versions answer the same
 * JSON; the load sends the same cookies to all eight.
 */
export async function adaptersScenario(ctx: BenchContext): Promise<ThroughputScenario> {
  const servers: ServerHandle[] = [];
  try {
    ctx.log(`  creating a SQLite store with ${ctx.options.smallSessions.toLocaleString("en-US")} sessions`);
    const sqlite = await createSqliteFixture(join(ctx.workDir, "adapters.sqlite3"), {
      sessions: ctx.options.smallSessions,
      sample: ctx.options.smallSessions,
      log: ctx.log,
    });
    const requests = cookieRequests(APP_ROUTE, "sessionid", sqlite.tokens);
    const first = requests[0];
    const contenders: Contender[] = [];
    const entries: [key: string, label: string, spec: ServerSpec, baseline: string | null, user: string][] = [
      ["express-bare", "Express 5 route, no auth", { kind: "express", database: null }, null, "bench"],
      [
        "express",
        "Express 5 route + latchkey requireUser()",
        { kind: "express", database: sqlite.database },
        "express-bare",
        sqlite.user.username,
      ],
      ["fastify-bare", "Fastify 5 route, no auth", { kind: "fastify", database: null }, null, "bench"],
      [
        "fastify",
        "Fastify 5 route + latchkey requireUser()",
        { kind: "fastify", database: sqlite.database },
        "fastify-bare",
        sqlite.user.username,
      ],
      ["hono-bare", "Hono 4 route, no auth", { kind: "hono", database: null }, null, "bench"],
      [
        "hono-pass-through",
        "Hono 4 route behind two pass-through middlewares, no auth",
        { kind: "hono", database: null, passThrough: true },
        "hono-bare",
        "bench",
      ],
      [
        "hono",
        "Hono 4 route + latchkey requireUser()",
        { kind: "hono", database: sqlite.database },
        "hono-bare",
        sqlite.user.username,
      ],
      ["node-bare", "node:http route, no auth", { kind: "node-route", database: null }, null, "bench"],
      [
        "node",
        "node:http route + @latchkey/node require()",
        { kind: "node-route", database: sqlite.database },
        "node-bare",
        sqlite.user.username,
      ],
    ];
    for (const [key, label, spec, baseline, user] of entries) {
      const server = await startServerChild(ctx, spec, { label });
      servers.push(server);
      if (first !== undefined)
        await expectOk(`${server.origin}${APP_ROUTE}`, first.headers, JSON.stringify(appRouteBody(user)));
      contenders.push({ key, label, server, requests, ...(baseline === null ? {} : { baseline }) });
    }
    const rows = await compareThroughput(ctx, contenders);
    return {
      rows,
      skipped: [],
      notes: ["Both versions of each route answer the same JSON body; the bare ones simply ignore the cookie."],
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}
