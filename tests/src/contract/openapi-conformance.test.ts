import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { createTestClient } from "@latchkey/testkit";
import { ADAPTERS } from "../harness/adapters.js";
import type { AppFactory, TestOptions } from "../harness/app-under-test.js";
import { checkedAgainstOpenApi, routeAliases } from "../harness/openapi-checked.js";
import { createConformanceChecker, type ObservedResponse } from "../harness/openapi-conformance.js";
import { openApi31Problems } from "../harness/openapi-schema.js";
import { createTestLatchkey } from "../harness/test-latchkey.js";

/** Settings that change the document: every route moved, aliased, turned off or reshaped. */
const SETTINGS: Readonly<Record<string, TestOptions>> = {
  "the default settings": {},
  "aliases, another base path, DRF users, Django compat and a route turned off": {
    basePath: "/auth",
    routes: { login: ["/login/", "/signin/"], whoami: ["/whoami/", "/me/"], tokenLogoutAll: false },
    userShape: "drf",
    compat: "django",
  },
};

const JSON_TYPE = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };

function observed(
  overrides: Partial<ObservedResponse> & Pick<ObservedResponse, "method" | "url" | "status">,
): ObservedResponse {
  return { headers: JSON_TYPE, body: "", requestHeaders: {}, ...overrides };
}

for (const [adapter, start] of Object.entries(ADAPTERS)) {
  describe(`the OpenAPI document (${adapter} adapter)`, () => {
    // Found by the fuzz suite: Allow named OPTIONS, yet OPTIONS answered 405.
    it("answers OPTIONS on its own path with 204 and Allow, as every route does", async () => {
      const app = await start();
      try {
        const res = await fetch(`${app.baseUrl}/api/openapi.json`, { method: "OPTIONS" });
        assert.equal(res.status, 204);
        assert.equal(res.headers.get("allow"), "GET, HEAD, OPTIONS");
      } finally {
        await app.close();
      }
    });

    // Found by the fuzz suite: the document did not list this 401 (the app's close() checks the answer against it).
    it("documents the 401 that POST /api/logout/ answers to a bad bearer token", async () => {
      const app = await start();
      try {
        const res = await createTestClient(app.baseUrl).post("/api/logout/", {
          bare: true,
          headers: { Authorization: "Bearer not-a-token" },
        });
        assert.equal(res.status, 401);
        assert.equal(res.json.code, "invalid_token");
      } finally {
        await app.close();
      }
    });

    for (const [name, options] of Object.entries(SETTINGS)) {
      it(`is valid OpenAPI 3.1 with ${name}`, async () => {
        const app = await start(options);
        try {
          const path = `${app.latchkey.config.basePath}/openapi.json`;
          const res = await createTestClient(app.baseUrl).get(path);
          assert.equal(res.status, 200);
          assert.deepEqual(openApi31Problems(res.json), []);
          assert.deepEqual(res.json, app.latchkey.openapi());
        } finally {
          await app.close();
        }
      });
    }
  });
}

describe("the OpenAPI conformance check of the contract suite", () => {
  const { latchkey, cleanup } = createTestLatchkey({ routes: { whoami: ["/whoami/", "/me/"] } });
  const checker = createConformanceChecker(latchkey.openapi(), routeAliases(latchkey.config));
  cleanup();

  it("accepts a documented answer, also at an alias and without the trailing slash", () => {
    const body = JSON.stringify({
      detail: "Authentication credentials were not provided.",
      code: "not_authenticated",
      isAuthenticated: false,
    });
    assert.deepEqual(checker.check(observed({ method: "GET", url: "/api/me?x=1", status: 401, body })), []);
    assert.deepEqual(checker.check(observed({ method: "GET", url: "/api/whoami", status: 401, body })), []);
  });

  it("refuses a status the document does not list for the operation", () => {
    const [problem] = checker.check(observed({ method: "GET", url: "/api/csrf/", status: 418, body: "{}" }));
    assert.match(problem ?? "", /status 418 is not documented/);
  });

  it("refuses a body that does not match the documented schema", () => {
    const [problem] = checker.check(
      observed({ method: "POST", url: "/api/login/", status: 400, body: JSON.stringify({ detail: 3 }) }),
    );
    assert.match(problem ?? "", /does not match the document's schema/);
  });

  it("refuses a non-JSON body where the document says JSON", () => {
    const [problem] = checker.check(
      observed({
        method: "POST",
        url: "/api/logout/",
        status: 403,
        headers: { "content-type": "text/html", "cache-control": "no-store" },
        body: "<h1>Forbidden</h1>",
      }),
    );
    assert.match(problem ?? "", /Content-Type is "text\/html"/);
  });

  it("refuses an answer without a header the document promises (429 without Retry-After, login without X-CSRFToken)", () => {
    const tooMany = checker.check(
      observed({
        method: "POST",
        url: "/api/login/",
        status: 429,
        body: JSON.stringify({ detail: "Too many.", code: "throttled" }),
      }),
    );
    assert.ok(
      tooMany.some((p) => /Retry-After is missing/.test(p)),
      tooMany.join("\n"),
    );
    const user = {
      id: 1,
      username: "a",
      email: "",
      firstName: "",
      lastName: "",
      isActive: true,
      isStaff: false,
      isSuperuser: false,
      groups: [],
      permissions: [],
      dateJoined: "2026-01-01T00:00:00.000Z",
      lastLogin: null,
    };
    const login = checker.check(
      observed({
        method: "POST",
        url: "/api/login/",
        status: 200,
        body: JSON.stringify({ detail: "Successfully logged in.", user }),
      }),
    );
    assert.ok(
      login.some((p) => /X-CSRFToken is missing/.test(p)),
      login.join("\n"),
    );
  });

  it("refuses an undocumented method answered with anything but 405 and Allow", () => {
    assert.match(
      checker.check(observed({ method: "DELETE", url: "/api/login/", status: 200, body: "{}" }))[0] ?? "",
      /should answer 405/,
    );
    assert.match(
      checker.check(
        observed({ method: "DELETE", url: "/api/login/", status: 405, body: JSON.stringify({ detail: "No." }) }),
      )[0] ?? "",
      /must carry Allow/,
    );
  });

  it("leaves the app's own routes alone: they are not in the document", () => {
    assert.deepEqual(checker.check(observed({ method: "GET", url: "/api/hello/", status: 418, body: "teapot" })), []);
  });

  it("fails the app's close() when a response it sent disagrees with the document", async () => {
    // An app whose server answers GET /api/csrf/ itself, with a status the document lacks.
    const broken: AppFactory = async (options = {}) => {
      const made = createTestLatchkey(options);
      const server = createServer((_req, res) => {
        res.writeHead(418, { "Content-Type": "application/json; charset=utf-8" });
        res.end("{}");
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      return {
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        latchkey: made.latchkey,
        clock: made.clock,
        databasePath: made.databasePath,
        server,
        async close() {
          await new Promise<void>((resolve) => server.close(() => resolve()));
          made.cleanup();
        },
      };
    };
    const app = await checkedAgainstOpenApi(broken)();
    assert.equal((await fetch(`${app.baseUrl}/api/csrf/`)).status, 418);
    await assert.rejects(
      app.close(),
      /1 response\(s\) disagree with the OpenAPI document[\s\S]*GET \/api\/csrf\/ → 418/,
    );
  });
});
