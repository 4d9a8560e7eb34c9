import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { requireProgram } from "@latchkey/testkit";
import type { ServeProcess } from "../server/latchkey-process.js";
import {
  createBrowser,
  startBackends,
  startNodes,
  whoamiWithCookie,
  type Backends,
  type Nodes,
} from "./scale-fixture.js";

const TEST_TIMEOUT_MS = 120_000;
const NEEDS = requireProgram("redis-server", "initdb", "postgres", "pg_isready", "createdb");
/** Sessions logged out, one after another, while the whoami loops run. */
const SESSIONS = 6;
/** Concurrent whoami loops per server, each one request at a time. */
const LOOPS_PER_SERVER = 2;
/** Longest wait for a condition the loops should meet within a few requests. Milliseconds. */
const WAIT_MS = 20_000;
/** The loops stop by then whatever happens. Milliseconds. */
const LOOP_DEADLINE_MS = 90_000;

/** One whoami answer, with when it was sent and when its answer arrived (performance.now()), and through which server. */
interface Answer {
  session: number;
  server: number;
  sentAt: number;
  answeredAt: number;
  status: number;
}

/**
 * Whoami loops on every server, cycling through the session cookies, recording every answer;
 * `until` resolves once the answers so far satisfy a condition (no sleeps: it is re-checked on
 * each answer), or rejects after {@link WAIT_MS}.
 */
function startLoops(servers: readonly ServeProcess[], cookies: readonly string[]) {
  const answers: Answer[] = [];
  const failures: string[] = [];
  const waiters = new Set<() => void>();
  let stopped = false;
  // One cursor per server, so that every server cycles through every session.
  const next = servers.map(() => 0);
  const deadline = performance.now() + LOOP_DEADLINE_MS;
  const loop = async (server: number): Promise<void> => {
    const node = servers[server];
    if (node === undefined) return;
    while (!stopped && performance.now() < deadline) {
      const session = (next[server] ?? 0) % cookies.length;
      next[server] = session + 1;
      const sentAt = performance.now();
      try {
        const reply = await whoamiWithCookie(node, cookies[session] ?? "");
        answers.push({ session, server, sentAt, answeredAt: performance.now(), status: reply.status });
      } catch (error) {
        failures.push(`server ${server}: ${error instanceof Error ? error.message : String(error)}`);
      }
      for (const waiter of waiters) waiter();
    }
  };
  const running = Promise.all(
    servers.flatMap((_, server) => Array.from({ length: LOOPS_PER_SERVER }, () => loop(server))),
  );
  return {
    answers,
    failures,
    until(condition: () => boolean, what: string): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!condition()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`not within ${WAIT_MS} ms: ${what} (failures: ${failures.slice(0, 3).join("; ")})`));
        }, WAIT_MS);
        waiters.add(check);
        check();
      });
    },
    async stop(): Promise<void> {
      stopped = true;
      await running;
    },
  };
}

/** Which servers answered `status` to a whoami for `session` sent in [from, to). */
function serversAnswering(answers: readonly Answer[], session: number, status: number, from: number, to: number) {
  return new Set(
    answers
      .filter((a) => a.session === session && a.status === status && a.sentAt >= from && a.sentAt < to)
      .map((a) => a.server),
  );
}

const STORES = [
  {
    name: "sessions in Redis, users in PostgreSQL",
    env: (backends: Backends) => backends.env,
  },
  {
    name: "sessions and users in PostgreSQL",
    env: (backends: Backends) => ({ LATCHKEY_DATABASE_URL: backends.postgres.url }),
  },
];

describe("revocation under load: three latchkey servers with the session cache on", { skip: NEEDS }, () => {
  let backends: Backends | undefined;
  before(async () => {
    backends = await startBackends();
  });
  after(async () => {
    await backends?.dispose();
  });

  for (const [index, store] of STORES.entries()) {
    describe(store.name, () => {
      let nodes: Nodes | undefined;
      before(async () => {
        if (backends === undefined) throw new Error("the backends did not start");
        nodes = await startNodes(3, { ...store.env(backends), LATCHKEY_SESSION_CACHE_ENABLED: "true" });
        // Leases and the invalidation bus live: each server serves from its cache from here on.
        for (const server of nodes.servers) await server.waitForLog((line) => line.event === "invalidation_bus_ready");
      });
      after(async () => {
        await nodes?.close();
      });

      it("refuses, on every server, every whoami sent after a logout's 200 while whoami loops keep all three busy", {
        timeout: TEST_TIMEOUT_MS,
      }, async (t) => {
        assert.ok(nodes !== undefined);
        const servers = nodes.servers;
        const username = `load-${index}`;
        await nodes.createUser(username);
        const browsers = Array.from({ length: SESSIONS }, () => createBrowser());
        const cookies: string[] = [];
        for (const [i, browser] of browsers.entries()) {
          const server = servers[i % servers.length];
          assert.ok(server !== undefined);
          const login = await browser.login(server, username);
          assert.equal(login.status, 200, JSON.stringify(login.json));
          cookies.push(browser.cookie("sessionid") ?? "");
        }
        const loops = startLoops(servers, cookies);
        const logoutSentAt: number[] = [];
        const revokedAt: number[] = [];
        try {
          for (const [session, browser] of browsers.entries()) {
            // Accepted (and so cached) by every server before its logout: otherwise a refusal proves nothing.
            await loops.until(
              () => serversAnswering(loops.answers, session, 200, 0, Number.POSITIVE_INFINITY).size === servers.length,
              `session ${session} accepted by every server`,
            );
            const through = servers[(session + 1) % servers.length];
            assert.ok(through !== undefined);
            logoutSentAt[session] = performance.now();
            const logout = await browser.logout(through);
            assert.equal(logout.status, 200, JSON.stringify(logout.json));
            const at = logout.at;
            revokedAt[session] = at;
            // The loops keep going: wait until every server has answered a request sent after the 200.
            await loops.until(
              () => serversAnswering(loops.answers, session, 401, at, Number.POSITIVE_INFINITY).size === servers.length,
              `session ${session} refused by every server after its logout`,
            );
          }
        } finally {
          await loops.stop();
        }
        assert.deepEqual(loops.failures, [], "no whoami failed to get an answer");
        const accepted = loops.answers.filter((a) => {
          const revoked = revokedAt[a.session];
          return a.status === 200 && revoked !== undefined && a.sentAt > revoked;
        });
        assert.deepEqual(accepted, [], "no whoami sent after its session's logout 200 was answered 200, on any server");
        for (let session = 0; session < SESSIONS; session++) {
          const sent = logoutSentAt[session] ?? 0;
          assert.equal(
            serversAnswering(loops.answers, session, 200, 0, sent).size,
            servers.length,
            `session ${session} was accepted by every server before its logout was sent`,
          );
        }
        const others = loops.answers.filter((a) => a.status !== 200 && a.status !== 401);
        assert.deepEqual(others, [], "every whoami was answered 200 or 401");
        const afterLogout = loops.answers.filter((a) => a.sentAt > (revokedAt[a.session] ?? Number.POSITIVE_INFINITY));
        t.diagnostic(
          `${loops.answers.length} whoami answers checked, ${afterLogout.length} of them sent after their session's logout 200 (all refused)`,
        );
        // A whoami sent before the logout but still in flight when the server took the logout is
        // rightly refused; one whose answer arrived before the logout was even sent cannot have been.
        const refusedEarly = loops.answers.filter(
          (a) => a.status === 401 && a.answeredAt < (logoutSentAt[a.session] ?? 0),
        );
        assert.deepEqual(refusedEarly, [], "no session was refused before its logout was sent");
      });
    });
  }
});
