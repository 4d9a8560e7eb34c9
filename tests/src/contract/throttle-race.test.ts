import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { createLatchkey, type LatchkeyOptions, type ThrottleStore } from "@latchkey/core";
import { nodeLatchkey } from "@latchkey/node";
import { createTestClient, waitUntil, type TestClient, type TestResponse } from "@latchkey/testkit";
import { throttleBackends, type OpenThrottle } from "../harness/throttle-backends.js";
import { fastHasher } from "../harness/test-latchkey.js";
import { createTestStores } from "../harness/test-stores.js";
import { watchedHasher, type WatchedHasher } from "../harness/watched-hasher.js";
import { PASSWORD } from "./support.js";

const WRONG = "definitely the wrong password";
const LOOSE = { points: 10_000, durationSeconds: 900 };

/** A latchkey server on node:http counting in `throttle`, with users and sessions in SQLite. */
interface RaceApp {
  readonly baseUrl: string;
  readonly hasher: WatchedHasher;
  /** Consumes the throttle store answered, per key kind ("account" or "ip"). */
  readonly consumed: { account: number; ip: number };
  createUser(username: string): Promise<void>;
  close(): Promise<void>;
}

/** Counts the consumes a throttle store answered, so a test knows when attempts reached the hashing queue. */
function countingThrottle(inner: ThrottleStore, consumed: { account: number; ip: number }): ThrottleStore {
  return {
    async consume(key, limit, windowSeconds) {
      const decision = await inner.consume(key, limit, windowSeconds);
      if (key.includes(":account:")) consumed.account += 1;
      else consumed.ip += 1;
      return decision;
    },
    refund: (key) => inner.refund(key),
    reset: (key) => inner.reset(key),
  };
}

