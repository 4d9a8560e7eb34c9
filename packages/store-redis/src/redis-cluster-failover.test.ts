import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StoreUnavailableError, type SessionRecord } from "@latchkey/core";
import { requireProgram, startRedisCluster, waitUntil } from "@latchkey/testkit";
import { redisStores } from "./redis-stores.js";
import { connectCluster, keysUnder } from "./redis-subject.test.helper.js";

const NOW = 1_700_000_000_000;
/** Sessions spread over the cluster's slots, so some live on the master that fails. */
const SESSIONS = 30;
/** A bound for the replica's promotion (node timeout 1 s) and the client's new slot map. */
const FAILOVER_MS = 30_000;

function session(i: number): SessionRecord {
  return {
    id: `failover-${i}`,
    secretHash: "cd".repeat(32),
    userId: String(1 + (i % 3)),
    kind: "cookie",
    createdAt: NOW,
    lastSeenAt: NOW,
    expiresAt: NOW + 3_600_000,
    absoluteExpiresAt: NOW + 7_200_000,
    ip: "203.0.113.9",
    userAgent: "failover test",
    label: null,
  };
}

describe("Redis Cluster failover (3 masters, 1 replica each)", {
  skip: requireProgram("redis-server", "redis-cli"),
}, () => {
  it("answers 503 for the failed master's slots, never 'no such session', and serves every replicated session once its replica takes over", {
    timeout: 120_000,
  }, async (t) => {
    const cluster = await startRedisCluster({ masters: 3, replicas: 1, nodeTimeoutMs: 1_000 });
    const client = await connectCluster(cluster.nodes);
    try {
      const stores = redisStores({ client, keyPrefix: "failover", clock: { now: () => NOW } });
      const created = Array.from({ length: SESSIONS }, (_, i) => session(i));
      for (const s of created) await stores.sessions.createSession(s);
      // Redis replicates asynchronously: a write the master acknowledged and died before
      // sending is lost in any failover. Wait until the replicas have everything, so what
      // this test checks is the failover itself.
      await cluster.replicated();

      const masters = await cluster.masters();
      const keys = await keysUnder(client, "failover");
      const victim = masters.find((m) => keys.some((k) => k.key.includes(":{s:") && k.node.endsWith(`:${m.port}`)));
      assert.ok(victim !== undefined, "some session lives on a master");
      await victim.kill();
      const killedAt = performance.now();

      // Until the replica is promoted, reads of the dead master's slots fail as an outage
      // (StoreUnavailableError, a 503 to the browser), and must never come back as null,
      // which the server would turn into a 401 and a cleared cookie.
      const outcomes = new Set<string>();
      await waitUntil(
        "every session to be readable again after the failover",
        async () => {
          let all = true;
          for (const s of created) {
            try {
              const found = await stores.sessions.getSession(s.id);
              assert.notEqual(found, null, `session ${s.id} must not vanish in a failover`);
              assert.deepEqual(found, s);
              outcomes.add("found");
            } catch (error) {
              if (!(error instanceof StoreUnavailableError)) throw error;
              outcomes.add("unavailable");
              all = false;
            }
          }
          return all;
        },
        { timeoutMs: FAILOVER_MS, intervalMs: 100 },
      );
      t.diagnostic(
        `failover: every session readable again ${Math.round(performance.now() - killedAt)} ms after the master was killed`,
      );
      assert.ok(
        outcomes.has("unavailable"),
        "the outage was seen (reads of the failed master's slots failed) before the replica took over",
      );
      assert.equal((await cluster.masters()).length, 3, "a replica was promoted in place of the killed master");

      // Writes go on too: a new session, and a logout everywhere across every slot.
      await stores.sessions.createSession(session(SESSIONS));
      assert.equal(await stores.sessions.deleteUserSessions("1"), SESSIONS / 3 + 1);
    } finally {
      await client.quit().catch(() => client.disconnect());
      await cluster.dispose();
    }
  });
});
