import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { requireProgram, startRedisCluster, type RedisCluster } from "@latchkey/testkit";
import type { ServeProcess } from "../server/latchkey-process.js";
import {
  createBrowser,
  PASSWORD,
  startBackends,
  startNodes,
  whoamiWithCookie,
  type Backends,
  type Nodes,
} from "./scale-fixture.js";

const TEST_TIMEOUT_MS = 120_000;
const NEEDS = requireProgram("redis-server", "initdb", "postgres", "pg_isready", "createdb");

/** Whoami through every node, a few times each, so that with the cache on every node holds the session. */
async function warm(cookie: string, nodes: readonly ServeProcess[]): Promise<void> {
  for (const node of nodes) {
    for (let i = 0; i < 3; i += 1) {
      const res = await whoamiWithCookie(node, cookie);
      assert.equal(res.status, 200, `whoami through ${node.url} before the revocation`);
    }
  }
}

/** The cookie is refused by each node on the first request sent to it. */
async function assertRefusedEverywhere(cookie: string, nodes: readonly ServeProcess[], what: string): Promise<void> {
  const replies = await Promise.all(nodes.map((node) => whoamiWithCookie(node, cookie)));
  replies.forEach((reply, i) => {
    assert.equal(reply.status, 401, `${what}: node ${i} answered ${reply.status} to its very next request`);
    assert.equal(reply.json.code, "not_authenticated");
  });
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

for (const cache of [false, true]) {
  const label = cache ? "on" : "off";
  describe(`three latchkey servers on one Redis and one PostgreSQL (session cache ${label})`, { skip: NEEDS }, () => {
    let backends: Backends | undefined;
    let nodes: Nodes | undefined;
    before(async () => {
      backends = await startBackends();
      nodes = await startNodes(3, { ...backends.env, LATCHKEY_SESSION_CACHE_ENABLED: String(cache) });
    });
    after(async () => {
      await nodes?.close();
      await backends?.dispose();
    });
    function cluster(): { nodes: Nodes; a: ServeProcess; b: ServeProcess; c: ServeProcess } {
      const [a, b, c] = nodes?.servers ?? [];
      if (nodes === undefined || a === undefined || b === undefined || c === undefined)
        throw new Error("the servers did not start");
      return { nodes, a, b, c };
    }

    it("says where the data lives and whether it caches", async () => {
      for (const server of cluster().nodes.servers) {
        const listening = server.logs.find((line) => line.event === "listening");
        assert.deepEqual(listening?.stores, {
          users: backends?.postgres.url,
          sessions: backends?.redis.url,
          throttle: backends?.redis.url,
        });
        assert.equal(listening?.sessionCache, cache);
        if (cache) await server.waitForLog((line) => line.event === "invalidation_bus_ready");
        else
          assert.ok(!server.logs.some((line) => line.event === "invalidation_bus_ready"), "no bus without the cache");
      }
    });

    it("accepts a session made through A on B and C, and after a logout through C, A and B refuse the cookie on their very next request", {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const { nodes: all, a, b, c } = cluster();
      await all.createUser(`ann-${label}`);
      const browser = createBrowser();
      const login = await browser.login(a, `ann-${label}`);
      assert.equal(login.status, 200, JSON.stringify(login.json));
      const cookie = browser.cookie("sessionid");
      assert.ok(cookie !== undefined);
      const whoami = await browser.whoami(b);
      assert.equal(whoami.status, 200);
      assert.equal(whoami.json.username, `ann-${label}`);
      await warm(cookie, [a, b, c]);
      const logout = await browser.logout(c);
      assert.equal(logout.status, 200, JSON.stringify(logout.json));
      await assertRefusedEverywhere(cookie, [a, b, c], "after the logout through C");
    });

    it("ends the user's other sessions on every server when the password is changed through one", {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const { nodes: all, a, b, c } = cluster();
      const username = `bob-${label}`;
      await all.createUser(username);
      const devices = [createBrowser(), createBrowser(), createBrowser()];
      const entry = [a, b, c];
      const cookies: string[] = [];
      for (const [i, device] of devices.entries()) {
        const node = entry[i] ?? a;
        assert.equal((await device.login(node, username)).status, 200);
        cookies.push(device.cookie("sessionid") ?? "");
      }
      for (const cookie of cookies) await warm(cookie, [a, b, c]);
      const [changer] = devices;
      assert.ok(changer !== undefined);
      const changed = await changer.changePassword(b, PASSWORD, "a brand new passphrase 42");
      assert.equal(changed.status, 200, JSON.stringify(changed.json));
      await assertRefusedEverywhere(cookies[1] ?? "", [a, b, c], "the second device after the password change");
      await assertRefusedEverywhere(cookies[2] ?? "", [a, b, c], "the third device after the password change");
      await assertRefusedEverywhere(cookies[0] ?? "", [a, b, c], "the changer's old token (rotated)");
      for (const node of [a, b, c])
        assert.equal((await changer.whoami(node)).status, 200, "the changer's new cookie works everywhere");
    });

    it("applies a revocation made with the CLI to every server's very next request", {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const { nodes: all, a, b, c } = cluster();
      const username = `cid-${label}`;
      await all.createUser(username);
      const browser = createBrowser();
      assert.equal((await browser.login(a, username)).status, 200);
      const cookie = browser.cookie("sessionid") ?? "";
      await warm(cookie, [a, b, c]);
      const deactivated = await all.latchkey(["users", "deactivate", username]);
      assert.equal(deactivated.code, 0, deactivated.stderr);
      await assertRefusedEverywhere(cookie, [a, b, c], "after `latchkey users deactivate`");
    });

    it("measures the delay between a logout through C and its refusal by B", {
      timeout: TEST_TIMEOUT_MS,
    }, async (t) => {
      const { nodes: all, a, b, c } = cluster();
      const username = `dee-${label}`;
      await all.createUser(username);
      const delays: number[] = [];
      const logouts: number[] = [];
      for (let round = 0; round < 30; round += 1) {
        const browser = createBrowser();
        assert.equal((await browser.login(a, username)).status, 200);
        const cookie = browser.cookie("sessionid") ?? "";
        assert.equal((await whoamiWithCookie(b, cookie)).status, 200);
        assert.equal((await whoamiWithCookie(b, cookie)).status, 200);
        const started = performance.now();
        const logout = await browser.logout(c);
        assert.equal(logout.status, 200);
        // No sleep: B is asked the moment C's answer is in, and must already refuse.
        const refused = await whoamiWithCookie(b, cookie);
        assert.equal(refused.status, 401, `round ${round}: B refused the cookie on the first request after the logout`);
        logouts.push(logout.at - started);
        delays.push(refused.at - logout.at);
      }
      delays.sort((x, y) => x - y);
      logouts.sort((x, y) => x - y);
      const ms = (value: number) => `${value.toFixed(2)} ms`;
      t.diagnostic(
        `session cache ${label}: logout through C took median ${ms(quantile(logouts, 0.5))} (p95 ${ms(quantile(logouts, 0.95))}); ` +
          `from C's answer to B's 401: median ${ms(quantile(delays, 0.5))}, p95 ${ms(quantile(delays, 0.95))}, max ${ms(quantile(delays, 1))} ` +
          `(that is one whoami round trip: B refused on its first request every time, ${delays.length} rounds)`,
      );
    });
  });
}

describe("two latchkey servers on a Redis Cluster, users in one SQLite file (session cache on)", {
  skip: requireProgram("redis-server", "redis-cli"),
}, () => {
  let redisCluster: RedisCluster | undefined;
  let nodes: Nodes | undefined;
  before(async () => {
    redisCluster = await startRedisCluster({ masters: 3 });
    nodes = await startNodes(2, {
      LATCHKEY_REDIS_CLUSTER_NODES: redisCluster.nodes.map((node) => `${node.host}:${node.port}`).join(","),
      LATCHKEY_SESSION_CACHE_ENABLED: "true",
    });
  });
  after(async () => {
    await nodes?.close();
    await redisCluster?.dispose();
  });

  it("refuses a cookie on B's very next request after a logout through A, and after a password change", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const [a, b] = nodes?.servers ?? [];
    assert.ok(nodes !== undefined && a !== undefined && b !== undefined);
    await nodes.createUser("cora");
    for (const server of [a, b]) await server.waitForLog((line) => line.event === "invalidation_bus_ready");
    for (let round = 0; round < 10; round += 1) {
      const browser = createBrowser();
      assert.equal((await browser.login(a, "cora")).status, 200);
      const cookie = browser.cookie("sessionid") ?? "";
      await warm(cookie, [a, b]);
      assert.equal((await browser.logout(a)).status, 200);
      await assertRefusedEverywhere(cookie, [b, a], `round ${round}, after the logout through A`);
    }
    const [one, two] = [createBrowser(), createBrowser()];
    assert.equal((await one.login(a, "cora")).status, 200);
    assert.equal((await two.login(b, "cora")).status, 200);
    const other = two.cookie("sessionid") ?? "";
    await warm(other, [a, b]);
    assert.equal((await one.changePassword(a, PASSWORD, "cluster wide new secret 7")).status, 200);
    await assertRefusedEverywhere(other, [b, a], "the other device after the password change");
  });
});
