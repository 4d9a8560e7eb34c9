import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createLatchkey, type Latchkey, type LatchkeyOptions, type MailTransport, type Stores } from "@latchkey/core";
import { nodeLatchkey } from "@latchkey/node";
import { smtpTransport } from "@latchkey/server";
import { memoryStores } from "@latchkey/store-memory";
import { migratePostgres, postgresStores } from "@latchkey/store-postgres";
import { requireProgram, startPostgres, type SmtpSink } from "@latchkey/testkit";
import pg from "pg";
import { createTestClock, type TestClock } from "../harness/test-clock.js";
import { fastHasher } from "../harness/test-latchkey.js";
import { createTestStores } from "../harness/test-stores.js";

/**
 * The origin and RP ID the passkey tests configure (the software authenticator writes them; no browser visits them).
 */
export const ORIGIN = "https://app.example.test";
export const RP_ID = "app.example.test";

/** A latchkey app with passkeys on, served by the node adapter on a free loopback port. */
export interface PasskeyApp {
  baseUrl: string;
  latchkey: Latchkey;
  stores: Stores;
  clock: TestClock;
  close(): Promise<void>;
}

/** A backend the passkey tests run on: its stores, and how to dispose of them. */
export interface Backend {
  name: string;
  /** Why the backend cannot run here (a missing program), or false. */
  skip: string | false;
  open(clock: TestClock): Promise<{ stores: Stores; dispose(): Promise<void> }>;
}

/**
 * Memory, SQLite (a temporary file) and PostgreSQL (a real server started on a free port on
 * first use, one database per app); `dispose()` stops that server.
 */
export function createBackends(): { list: Backend[]; dispose(): Promise<void> } {
  let postgres: Awaited<ReturnType<typeof startPostgres>> | undefined;
  let databases = 0;
  const list: Backend[] = [
    { name: "memory", skip: false, open: async () => ({ stores: memoryStores(), dispose: async () => {} }) },
    {
      name: "SQLite",
      skip: false,
      open: async (clock) => {
        const made = createTestStores(clock.now);
        return { stores: made.stores, dispose: async () => made.cleanup() };
      },
    },
    {
      name: "PostgreSQL",
      skip: requireProgram("initdb", "postgres", "pg_isready", "createdb"),
      open: async () => {
        postgres ??= await startPostgres();
        databases += 1;
        const admin = new pg.Client({ connectionString: postgres.url });
        await admin.connect();
        const name = `passkeys_${databases}`;
        await admin.query(`CREATE DATABASE ${name}`);
        await admin.end();
        const url = new URL(postgres.url);
        url.pathname = `/${name}`;
        const pool = new pg.Pool({ connectionString: url.toString() });
        pool.on("error", () => {});
        await migratePostgres(pool);
        return { stores: await postgresStores({ pool }), dispose: () => pool.end() };
      },
    },
  ];
  return { list, dispose: async () => postgres?.dispose() };
}

/** Starts an app on `backend`, mailing through `sink`. */
export async function startPasskeyApp(
  backend: Backend,
  sink: SmtpSink,
  options: Partial<LatchkeyOptions> = {},
): Promise<PasskeyApp> {
  const clock = createTestClock();
  const { stores, dispose } = await backend.open(clock);
  const transport: MailTransport = smtpTransport(sink.url);
  const latchkey = createLatchkey({
    stores,
    clock,
    passwords: { hasher: fastHasher },
    throttle: { enabled: false },
    mail: { transport, pollIntervalMs: 20 },
    passkeys: { origins: [ORIGIN] },
    ...options,
  });
  latchkey.outbox?.start();
  const auth = nodeLatchkey(latchkey);
  const server: Server = createServer(async (req, res) => {
    if (await auth.handle(req, res)) return;
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    latchkey,
    stores,
    clock,
    async close() {
      await latchkey.outbox?.stop();
      await transport.close?.();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dispose();
    },
  };
}
