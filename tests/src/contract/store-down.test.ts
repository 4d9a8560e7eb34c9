import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ADAPTERS } from "../harness/adapters.js";
import type { AppUnderTest } from "../harness/app-under-test.js";
import type { TestResponse } from "@latchkey/testkit";
import { testInternals } from "../harness/test-latchkey.js";
import { assertError, assertNoLeak, bearerToken, createUser, newSession } from "./support.js";

/** A 503 that names the store problem and leaves the session cookie alone. */
function assertUnavailable(res: TestResponse): void {
  assertError(res, 503, "store_unavailable");
  assertNoLeak(res);
  assert.ok(
    !res.setCookies.some((c) => c.startsWith("sessionid=")),
    `no session cookie is set or cleared: ${res.setCookies.join(" | ")}`,
  );
  assert.match(res.headers.get("retry-after") ?? "", /^\d+$/);
}

for (const [adapter, start] of Object.entries(ADAPTERS)) {
  describe(`a store that is down (SPEC §7) (${adapter} adapter)`, () => {
    async function withBrokenStore(
      body: (app: AppUnderTest, setup: Awaited<ReturnType<typeof prepare>>) => Promise<void>,
    ): Promise<void> {
      const app = await start();
      try {
        const setup = await prepare(app);
        testInternals(app.latchkey).breakStore();
        await body(app, setup);
      } finally {
        await app.close();
      }
    }

    async function prepare(app: AppUnderTest) {
      const { client, user } = await newSession(app, "down");
      const token = await bearerToken(app, user);
      const other = await createUser(app, "downother");
      return { client, user, token, other };
    }

    it("answers 503 store_unavailable on whoami, session and app routes, without logging anyone out", () =>
      withBrokenStore(async (_app, { client }) => {
        const cookieBefore = client.cookie("sessionid");
        assertUnavailable(await client.get("/api/whoami/"));
        assertUnavailable(await client.get("/api/session/"));
        assertUnavailable(await client.get("/api/hello/"));
        assertUnavailable(
          await client.post("/api/hello/", { json: {}, headers: { "x-csrftoken": client.csrfToken ?? "" } }),
        );
        assertUnavailable(await client.post("/api/logout/", { headers: { "x-csrftoken": client.csrfToken ?? "" } }));
        assert.equal(client.cookie("sessionid"), cookieBefore, "the browser keeps its session cookie");
      }));

    it("answers 503 store_unavailable on login, token login and bearer requests", () =>
      withBrokenStore(async (_app, { other, token, client }) => {
        assertUnavailable(await client.login(other.username, other.password));
        assertUnavailable(
          await client.post("/api/token/login/", {
            bare: true,
            json: { username: other.username, password: other.password },
          }),
        );
        assertUnavailable(await client.get("/api/whoami/", { headers: { authorization: `Bearer ${token}` } }));
        assertUnavailable(
          await client.post("/api/password/change/", {
            json: { old_password: other.password, new_password: "whatever it is 123" },
            headers: { "x-csrftoken": client.csrfToken ?? "" },
          }),
        );
      }));

    it("keeps serving what needs no store, so the server is still up", () =>
      withBrokenStore(async (_app, { client }) => {
        assertUnavailable(await client.get("/api/whoami/"));
        const csrf = await client.get("/api/csrf/");
        assert.equal(csrf.status, 200, csrf.text);
        const openapi = await client.get("/api/openapi.json");
        assert.equal(openapi.status, 200);
        const anonymous = await client.get("/api/whoami/", { noCookies: true });
        assertError(anonymous, 401, "not_authenticated");
        assertUnavailable(await client.get("/api/whoami/"));
      }));
  });
}