async function startRaceApp(
  throttle: ThrottleStore,
  options: Partial<Omit<LatchkeyOptions, "stores">>,
): Promise<RaceApp> {
  const stores = createTestStores();
  const hasher = watchedHasher(fastHasher);
  const consumed = { account: 0, ip: 0 };
  // trustProxy: X-Forwarded-For says which client a request stands for, as behind a proxy.
  const latchkey = createLatchkey({
    trustProxy: true,
    ...options,
    passwords: { hasher },
    stores: { ...stores.stores, throttle: countingThrottle(throttle, consumed) },
  });
  const auth = nodeLatchkey(latchkey);
  const server = createServer(async (req, res) => {
    if (await auth.handle(req, res)) return;
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hasher,
    consumed,
    async createUser(username) {
      const created = await latchkey.accounts.createUser({ username, password: PASSWORD });
      assert.ok(created.ok);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      stores.cleanup();
    },
  };
}

/** A client past the CSRF flow; its cookie and token serve any number of login attempts. */
async function readyClient(app: RaceApp): Promise<TestClient> {
  const client = createTestClient(app.baseUrl);
  await client.fetchCsrf();
  return client;
}

function login(client: TestClient, username: string, password: string, ip: string): Promise<TestResponse> {
  return client.post("/api/login/", {
    json: { username, password },
    headers: { "x-csrftoken": client.csrfToken ?? "", "x-forwarded-for": ip },
  });
}

function statuses(responses: readonly TestResponse[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const res of responses) counts[res.status] = (counts[res.status] ?? 0) + 1;
  return counts;
}

function assertAllThrottled(responses: readonly TestResponse[]): void {
  for (const res of responses.filter((r) => r.status === 429)) {
    assert.equal(res.json.code, "throttled");
    assert.match(res.headers.get("retry-after") ?? "", /^[1-9]\d*$/, "Retry-After in whole seconds");
  }
}

for (const backend of throttleBackends()) {
  describe(`the login throttle under concurrent guesses (${backend.name} throttle store)`, {
    skip: backend.skip,
  }, () => {
    let store: OpenThrottle;
    before(async () => {
      store = await backend.open();
    });
    after(() => store.close());

    async function withApp(
      options: Partial<Omit<LatchkeyOptions, "stores">>,
      body: (app: RaceApp) => Promise<void>,
    ): Promise<void> {
      const app = await startRaceApp(store.throttle, options);
      try {
        await body(app);
      } finally {
        app.hasher.releaseAll();
        await app.close();
      }
    }

    it("hashes exactly the account's limit of 40 simultaneous wrong passwords for one account, known or unknown, and answers the rest 429 with Retry-After", () =>
      withApp(
        {
          throttle: {
            perAccount: { points: 10, durationSeconds: 900 },
            perIp: LOOSE,
            maxInFlightPerAccount: 1000,
            maxInFlightPerIp: 1000,
          },
        },
        async (app) => {
          await app.createUser("victim-a");
          const client = await readyClient(app);
          const responses = await Promise.all(
            Array.from({ length: 40 }, (_, i) => login(client, "victim-a", `${WRONG} ${i}`, `203.0.113.${i + 1}`)),
          );
          assert.deepEqual(statuses(responses), { 400: 10, 429: 30 });
          assertAllThrottled(responses);
          assert.equal(app.hasher.started.length, 10, "only the admitted guesses were hashed");
          const right = await login(await readyClient(app), "victim-a", PASSWORD, "198.51.100.7");
          assert.equal(right.status, 429, "the right password is refused too while the account's window is full");
          // An unknown username is throttled and hashed exactly alike (no user enumeration).
          const unknown = await Promise.all(
            Array.from({ length: 40 }, (_, i) => login(client, "nobody-a", `${WRONG} ${i}`, `203.0.113.${i + 1}`)),
          );
          assert.deepEqual(statuses(unknown), { 400: 10, 429: 30 });
          assert.equal(app.hasher.started.length, 20);
        },
      ));

    it("hashes exactly the IP's limit of 120 simultaneous guesses from one IP across many accounts, known and unknown alike", () =>
      withApp(
        {
          throttle: {
            perAccount: LOOSE,
            perIp: { points: 50, durationSeconds: 900 },
            maxInFlightPerAccount: 1000,
            maxInFlightPerIp: 1000,
          },
        },
        async (app) => {
          await app.createUser("known-b");
          const client = await readyClient(app);
          const responses = await Promise.all(
            Array.from({ length: 120 }, (_, i) =>
              login(client, i % 2 === 0 ? "known-b" : `nobody-${i}`, `${WRONG} ${i}`, "203.0.113.50"),
            ),
          );
          assert.deepEqual(statuses(responses), { 400: 50, 429: 70 });
          assertAllThrottled(responses);
          assert.equal(app.hasher.started.length, 50);
          const elsewhere = await login(await readyClient(app), "known-b", PASSWORD, "198.51.100.8");
          assert.equal(elsewhere.status, 200, "another IP is not affected");
        },
      ));

    it("answers 429 at once, with no hash, to guesses beyond the checks one account or one IP may have in flight", () =>
      withApp(
        {
          throttle: {
            perAccount: LOOSE,
            perIp: LOOSE,
            maxInFlightPerAccount: 2,
            maxInFlightPerIp: 4,
            maxConcurrentChecks: 8,
          },
        },
        async (app) => {
          await app.createUser("victim-c");
          app.hasher.hold();
          const client = await readyClient(app);
          const answered: TestResponse[] = [];
          const track = (p: Promise<TestResponse>): Promise<TestResponse> =>
            p.then((res) => {
              answered.push(res);
              return res;
            });
          // One account from many IPs: two checks run, the other 28 are refused while they are held.
          const account = Array.from({ length: 30 }, (_, i) =>
            track(login(client, "victim-c", `${WRONG} ${i}`, `203.0.113.${i + 1}`)),
          );
          await waitUntil("28 guesses at one account to be refused", async () => answered.length >= 28, {
            timeoutMs: 20_000,
            intervalMs: 10,
          });
          assert.equal(app.hasher.started.length, 2);
          // One IP across many accounts: four run, the other 26 are refused.
          const ip = Array.from({ length: 30 }, (_, i) => track(login(client, `sprayed-${i}`, WRONG, "198.51.100.99")));
          await waitUntil("26 guesses from one IP to be refused", async () => answered.length >= 54, {
            timeoutMs: 20_000,
            intervalMs: 10,
          });
          assert.equal(app.hasher.started.length, 6);
          app.hasher.releaseAll();
          const all = await Promise.all([...account, ...ip]);
          assert.deepEqual(statuses(all), { 400: 6, 429: 54 });
          assertAllThrottled(all);
          for (const res of all.filter((r) => r.status === 429)) assert.equal(res.headers.get("retry-after"), "1");
        },
      ));

    it("checks a burst of 20 simultaneous right-password logins of one account one at a time, logs every one in, and leaves the account's window cleared exactly", () =>
      withApp(
        {
          throttle: {
            perAccount: { points: 20, durationSeconds: 900 },
            perIp: LOOSE,
            maxInFlightPerAccount: 1000,
            maxInFlightPerIp: 1000,
            maxConcurrentChecks: 1,
          },
        },
        async (app) => {
          await app.createUser("burst-e");
          const client = await readyClient(app);
          // The queue hands its one slot to the next check as each ends, before that login's
          // own throttle and session writes run: still never two checks at once.
          const logins = await Promise.all(
            Array.from({ length: 20 }, (_, i) => login(client, "burst-e", PASSWORD, `203.0.113.${i + 1}`)),
          );
          assert.deepEqual(statuses(logins), { 200: 20 });
          assert.equal(app.hasher.started.length, 20);
          assert.equal(app.hasher.maxInFlight, 1, "one check at a time (maxConcurrentChecks: 1)");
          // Each right password cleared the account's count, so the window admits exactly 20 guesses again.
          const guesses = await Promise.all(
            Array.from({ length: 21 }, (_, i) => login(client, "burst-e", `${WRONG} ${i}`, `198.51.100.${i + 1}`)),
          );
          assert.deepEqual(statuses(guesses), { 400: 20, 429: 1 });
          assertAllThrottled(guesses);
          assert.equal(app.hasher.started.length, 40);
        },
      ));

    it("serves a legitimate login from another IP during a 30-guess burst from one IP after at most two of the burst's checks", () =>
      withApp(
        {
          throttle: {
            perAccount: LOOSE,
            perIp: LOOSE,
            maxInFlightPerAccount: 1000,
            maxInFlightPerIp: 1000,
            maxConcurrentChecks: 1,
          },
        },
        async (app) => {
          await app.createUser("legit-d");
          app.hasher.hold();
          const client = await readyClient(app);
          const burst = Array.from({ length: 30 }, (_, i) =>
            login(client, `guess-${i}`, `${WRONG} ${i}`, "203.0.113.77"),
          );
          // Every guess has been counted, so it waits in the hashing queue (one running, held).
          await waitUntil(
            "the burst to reach the hashing queue",
            async () => app.consumed.ip >= 30 && app.hasher.started.length === 1,
            { timeoutMs: 20_000, intervalMs: 10 },
          );
          const legit = login(await readyClient(app), "legit-d", PASSWORD, "198.51.100.20");
          await waitUntil("the legitimate login to reach the hashing queue", async () => app.consumed.ip >= 31, {
            timeoutMs: 20_000,
            intervalMs: 10,
          });
          while (!app.hasher.started.includes(PASSWORD) && app.hasher.releaseOne()) {
            const count = app.hasher.started.length;
            await waitUntil("the next check to start", async () => app.hasher.started.length > count, {
              timeoutMs: 20_000,
              intervalMs: 5,
            });
          }
          const before = app.hasher.started.indexOf(PASSWORD);
          assert.ok(
            before >= 0 && before <= 2,
            `the legitimate check started after ${before} of the burst's (a FIFO would make it 30)`,
          );
          app.hasher.releaseAll();
          assert.equal((await legit).status, 200);
          assert.deepEqual(statuses(await Promise.all(burst)), { 400: 30 });
        },
      ));
  });
}
