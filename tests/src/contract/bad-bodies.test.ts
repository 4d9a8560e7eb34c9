import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ADAPTERS } from "../harness/adapters.js";
import type { AppUnderTest } from "../harness/app-under-test.js";
import { createTestClient, type TestClient, type TestResponse } from "@latchkey/testkit";
import {
  assertError,
  assertJson,
  assertNoLeak,
  createUser,
  type Fixture,
  loggedInClient,
  rawRequest,
  snapshot,
} from "./support.js";

const JSON_TYPE = { "content-type": "application/json" };
/** Over the default 16 KiB body limit. */
const HUGE = 20 * 1024;

/** An endpoint taking two string fields, and how a client gets ready to call it. */
interface Endpoint {
  name: string;
  path: string;
  /** The two string fields of its body. */
  fields: [string, string];
  /** The code for well-formed but wrong credentials. */
  wrongCode: string;
  prepare(
    app: AppUnderTest,
    user: Fixture,
  ): Promise<{ client: TestClient; headers: Record<string, string>; bare: boolean }>;
}

const ENDPOINTS: Endpoint[] = [
  {
    name: "login",
    path: "/api/login/",
    fields: ["username", "password"],
    wrongCode: "invalid_credentials",
    async prepare(app) {
      const client = createTestClient(app.baseUrl);
      return { client, headers: { "x-csrftoken": await client.fetchCsrf() }, bare: false };
    },
  },
  {
    name: "password change",
    path: "/api/password/change/",
    fields: ["old_password", "new_password"],
    wrongCode: "password_incorrect",
    async prepare(app, user) {
      const client = await loggedInClient(app, user);
      return { client, headers: { "x-csrftoken": client.csrfToken ?? "" }, bare: false };
    },
  },
  {
    name: "token login",
    path: "/api/token/login/",
    fields: ["username", "password"],
    wrongCode: "invalid_credentials",
    async prepare(app) {
      return { client: createTestClient(app.baseUrl), headers: {}, bare: true };
    },
  },
];

/** One malformed request: its body and content type, and the answer it must get. */
interface BadBody {
  name: string;
  status: number;
  code: string | ((endpoint: Endpoint) => string);
  /** Only for endpoints whose first field is the username. */
  usernameOnly?: boolean;
  /** The exact `detail`, where the message itself is part of the contract. */
  detail?: string;
  /** The answer closes the connection (the rest of the body was never read). */
  closes?: boolean;
  body(f: [string, string], user: Fixture): { body: string | Uint8Array; headers?: Record<string, string> };
}

const json = (value: unknown) => ({ body: JSON.stringify(value), headers: JSON_TYPE });
const pair = (f: [string, string], a: unknown, b: unknown) => ({ [f[0]]: a, [f[1]]: b });

const CASES: BadBody[] = [
  {
    name: "invalid JSON",
    status: 400,
    code: "invalid_json",
    detail: "JSON parse error - the request body is not valid JSON.",
    body: () => ({ body: '{"username": "a",', headers: JSON_TYPE }),
  },
  { name: "a JSON array", status: 400, code: "invalid_body", body: (f) => json([pair(f, "a", "b")]) },
  { name: "a JSON number", status: 400, code: "invalid_body", body: () => json(42) },
  { name: "JSON null", status: 400, code: "invalid_body", body: () => ({ body: "null", headers: JSON_TYPE }) },
  { name: "a JSON string", status: 400, code: "invalid_body", body: () => json("username=alice") },
  {
    name: "deeply nested JSON",
    status: 400,
    code: "invalid_body",
    body: () => ({ body: "[".repeat(5000) + "]".repeat(5000), headers: JSON_TYPE }),
  },
  {
    name: "Content-Type text/plain",
    status: 415,
    code: "unsupported_media_type",
    body: (f) => ({ body: JSON.stringify(pair(f, "a", "b")), headers: { "content-type": "text/plain" } }),
  },
  {
    name: "Content-Type multipart/form-data",
    status: 415,
    code: "unsupported_media_type",
    body: (f) => ({
      body: `--x\r\nContent-Disposition: form-data; name="${f[0]}"\r\n\r\na\r\n--x--\r\n`,
      headers: { "content-type": "multipart/form-data; boundary=x" },
    }),
  },
  {
    name: "a body without Content-Type",
    status: 415,
    code: "unsupported_media_type",
    body: (f) => ({ body: new TextEncoder().encode(JSON.stringify(pair(f, "a", "b"))) }),
  },
  {
    name: "charset=latin1",
    status: 415,
    code: "unsupported_media_type",
    body: (f) => ({
      body: JSON.stringify(pair(f, "a", "b")),
      headers: { "content-type": "application/json; charset=latin1" },
    }),
  },
  {
    name: "a body over the size limit",
    status: 413,
    code: "body_too_large",
    closes: true,
    body: (f) => json(pair(f, "a", "x".repeat(HUGE))),
  },
  {
    name: "a number for the first field",
    status: 400,
    code: "invalid_body",
    body: (f) => json(pair(f, 12345, "password")),
  },
  {
    name: "an object for the second field",
    status: 400,
    code: "invalid_body",
    body: (f, u) => json(pair(f, u.username, { $ne: null })),
  },
  {
    name: "an array for the first field",
    status: 400,
    code: "invalid_body",
    body: (f, u) => json(pair(f, [u.username], "password")),
  },
  {
    name: "a boolean for the second field",
    status: 400,
    code: "invalid_body",
    body: (f, u) => json(pair(f, u.username, true)),
  },
  {
    name: "a 151-character username",
    status: 400,
    code: "field_too_long",
    usernameOnly: true,
    body: (f) => json(pair(f, "u".repeat(151), "password")),
  },
  {
    name: "a password over passwords.maxLength",
    status: 400,
    code: "field_too_long",
    body: (f, u) => json(pair(f, u.username, "p".repeat(4097))),
  },
  {
    name: "a lone surrogate in JSON",
    status: 400,
    code: "invalid_body",
    body: (f) => ({ body: `{"${f[0]}":"\\ud800x","${f[1]}":"password"}`, headers: JSON_TYPE }),
  },
  {
    name: "bytes that are not UTF-8",
    status: 400,
    code: "invalid_body",
    body: (f) => ({
      body: Buffer.concat([
        Buffer.from(`{"${f[0]}":"`),
        Buffer.from([0xc3, 0x28, 0xff]),
        Buffer.from(`","${f[1]}":"password"}`),
      ]),
      headers: JSON_TYPE,
    }),
  },
  {
    name: "NUL bytes in the first field",
    status: 400,
    code: (e) => e.wrongCode,
    body: (f, u) => json(pair(f, `${u.username}\u0000`, "password\u0000")),
  },
  {
    name: "a __proto__ key",
    status: 400,
    code: (e) => e.wrongCode,
    body: (f, u) => ({
      body: `{"__proto__":{"isStaff":true},"${f[0]}":"${u.username}x","${f[1]}":"wrong"}`,
      headers: JSON_TYPE,
    }),
  },
];

