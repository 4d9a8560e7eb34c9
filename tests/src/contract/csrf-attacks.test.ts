import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ADAPTERS } from "../harness/adapters.js";
import type { AppUnderTest } from "../harness/app-under-test.js";
import { createTestClient, type RequestOptions, type TestClient } from "@latchkey/testkit";
import { assertCsrfRefused, createUser, forgedCsrfToken, type Fixture } from "./support.js";

/** A logged-in victim: the browser's cookie jar, its valid token, and the token it held before login. */
interface Victim {
  app: AppUnderTest;
  user: Fixture;
  client: TestClient;
  /** The masked token handed out at login: valid. */
  token: string;
  /** A token handed out before login: its secret was rotated away by the login. */
  preLoginToken: string;
}

/** A state-changing endpoint under attack, and how to tell that the attack changed nothing. */
interface Target {
  name: string;
  path: string;
  /** The JSON body a legitimate request would carry, if any. */
  body?(victim: Victim): unknown;
  assertUnchanged(victim: Victim): Promise<void>;
}

const NEW_PASSWORD = "an entirely new passphrase 42";

const TARGETS: Target[] = [
  {
    name: "logout",
    path: "/api/logout/",
    async assertUnchanged(v) {
      assert.equal((await v.client.get("/api/whoami/")).status, 200, "the victim is still logged in");
    },
  },
  {
    name: "password change",
    path: "/api/password/change/",
    body: (v) => ({ old_password: v.user.password, new_password: NEW_PASSWORD }),
    async assertUnchanged(v) {
      assert.equal(
        (await v.app.latchkey.accounts.authenticate(v.user.username, v.user.password)).ok,
        true,
        "the old password still works",
      );
      assert.equal(
        (await v.app.latchkey.accounts.authenticate(v.user.username, NEW_PASSWORD)).ok,
        false,
        "the attacker's password was not set",
      );
      assert.equal((await v.client.get("/api/whoami/")).status, 200, "the victim is still logged in");
    },
  },
  {
    name: "an app route (POST /api/hello/)",
    path: "/api/hello/",
    body: () => ({ anything: true }),
    async assertUnchanged(v) {
      assert.equal((await v.client.get("/api/whoami/")).status, 200);
    },
  },
  {
    // No guard on this route: latchkey's middleware alone must refuse, as Django's CSRF
    // middleware does for every view, or a forged POST would reach the app as the victim.
    name: "an unguarded app route (POST /api/public/)",
    path: "/api/public/",
    body: () => ({ anything: true }),
    async assertUnchanged(v) {
      assert.equal((await v.client.get("/api/whoami/")).status, 200);
    },
  },
];

/** One forged request: the options it is sent with (cookies always ride along) and the refusal code. */
interface Attack {
  name: string;
  code: string;
  build(v: Victim): Promise<RequestOptions> | RequestOptions;
}

function evil(v: Victim, headers: Record<string, string>): RequestOptions {
  return { bare: true, headers: { "x-csrftoken": v.token, ...headers } };
}

