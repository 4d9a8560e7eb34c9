import { join } from "node:path";
import type { BenchContext } from "../context.js";
import { createSqliteFixture, type SqliteFixture } from "../fixtures/sqlite-fixture.js";
import { expectOk } from "../http-check.js";
import { cookieRequests } from "../load.js";
import { compareThroughput, type Contender } from "../measure.js";
import type { FlatScenario } from "../results.js";
import { startServerChild, type ServerHandle } from "../server-handle.js";
import type { ServerSpec } from "../servers/server-spec.js";

/**
 * Scenario 3: does whoami cost the same with a million sessions in the store as with a
 * thousand? Two ready servers over two SQLite files, measured in alternating slices; each load
 * cycles through 1,000 tokens drawn uniformly from its whole store, so the large store's
 * lookups spread over its whole index rather than one hot corner.
 */
export async function flatCostScenario(ctx: BenchContext): Promise<FlatScenario> {
  const { options } = ctx;
  const servers: ServerHandle[] = [];
  try {
    ctx.log(`  creating a SQLite store with ${options.smallSessions.toLocaleString("en-US")} sessions`);
    const small = await createSqliteFixture(join(ctx.workDir, "flat-small.sqlite3"), {
      sessions: options.smallSessions,
      sample: options.smallSessions,
      log: ctx.log,
    });
    ctx.log(
      `  creating a SQLite store with ${options.largeSessions.toLocaleString("en-US")} sessions (one transaction per 100,000)`,
    );
    const started = Date.now();
    const large = await createSqliteFixture(join(ctx.workDir, "flat-large.sqlite3"), {
      sessions: options.largeSessions,
      sample: options.smallSessions,
      log: ctx.log,
    });
    const insertSeconds = (Date.now() - started) / 1000;
    const contenders: Contender[] = [];
    const smallCount = options.smallSessions.toLocaleString("en-US");
    const largeCount = options.largeSessions.toLocaleString("en-US");
    const entries: [key: string, label: string, spec: ServerSpec, fixture: SqliteFixture, baseline: string | null][] = [
      [
        "small",
        `ready server, SQLite, ${smallCount} sessions`,
        { kind: "ready", database: small.database, logLevel: "warn", settings: {} },
        small,
        null,
      ],
      [
        "large",
        `ready server, SQLite, ${largeCount} sessions`,
        { kind: "ready", database: large.database, logLevel: "warn", settings: {} },
        large,
        "small",
      ],
      // The stores' read cache holds every token the load uses; with it off, every request reads the index.
      [
        "small-uncached",
        `@latchkey/node, SQLite read cache off, ${smallCount} sessions`,
        { kind: "latchkey-node", store: { type: "sqlite", database: small.database, cacheEntries: 0 } },
        small,
        null,
      ],
      [
        "large-uncached",
        `@latchkey/node, SQLite read cache off, ${largeCount} sessions`,
        { kind: "latchkey-node", store: { type: "sqlite", database: large.database, cacheEntries: 0 } },
        large,
        "small-uncached",
      ],
    ];
    for (const [key, label, spec, fixture, baseline] of entries) {
      const server = await startServerChild(ctx, spec, { label });
      servers.push(server);
      const requests = cookieRequests("/api/whoami/", "sessionid", fixture.tokens);
      const first = requests[0];
      if (first !== undefined) await expectOk(`${server.origin}${first.path}`, first.headers, fixture.user.whoamiBody);
      contenders.push({ key, label, server, requests, ...(baseline === null ? {} : { baseline }) });
    }
    const rows = await compareThroughput(ctx, contenders);
    return {
      rows,
      skipped: [],
      smallSessions: options.smallSessions,
      largeSessions: options.largeSessions,
      insertSeconds,
      notes: [
        `Each load cycles through ${smallCount} session tokens drawn uniformly from its store. The SQLite stores' read cache (10,000 entries by default) holds all of them, so the ready-server pair shows the product as configured; the pair with the cache off reads the session and the user from the file on every request, which is where a bigger index could cost more.`,
        `The large store grew by ${Math.round(large.bytesPerSession)} bytes per session on disk${large.dbstat === null ? "" : ` (dbstat: table ${Math.round(large.dbstat.table)}, indexes ${Math.round(large.dbstat.indexes)})`}; inserting its sessions took ${insertSeconds.toFixed(1)} s.`,
      ],
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}
