import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createLatchkey, type Latchkey, type Stores } from "@latchkey/core";
import { smtpTransport } from "@latchkey/server";
import { migrateSqlite, openSqliteDatabase, sqliteStores } from "@latchkey/store-sqlite";
import { startSmtpSink, waitUntil, type SmtpSink } from "@latchkey/testkit";
import { fastHasher } from "../harness/test-latchkey.js";

/** One server process: its own connection to the shared database, its own SMTP transport and worker. */
function serverProcess(file: string, sink: SmtpSink): { latchkey: Latchkey; stores: Stores; close(): Promise<void> } {
  const database = openSqliteDatabase(file);
  const stores = sqliteStores({ database });
  const transport = smtpTransport(sink.url);
  const latchkey = createLatchkey({
    stores,
    passwords: { hasher: fastHasher },
    mail: { transport, pollIntervalMs: 10, retryBaseMs: 50, retryMaxMs: 200, leaseMs: 5_000 },
  });
  return {
    latchkey,
    stores,
    async close() {
      await latchkey.outbox?.stop();
      await transport.close?.();
      database.close();
    },
  };
}

async function enqueue(stores: Stores, count: number, tag: string): Promise<string[]> {
  const subjects: string[] = [];
  for (let i = 0; i < count; i++) {
    const subject = `${tag} message ${i}`;
    subjects.push(subject);
    await stores.accounts?.enqueueMessage({
      id: `${tag}-${i}`,
      to: `${tag}${i}@example.com`,
      subject,
      text: `Body ${i}`,
      html: `<p>Body ${i}</p>`,
      createdAt: Date.now() + i,
    });
  }
  return subjects;
}

function assertDeliveredOnce(sink: SmtpSink, subjects: readonly string[]): void {
  for (const subject of subjects) {
    const copies = sink.messages.filter((m) => m.subject === subject).length;
    assert.equal(copies, 1, `"${subject}" arrived ${copies} times`);
  }
}

describe("the durable mail outbox over real SMTP", () => {
  let dir: string;
  let file: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "latchkey-outbox-"));
    file = join(dir, "latchkey.sqlite3");
    const database = openSqliteDatabase(file);
    migrateSqlite(database);
    database.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("loses nothing and sends nothing twice when the SMTP server stops mid-run and comes back", async () => {
    const sink = await startSmtpSink();
    const server = serverProcess(file, sink);
    try {
      const subjects = await enqueue(server.stores, 30, "outage");
      server.latchkey.outbox?.start();
      await waitUntil("the first messages", async () => sink.messages.length >= 3, { timeoutMs: 10_000 });
      await sink.stop();
      const pending = await server.stores.accounts?.countPendingMessages();
      assert.ok(pending !== undefined && pending > 0, "messages still wait while the SMTP server is down");
      await sink.restart();
      await waitUntil("an empty outbox", async () => (await server.stores.accounts?.countPendingMessages()) === 0, {
        timeoutMs: 20_000,
      });
      assertDeliveredOnce(sink, subjects);
      assert.equal(sink.messages.filter((m) => m.subject.startsWith("outage")).length, 30);
    } finally {
      await server.close();
      await sink.close();
    }
  });

  it("survives a restart: messages queued while no worker ran are sent by the next process", async () => {
    const sink = await startSmtpSink();
    const first = serverProcess(file, sink);
    const subjects = await enqueue(first.stores, 5, "restart");
    await first.close();
    const second = serverProcess(file, sink);
    try {
      second.latchkey.outbox?.start();
      await waitUntil("an empty outbox", async () => (await second.stores.accounts?.countPendingMessages()) === 0, {
        timeoutMs: 10_000,
      });
      assertDeliveredOnce(sink, subjects);
    } finally {
      await second.close();
      await sink.close();
    }
  });

  it("sends each message once when three processes' workers share the database", async () => {
    const sink = await startSmtpSink();
    const processes = [serverProcess(file, sink), serverProcess(file, sink), serverProcess(file, sink)];
    try {
      const [head] = processes;
      assert.ok(head);
      const subjects = await enqueue(head.stores, 40, "shared");
      for (const p of processes) p.latchkey.outbox?.start();
      await waitUntil(
        "an empty outbox",
        async () => (await processes[0]?.stores.accounts?.countPendingMessages()) === 0,
        { timeoutMs: 20_000 },
      );
      assertDeliveredOnce(sink, subjects);
    } finally {
      for (const p of processes) await p.close();
      await sink.close();
    }
  });
});
