import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createTestClient, type TestClient } from "@latchkey/testkit";
import { ADAPTERS } from "../harness/adapters.js";
import type { AppUnderTest } from "../harness/app-under-test.js";
import { assertCsrfRefused, forgedCsrfToken, newSession, snapshot } from "./support.js";

const FORM = { "content-type": "application/x-www-form-urlencoded" };
const NEW_PASSWORD = "a fresh and long passphrase 8";

/** A form post as a plain HTML `<form>` sends it: no CSRF header, the token in a field. */
function postForm(
  client: TestClient,
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
) {
  return client.post(path, { body: new URLSearchParams(fields).toString(), headers: { ...FORM, ...headers } });
}

for (const [adapter, start] of Object.entries(ADAPTERS)) {
  describe(`the csrfmiddlewaretoken form field on every unsafe route (SPEC §4) (${adapter} adapter)`, () => {
    let app: AppUnderTest;
    before(async () => {
      app = await start({ throttle: { enabled: false } });
    });
    after(() => app.close());

    it("logs out with a form-encoded body carrying the right token and no header", async () => {
      const { client } = await newSession(app, "formout");
      const res = await postForm(client, "/api/logout/", { csrfmiddlewaretoken: client.csrfToken ?? "" });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.detail, "Successfully logged out.");
      assert.equal((await client.get("/api/whoami/")).status, 401);
    });

    it("changes the password with a form-encoded body carrying the right token and no header", async () => {
      const { client, user } = await newSession(app, "formpw");
      const res = await postForm(client, "/api/password/change/", {
        old_password: user.password,
        new_password: NEW_PASSWORD,
        csrfmiddlewaretoken: client.csrfToken ?? "",
      });
      assert.equal(res.status, 200, res.text);
      assert.equal((await client.get("/api/whoami/")).status, 200, "the asking browser stays logged in");
      assert.equal((await app.latchkey.accounts.authenticate(user.username, NEW_PASSWORD)).ok, true);
    });

    it("refuses a form whose token is wrong, malformed or missing, and changes nothing", async () => {
      const { client, user } = await newSession(app, "formbad");
      const before = await snapshot(app);
      const cases: [Record<string, string>, string][] = [
        [{ csrfmiddlewaretoken: forgedCsrfToken() }, "csrf_token_incorrect"],
        [{ csrfmiddlewaretoken: "not-a-token" }, "csrf_token_malformed"],
        [{ csrfmiddlewaretoken: "" }, "csrf_token_missing"],
        [{}, "csrf_token_missing"],
      ];
      for (const [token, code] of cases) {
        assertCsrfRefused(await postForm(client, "/api/logout/", token), code);
        assertCsrfRefused(
          await postForm(client, "/api/password/change/", {
            old_password: user.password,
            new_password: NEW_PASSWORD,
            ...token,
          }),
          code,
        );
      }
      assert.equal(await snapshot(app), before);
      assert.equal((await client.get("/api/whoami/")).status, 200);
    });

    it("never takes the token from a JSON body: only a form can carry it", async () => {
      const { client } = await newSession(app, "formjson");
      const res = await client.post("/api/logout/", { json: { csrfmiddlewaretoken: client.csrfToken } });
      assertCsrfRefused(res, "csrf_token_missing");
      assert.equal((await client.get("/api/whoami/")).status, 200);
    });

    it("refuses a cross-site form post to logout even when it carries a valid token", async () => {
      const { client } = await newSession(app, "formcross");
      const res = await client.post("/api/logout/", {
        bare: true,
        body: new URLSearchParams({ csrfmiddlewaretoken: client.csrfToken ?? "" }).toString(),
        headers: { ...FORM, origin: "http://evil.example", "sec-fetch-site": "cross-site" },
      });
      assertCsrfRefused(res, "csrf_cross_site");
      assert.equal((await client.get("/api/whoami/")).status, 200);
    });

    it("answers a form body over the size limit with 413 before any token is compared", async () => {
      const { client } = await newSession(app, "formbig");
      const res = await postForm(client, "/api/logout/", {
        csrfmiddlewaretoken: client.csrfToken ?? "",
        pad: "x".repeat(64 * 1024),
      });
      assert.equal(res.status, 413, res.text);
      assert.equal(res.json.code, "body_too_large");
      assert.equal((await createTestClient(app.baseUrl).get("/api/csrf/")).status, 200, "the server still answers");
    });
  });
}
