// Every adapter goes on with an app request at once when latchkey's answer is ready (the
// session and its user are in the stores' memory) and waits only when a store must be read.
// Both paths, interleaved under simultaneous requests, must give each request its own
// identity, its own refusal and its own CORS headers; a session read that fails is still the
// 503 of a store that is down, and a cross-site POST is refused whichever path it takes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Stores } from "@latchkey/core";
import { createTestClient, type TestClient } from "@latchkey/testkit";
import { ADAPTERS } from "../harness/adapters.js";
import { appRunner } from "../harness/app-under-test.js";
import { assertCsrfRefused, assertError, newSession } from "./support.js";

const SPA_ORIGINS = ["https://one.example", "https://two.example"];

/**
 * Wraps the SQLite stores so that every other session lookup misses their memory
 * (`peekSession` answers undefined) and reads the store (`getSession`, a promise): the
 * adapters then see answers that are ready now and answers that are pending, interleaved.
 */
function everyOtherLookupPending() {
  const counts = { answeredNow: 0, read: 0 };
  let lookups = 0;
  let readsFail = false;
  const wrapStores = (real: Stores): Stores => ({
    ...real,
    sessions: {
      ...real.sessions,
      peekSession: (id) => {
        lookups += 1;
        if (lookups % 2 === 0) return undefined;
        const found = real.sessions.peekSession?.(id);
        if (found !== undefined) counts.answeredNow += 1;
        return found;
      },
      getSession: (id) => {
        counts.read += 1;
        return readsFail ? Promise.reject(new Error("connection reset by the store")) : real.sessions.getSession(id);
      },
    },
  });
  return {
    wrapStores,
    counts,
    failReads(): void {
      readsFail = true;
    },
  };
}

/** Two requests in a row: whichever of them reads the store, the session is in memory afterwards. */
async function warm(client: TestClient): Promise<void> {
  for (let i = 0; i < 2; i++) assert.equal((await client.get("/api/public/")).status, 200);
}

for (const [adapter, start] of Object.entries(ADAPTERS)) {
  const withApp = appRunner(start);

  describe(`answers ready now and answers after a store read (${adapter} adapter)`, () => {
    it("answers each of simultaneous requests with its own identity, refusal and CORS origin on either path", async () => {
      const lookups = everyOtherLookupPending();
      await withApp({ wrapStores: lookups.wrapStores, trustedOrigins: SPA_ORIGINS }, async (app) => {
        const alice = await newSession(app, "nowalice");
        const bob = await newSession(app, "nowbob");
        await warm(alice.client);
        await warm(bob.client);
        const before = { ...lookups.counts };
        const who: [TestClient, string | null][] = [
          [alice.client, alice.user.username],
          [bob.client, bob.user.username],
          [createTestClient(app.baseUrl), null],
        ];
        const sent = Array.from({ length: 24 }, (_, i) => {
          const [client, username] = who[i % 3] as [TestClient, string | null];
          const origin = SPA_ORIGINS[i % 2] as string;
          // A guarded route and an unguarded one, so the guards' refusals are interleaved too.
          const path = i % 4 < 2 ? "/api/hello/" : "/api/public/";
          return { username, origin, path, answer: client.get(path, { headers: { origin } }) };
        });
        for (const { username, origin, path, answer } of sent) {
          const res = await answer;
          const label = `${path} for ${username ?? "anonymous"} from ${origin}`;
          if (path === "/api/public/") {
            assert.equal(res.status, 200, `${label}: ${res.text}`);
            assert.equal(res.json.user, username, label);
          } else if (username === null) {
            assertError(res, 401, "not_authenticated");
          } else {
            assert.equal(res.status, 200, `${label}: ${res.text}`);
            assert.equal(res.json.hello, username, label);
          }
          assert.equal(res.headers.get("access-control-allow-origin"), origin, label);
        }
        // 16 of the 24 carry a session: both paths must have been taken.
        assert.ok(lookups.counts.answeredNow > before.answeredNow, "some lookups were answered from memory");
        assert.ok(lookups.counts.read > before.read, "some lookups read the store");
      });
    });

    it("refuses a cross-site POST riding on the session cookie, whether its lookup is ready now or pending", async () => {
      const lookups = everyOtherLookupPending();
      await withApp({ wrapStores: lookups.wrapStores }, async (app) => {
        const { client } = await newSession(app, "nowcsrf");
        await warm(client);
        const forged = createTestClient(app.baseUrl, { origin: "https://evil.example", secFetchSite: "cross-site" });
        forged.setCookie("sessionid", client.cookie("sessionid") ?? "");
        const before = { ...lookups.counts };
        // Two in a row: one lookup answered from memory, the other read from the store.
        for (let i = 0; i < 2; i++) {
          const res = await forged.post("/api/public/", { json: { transfer: 1 } });
          assert.equal(res.status, 403, res.text);
          assert.equal(res.json.body, undefined, "the app never saw the forged body");
          assertCsrfRefused(res, String(res.json.code));
        }
        assert.ok(lookups.counts.answeredNow > before.answeredNow, "a lookup was answered from memory");
        assert.ok(lookups.counts.read > before.read, "a lookup read the store");
      });
    });

    it("answers 503 store_unavailable when a pending session read fails, without logging anyone out", async () => {
      const lookups = everyOtherLookupPending();
      await withApp({ wrapStores: lookups.wrapStores }, async (app) => {
        const { client } = await newSession(app, "nowdown");
        const cookie = client.cookie("sessionid");
        await warm(client);
        lookups.failReads();
        const before = lookups.counts.read;
        const answers = await Promise.all([client.get("/api/hello/"), client.get("/api/hello/")]);
        assert.ok(lookups.counts.read > before, "a session read was pending and failed");
        // The other lookup was answered from memory: that request goes on as the user.
        const statuses = answers.map((res) => res.status).sort();
        assert.deepEqual(statuses, [200, 503], answers.map((res) => res.text).join(" | "));
        const failed = answers.find((res) => res.status === 503);
        if (failed !== undefined) {
          assertError(failed, 503, "store_unavailable");
          assert.ok(!failed.setCookies.some((c) => c.startsWith("sessionid=")), failed.setCookies.join(" | "));
        }
        assert.equal(client.cookie("sessionid"), cookie, "the browser keeps its session cookie");
      });
    });
  });
}
