import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isPending, type LatchkeyRequest } from "@latchkey/core";
import { createTestClient } from "@latchkey/testkit";
import { Hono } from "hono";
import { PASSWORD, loggedIn, withApp } from "./hono-test-app.test.helper.js";
import { latchkeyHono, type LatchkeyEnv } from "./index.js";

// What every adapter does the same way (guards' 401/403, CSRF on app routes, bearer tokens,
// malformed and oversized bodies) is tested once for all of them by the HTTP contract suite
// in tests/src/contract; this file keeps what only Hono has.

describe("latchkeyHono()", () => {
  for (const [store, cacheEntries, pending] of [
    ["in memory (a read-cache hit)", undefined, false],
    ["only in the file (no read cache)", 0, true],
  ] as const) {
    it(`answers each of simultaneous requests with its own identity, whether the guard runs at once or after an asynchronous step, with the session ${store}`, () =>
      withApp(
        async (app) => {
          const alice = await loggedIn(app);
          assert.equal((await alice.get("/api/hello/")).status, 200, "a first lookup fills the read cache");
          // The premise: core's answer for alice's session is ready now, or pending on the store.
          const probe: LatchkeyRequest = {
            method: "GET",
            path: "/api/hello/",
            header: (name) => (name === "cookie" ? `sessionid=${alice.cookie("sessionid") ?? ""}` : undefined),
            remoteAddress: "127.0.0.1",
            encrypted: false,
            readBody: async () => new Uint8Array(0),
          };
          assert.equal(isPending(app.latchkey.authenticateRequestNow(probe)), pending);
          const anonymous = createTestClient(app.baseUrl);
          const paths = ["/api/hello/", "/api/later/"];
          const answers = await Promise.all(
            Array.from({ length: 12 }, (_, i) =>
              (i % 2 === 0 ? alice : anonymous).get(paths[i % 4 < 2 ? 0 : 1] as string),
            ),
          );
          answers.forEach((res, i) => {
            if (i % 2 === 0) {
              assert.equal(res.status, 200, res.text);
              assert.equal(res.json.hello, "alice");
              assert.equal(res.headers.get("vary"), "Origin");
            } else {
              assert.equal(res.status, 401, res.text);
              assert.equal(res.json.code, "not_authenticated");
            }
          });
        },
        cacheEntries === undefined ? {} : { cacheEntries },
      ));
  }

  it("puts the logged-in user in the context, typed, for a route behind requireUser()", () =>
    withApp(async (app) => {
      const hello = await (await loggedIn(app)).get("/api/hello/");
      assert.equal(hello.status, 200);
      assert.deepEqual(hello.json, { hello: "alice", via: "cookie" });
    }));

  it("reads the user with authOf() in a sub-app with its own Env and a path parameter", () =>
    withApp(async (app) => {
      const client = await loggedIn(app);
      assert.deepEqual((await client.get("/api/items/7")).json, { id: "7", owner: "alice", requestId: "r-1" });
    }));

  it("fails closed with a 500 when a guard runs without latchkey's middleware", () =>
    withApp(async (app) => {
      const auth = latchkeyHono(app.latchkey);
      const bare = new Hono<LatchkeyEnv>();
      bare.get("/hello", auth.requireUser(), (c) => c.text("nobody should see this"));
      const res = await bare.fetch(new Request("http://localhost/hello"));
      assert.equal(res.status, 500);
      assert.doesNotMatch(await res.text(), /nobody should see this/);
    }));

  it("adds latchkey's CORS header to the app's answer and keeps its body", () =>
    withApp(async (app) => {
      const res = await (await loggedIn(app)).get("/api/hello/");
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("vary"), "Origin");
      assert.equal(res.headers.get("content-type"), "application/json");
      assert.deepEqual(res.json, { hello: "alice", via: "cookie" });
    }));

  it("adds latchkey's CORS header to an answer whose headers are immutable (Response.redirect)", () =>
    withApp(async (app) => {
      const res = await fetch(`${app.baseUrl}/api/moved`, { redirect: "manual" });
      assert.equal(res.status, 302);
      assert.equal(res.headers.get("location"), "http://127.0.0.1/elsewhere");
      assert.equal(res.headers.get("vary"), "Origin");
    }));

  it("leaves unknown paths to Hono's own 404", () =>
    withApp(async (app) => {
      const res = await createTestClient(app.baseUrl).get("/nowhere");
      assert.equal(res.status, 404);
      assert.equal(res.text, "404 Not Found");
    }));

  it("runs without @hono/node-server, taking TLS from the request URL", () =>
    withApp(async (app) => {
      assert.ok((await app.latchkey.accounts.createUser({ username: "alice", password: PASSWORD })).ok);
      // app.fetch with a Web Request is how Hono runs on Workers, Deno and Bun.
      const csrf = await app.app.fetch(new Request("https://api.example.com/api/csrf/"));
      const token = csrf.headers.get("x-csrftoken") ?? "";
      const csrfCookie = (csrf.headers.getSetCookie()[0] ?? "").split(";")[0] ?? "";
      assert.match(csrf.headers.getSetCookie()[0] ?? "", /; Secure/i);
      const login = await app.app.fetch(
        new Request("https://api.example.com/api/login/", {
          method: "POST",
          headers: {
            "content-type": "application/json",
            origin: "https://api.example.com",
            cookie: csrfCookie,
            "x-csrftoken": token,
          },
          body: JSON.stringify({ username: "alice", password: PASSWORD }),
        }),
      );
      assert.equal(login.status, 200, await login.clone().text());
      const session = login.headers.getSetCookie().find((line) => line.startsWith("sessionid="));
      assert.match(session ?? "", /; Secure/i);
      const hello = await app.app.fetch(
        new Request("https://api.example.com/api/hello/", { headers: { cookie: (session ?? "").split(";")[0] ?? "" } }),
      );
      assert.deepEqual(await hello.json(), { hello: "alice", via: "cookie" });
    }));
});
