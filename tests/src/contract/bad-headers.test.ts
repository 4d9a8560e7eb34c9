import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ADAPTERS } from "../harness/adapters.js";
import type { AppUnderTest } from "../harness/app-under-test.js";
import { createTestClient } from "@latchkey/testkit";
import { assertCsrfRefused, assertError, assertNoLeak, createUser, newSession, snapshot } from "./support.js";

const b64 = (text: string | Uint8Array) => Buffer.from(text).toString("base64");

/** Cookie headers that must read as "no session", whatever they contain. */
const BAD_COOKIES: [string, (valid: string) => string][] = [
  ["a garbage sessionid", () => "sessionid=garbage"],
  ["a 10 KB sessionid", () => `sessionid=${"A".repeat(10 * 1024)}`],
  ["a quoted sessionid", () => 'sessionid="not-a-token"'],
  [
    "a quoted valid-looking value with a semicolon inside",
    (valid) => `sessionid="${valid.slice(0, 10)};${valid.slice(10)}"`,
  ],
  ["a sessionid with stray semicolons and spaces", () => "  ;; sessionid = ;;; ; "],
  ["an empty sessionid", () => "sessionid="],
  ["a duplicate sessionid, garbage first", (valid) => `sessionid=garbage; sessionid=${valid}`],
  ["a valid token under a look-alike name only", (valid) => `xsessionid=${valid}; sessionidx=${valid}`],
  ["a token with a tampered secret", (valid) => `sessionid=${valid.slice(0, -1)}${valid.endsWith("A") ? "B" : "A"}`],
  ["percent-encoded junk", () => "sessionid=%00%ff%zz"],
];

/** Authorization headers that must be refused with a clear 4xx, on whoami and at login. */
const BAD_AUTHORIZATION: [string, string, { whoami: [number, string]; login: [number, string] }][] = [
  [
    "Bearer with no token",
    "Bearer",
    { whoami: [401, "invalid_authorization_header"], login: [400, "missing_credentials"] },
  ],
  [
    "Bearer with two words",
    "Bearer a b",
    { whoami: [401, "invalid_authorization_header"], login: [400, "missing_credentials"] },
  ],
  [
    "Token with no token",
    "Token",
    { whoami: [401, "invalid_authorization_header"], login: [400, "missing_credentials"] },
  ],
  [
    "a Bearer token of junk",
    `Bearer ${"x".repeat(4000)}`,
    { whoami: [401, "invalid_token"], login: [400, "missing_credentials"] },
  ],
  ["Basic !!!", "Basic !!!", { whoami: [401, "not_authenticated"], login: [400, "invalid_basic_header"] }],
  [
    "Basic of base64 without a colon",
    `Basic ${b64("justausername")}`,
    { whoami: [401, "not_authenticated"], login: [400, "invalid_basic_header"] },
  ],
  [
    "Basic of bytes that are not UTF-8",
    `Basic ${b64(new Uint8Array([0xff, 0x3a, 0xfe]))}`,
    { whoami: [401, "not_authenticated"], login: [400, "invalid_basic_header"] },
  ],
  [
    "Basic with two words",
    `Basic ${b64("a:b")} extra`,
    { whoami: [401, "not_authenticated"], login: [400, "invalid_basic_header"] },
  ],
  [
    "an unknown scheme",
    "Digest username=x",
    { whoami: [401, "not_authenticated"], login: [400, "missing_credentials"] },
  ],
];

for (const [adapter, start] of Object.entries(ADAPTERS)) {
  describe(`malformed cookies and Authorization headers (SPEC §8) (${adapter} adapter)`, () => {
    let app: AppUnderTest;
    before(async () => {
      app = await start({ throttle: { enabled: false } });
    });
    after(() => app.close());

    for (const [name, build] of BAD_COOKIES) {
      it(`treats ${name} as anonymous and never fails with a 5xx`, async () => {
        const { client, user } = await newSession(app, "cookie");
        const valid = client.cookie("sessionid") ?? "";
        const before = await snapshot(app);
        const attacker = createTestClient(app.baseUrl);
        const cookie = build(valid);
        const who = await attacker.get("/api/whoami/", { headers: { cookie } });
        assertError(who, 401, "not_authenticated");
        assertNoLeak(who);
        const session = await attacker.get("/api/session/", { headers: { cookie } });
        assert.equal(session.status, 200);
        assert.equal(session.json.isAuthenticated, false);
        assertError(await attacker.get("/api/hello/", { headers: { cookie } }), 401, "not_authenticated");
        const logout = await attacker.post("/api/logout/", { headers: { cookie } });
        assertError(logout, 400, "not_logged_in");
        assertNoLeak(logout);
        assert.equal(await snapshot(app), before, "nothing in the stores changed");
        assert.equal((await client.get("/api/whoami/")).json.username, user.username, "the real session is untouched");
      });
    }

    it("replaces a malformed CSRF cookie and refuses an unsafe request made with it", async () => {
      const { client } = await newSession(app, "csrfcookie");
      client.setCookie("csrftoken", "x".repeat(31) + "!");
      assertCsrfRefused(
        await client.post("/api/hello/", { json: {}, headers: { "x-csrftoken": client.csrfToken ?? "" } }),
        "csrf_cookie_missing",
      );
      const token = await client.fetchCsrf();
      assert.match(client.cookie("csrftoken") ?? "", /^[A-Za-z0-9]{32}$/, "GET /csrf/ set a fresh secret");
      assert.equal((await client.post("/api/hello/", { json: {}, headers: { "x-csrftoken": token } })).status, 200);
    });

    for (const [name, header, expected] of BAD_AUTHORIZATION) {
      it(`answers ${name} with a clear 4xx, on whoami and at login`, async () => {
        const user = await createUser(app, "authz");
        const before = await snapshot(app);
        const client = createTestClient(app.baseUrl);
        const who = await client.get("/api/whoami/", { headers: { authorization: header } });
        assertError(who, ...expected.whoami);
        assertNoLeak(who);
        assert.equal(who.headers.get("www-authenticate"), null);
        const token = await client.fetchCsrf();
        const login = await client.post("/api/login/", { headers: { authorization: header, "x-csrftoken": token } });
        assertError(login, ...expected.login);
        assertNoLeak(login);
        assert.equal(login.headers.get("www-authenticate"), null);
        assert.equal(await snapshot(app), before, "nothing in the stores changed");
        assert.equal((await client.login(user.username, user.password)).status, 200, "a good login still works");
      });
    }

    it("answers a 4xx, not a crash, for a request path with odd encodings under the base path", async () => {
      const client = createTestClient(app.baseUrl);
      for (const path of ["/api/%2e%2e/login/", "/api/login%00/", "/api/whoami/%ff", "/api//whoami/"]) {
        const res = await client.get(path);
        assert.ok(res.status >= 400 && res.status < 500, `${path}: ${res.status}`);
        assertNoLeak(res);
      }
    });
  });
}