const ATTACKS: Attack[] = [
  { name: "no CSRF token at all", code: "csrf_token_missing", build: () => ({}) },
  {
    name: "an empty X-CSRFToken header",
    code: "csrf_token_missing",
    build: () => ({ headers: { "x-csrftoken": "" } }),
  },
  {
    name: "a forged token of 64 random alphanumerics",
    code: "csrf_token_incorrect",
    build: () => ({ headers: { "x-csrftoken": forgedCsrfToken() } }),
  },
  {
    name: "a valid token of another client's CSRF cookie",
    code: "csrf_token_incorrect",
    async build(v) {
      const attacker = createTestClient(v.app.baseUrl);
      return { headers: { "x-csrftoken": await attacker.fetchCsrf() } };
    },
  },
  {
    name: "the attacker's own 32-character secret",
    code: "csrf_token_incorrect",
    async build(v) {
      const attacker = createTestClient(v.app.baseUrl);
      await attacker.fetchCsrf();
      return { headers: { "x-csrftoken": attacker.cookie("csrftoken") ?? "" } };
    },
  },
  {
    name: "the victim's stale token from before login",
    code: "csrf_token_incorrect",
    build: (v) => ({ headers: { "x-csrftoken": v.preLoginToken } }),
  },
  {
    name: "a malformed token (punctuation)",
    code: "csrf_token_malformed",
    build: (v) => ({ headers: { "x-csrftoken": `${v.token.slice(0, 63)}!` } }),
  },
  {
    name: "a malformed token (wrong length)",
    code: "csrf_token_malformed",
    build: (v) => ({ headers: { "x-csrftoken": v.token.slice(0, 40) } }),
  },
  {
    name: "a valid-looking token with the CSRF cookie missing",
    code: "csrf_cookie_missing",
    build(v) {
      v.client.deleteCookie("csrftoken");
      return { headers: { "x-csrftoken": v.token } };
    },
  },
  {
    name: "Origin: null (sandboxed frame) with the right token",
    code: "csrf_origin_untrusted",
    build: (v) => evil(v, { origin: "null" }),
  },
  {
    name: "Origin http://evil.example with Sec-Fetch-Site: same-site",
    code: "csrf_cross_site",
    build: (v) => evil(v, { origin: "http://evil.example", "sec-fetch-site": "same-site" }),
  },
  {
    name: "Origin http://evil.example with Sec-Fetch-Site: cross-site",
    code: "csrf_cross_site",
    build: (v) => evil(v, { origin: "http://evil.example", "sec-fetch-site": "cross-site" }),
  },
  {
    name: "Origin http://evil.example without fetch metadata",
    code: "csrf_origin_untrusted",
    build: (v) => evil(v, { origin: "http://evil.example" }),
  },
  {
    name: "a look-alike Origin (the server's host:port followed by .evil.example)",
    code: "csrf_origin_untrusted",
    build: (v) => evil(v, { origin: `${v.app.baseUrl}.evil.example` }),
  },
  {
    name: "the server's host on another scheme (https)",
    code: "csrf_origin_untrusted",
    build: (v) => evil(v, { origin: v.app.baseUrl.replace("http:", "https:") }),
  },
  {
    name: "Sec-Fetch-Site: cross-site without Origin",
    code: "csrf_cross_site",
    build: (v) => evil(v, { "sec-fetch-site": "cross-site" }),
  },
  {
    name: "only a Referer from http://evil.example",
    code: "csrf_referer_untrusted",
    build: (v) => evil(v, { referer: "http://evil.example/page.html" }),
  },
];

async function newVictim(app: AppUnderTest): Promise<Victim> {
  const user = await createUser(app, "victim");
  const client = createTestClient(app.baseUrl);
  const preLoginToken = await client.fetchCsrf();
  const res = await client.post("/api/login/", {
    json: { username: user.username, password: user.password },
    headers: { "x-csrftoken": preLoginToken },
  });
  assert.equal(res.status, 200, res.text);
  const token = client.csrfToken;
  assert.ok(token !== undefined && token !== preLoginToken);
  return { app, user, client, token, preLoginToken };
}

for (const [adapter, start] of Object.entries(ADAPTERS)) {
  describe(`CSRF attacks on cookie-authenticated unsafe requests (${adapter} adapter)`, () => {
    let app: AppUnderTest;
    before(async () => {
      app = await start({ throttle: { enabled: false } });
    });
    after(() => app.close());

    for (const target of TARGETS) {
      it(`accepts ${target.name} from the SPA itself (same origin, right token)`, async () => {
        const v = await newVictim(app);
        const json = target.body?.(v);
        const res = await v.client.post(target.path, {
          ...(json === undefined ? {} : { json }),
          headers: { "x-csrftoken": v.token },
        });
        assert.equal(res.status, 200, res.text);
      });

      for (const attack of ATTACKS) {
        it(`refuses ${target.name} with ${attack.name} (403 ${attack.code}) and changes nothing`, async () => {
          const v = await newVictim(app);
          const options = await attack.build(v);
          const json = target.body?.(v);
          const res = await v.client.post(target.path, { ...options, ...(json === undefined ? {} : { json }) });
          assertCsrfRefused(res, attack.code);
          assert.equal(
            res.setCookies.find((c) => c.startsWith("sessionid=")),
            undefined,
            "a refusal sets no session cookie",
          );
          await target.assertUnchanged(v);
        });
      }
    }

    it("never CSRF-checks safe methods: a cross-site GET with the cookie is answered", async () => {
      const v = await newVictim(app);
      const res = await v.client.get("/api/hello/", {
        headers: { origin: "http://evil.example", "sec-fetch-site": "cross-site" },
      });
      assert.equal(res.status, 200);
      assert.equal(res.json.hello, v.user.username);
    });
  });
}
