import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { createLatchkey, type Latchkey } from "@latchkey/core";
import { nodeLatchkey } from "@latchkey/node";
import { smtpTransport } from "@latchkey/server";
import { migratePostgres, postgresStores } from "@latchkey/store-postgres";
import {
  createTestClient,
  requireProgram,
  startPostgres,
  startSmtpSink,
  type PostgresServer,
  type SmtpSink,
} from "@latchkey/testkit";
import pg from "pg";
import { fastHasher } from "../harness/test-latchkey.js";
import { send } from "./account-support.js";

const PASSWORD = "a long and unusual passphrase 42";

describe("account lifecycle on PostgreSQL over real SMTP (node adapter)", {
  skip: requireProgram("initdb", "postgres", "pg_isready", "createdb"),
}, () => {
  let postgres: PostgresServer;
  let pool: pg.Pool;
  let sink: SmtpSink;
  let latchkey: Latchkey;
  let server: Server;
  let baseUrl: string;
  const transportOf = (): ReturnType<typeof smtpTransport> => smtpTransport(sink.url);
  let transport: ReturnType<typeof smtpTransport>;

  before(async () => {
    postgres = await startPostgres();
    pool = new pg.Pool({ connectionString: postgres.url });
    // An idle connection cut while PostgreSQL stops must not crash the test process.
    pool.on("error", () => {});
    await migratePostgres(pool);
    sink = await startSmtpSink();
    transport = transportOf();
    latchkey = createLatchkey({
      stores: await postgresStores({ pool }),
      passwords: { hasher: fastHasher },
      signup: { enabled: true },
      throttle: { enabled: false },
      mail: { transport, pollIntervalMs: 20 },
    });
    latchkey.outbox?.start();
    const auth = nodeLatchkey(latchkey);
    server = createServer(async (req, res) => {
      if (await auth.handle(req, res)) return;
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await latchkey?.outbox?.stop();
    await transport?.close?.();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    await pool?.end();
    await sink?.close();
    await postgres?.dispose();
  });

  it("signs up, verifies, resets the password once of 10 simultaneous tries, and lists and revokes sessions", async () => {
    const email = "pguser@example.com";
    assert.equal(
      (await send(createTestClient(baseUrl), "POST", "/api/signup/", { username: "pguser", email, password: PASSWORD }))
        .status,
      202,
    );
    const verify = await sink.waitForMail(email);
    assert.equal(
      (await send(createTestClient(baseUrl), "POST", "/api/email/verify/", { key: verify.key })).status,
      200,
    );
    const browser = createTestClient(baseUrl);
    assert.equal((await browser.login("pguser", PASSWORD)).status, 200);
    assert.equal(((await browser.get("/api/sessions/")).json.sessions as unknown[]).length, 1);

    assert.equal((await send(createTestClient(baseUrl), "POST", "/api/password/reset/", { email })).status, 202);
    const reset = await sink.waitForMail(email, { predicate: (m) => /reset-password/.test(m.text) });
    const clients = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const c = createTestClient(baseUrl);
        await c.fetchCsrf();
        return c;
      }),
    );
    const results = await Promise.all(
      clients.map((c, i) =>
        send(c, "POST", "/api/password/reset/confirm/", { key: reset.key, new_password: `${PASSWORD} ${i}` }),
      ),
    );
    assert.equal(results.filter((r) => r.status === 200).length, 1);
    assert.equal((await browser.get("/api/whoami/")).status, 401);
  });
});