for (const [adapter, start] of Object.entries(ADAPTERS)) {
  describe(`malformed request bodies (SPEC §8) (${adapter} adapter)`, () => {
    let app: AppUnderTest;
    before(async () => {
      app = await start({ throttle: { enabled: false } });
    });
    after(() => app.close());

    /** After a refused request: nothing in the stores changed, and the user can still log in. */
    async function assertIntact(before: string, user: Fixture): Promise<void> {
      assert.equal(await snapshot(app), before, "no user or session was created or changed");
      assert.equal(
        (await app.latchkey.accounts.authenticate(user.username, user.password)).ok,
        true,
        "the password is unchanged",
      );
      const client = createTestClient(app.baseUrl);
      const res = await client.login(user.username, user.password);
      assert.equal(res.status, 200, `a good login still works: ${res.text}`);
    }

    for (const endpoint of ENDPOINTS) {
      for (const bad of CASES) {
        if (bad.usernameOnly === true && endpoint.fields[0] !== "username") continue;
        const code = typeof bad.code === "function" ? bad.code(endpoint) : bad.code;
        it(`${endpoint.name}: answers ${bad.name} with ${bad.status} ${code} and changes nothing`, async () => {
          const user = await createUser(app, "bad");
          const { client, headers, bare } = await endpoint.prepare(app, user);
          const { body, headers: typeHeaders = {} } = bad.body(endpoint.fields, user);
          const before = await snapshot(app);
          const res: TestResponse = await client.post(endpoint.path, {
            bare,
            body,
            headers: { ...headers, ...typeHeaders },
          });
          assertError(res, bad.status, code);
          assertJson(res);
          if (bad.detail !== undefined) assert.equal(res.json.detail, bad.detail);
          if (bad.closes === true) assert.equal(res.headers.get("connection"), "close");
          assertNoLeak(res);
          await assertIntact(before, user);
        });
      }

      it(`${endpoint.name}: answers a chunked body over the limit (no Content-Length) with 413`, async () => {
        const user = await createUser(app, "chunk");
        const { client, headers, bare } = await endpoint.prepare(app, user);
        const cookie = ["csrftoken", "sessionid"]
          .flatMap((name) => (client.cookie(name) === undefined ? [] : [`${name}=${client.cookie(name) ?? ""}`]))
          .join("; ");
        const before = await snapshot(app);
        const chunk = new TextEncoder().encode(" ".repeat(4096));
        const res = await rawRequest(app.baseUrl, {
          method: "POST",
          path: endpoint.path,
          headers: {
            ...headers,
            ...JSON_TYPE,
            ...(cookie === "" ? {} : { cookie }),
            ...(bare ? {} : { origin: app.baseUrl, "sec-fetch-site": "same-origin" }),
          },
          chunks: [
            new TextEncoder().encode(`{"${endpoint.fields[0]}":"a","${endpoint.fields[1]}":"`),
            ...Array.from({ length: 6 }, () => chunk),
            new TextEncoder().encode('"}'),
          ],
        });
        assert.equal(res.status, 413, res.text);
        assert.equal((JSON.parse(res.text) as { code?: string }).code, "body_too_large");
        await assertIntact(before, user);
      });
    }
  });
}
