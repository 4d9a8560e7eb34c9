import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { describe, it } from "node:test";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { createTestClient } from "@latchkey/testkit";
import type { Context, Hono } from "hono";
import { loggedIn, SPA_ORIGIN, withApp, type TestApp } from "./hono-test-app.test.helper.js";
import type { HonoLatchkey, LatchkeyEnv } from "./index.js";

// Latchkey's cookies and CORS fields ride on the app's own answers. A shared cache must see
// both the app's Vary fields and latchkey's Origin, or it serves one variant (or one
// origin's CORS answer) for another; the app's own cookies must survive latchkey's.

/** Node's response under a Hono context on @hono/node-server. */
function nodeResponseOf(c: Context): ServerResponse {
  return (c.env as { outgoing: ServerResponse }).outgoing;
}

/** App routes that make their own Vary and cookies, in the ways a Hono app does. */
function routes(app: Hono<LatchkeyEnv>, auth: HonoLatchkey): void {
  app.get("/api/varied", (c) => {
    c.header("Vary", "Accept-Encoding");
    return c.json({ varied: true });
  });
  app.get("/api/own-response", () => new Response("own", { headers: { Vary: "Accept, origin" } }));
  app.get("/api/any", (c) => {
    c.header("Vary", "*");
    return c.text("any");
  });
  app.get("/api/theme", auth.requireUser(), (c) => {
    c.header("Set-Cookie", "theme=dark; Path=/", { append: true });
    return c.json({ theme: "dark" });
  });
  // Answers written straight to Node's response: fields set one by one, or a list to writeHead().
  app.get("/api/direct", (c) => {
    const res = nodeResponseOf(c);
    res.setHeader("Vary", "Accept");
    res.end("direct");
    return RESPONSE_ALREADY_SENT;
  });
  app.get("/api/direct-list", (c) => {
    const res = nodeResponseOf(c);
    res.writeHead(200, ["Vary", "Accept", "Content-Type", "text/plain"]);
    res.end("listed");
    return RESPONSE_ALREADY_SENT;
  });
  app.get(
    "/api/stream",
    () =>
      new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode("streamed"));
            controller.close();
          },
        }),
      ),
  );
}

const withRoutes = (test: (app: TestApp) => Promise<void>): Promise<void> => withApp(test, { routes });

describe("latchkey's headers on the app's answer", () => {
  describe("on @hono/node-server", () => {
    it("keeps the app's own Vary (set with c.header()) beside latchkey's Origin", () =>
      withRoutes(async (app) => {
        const res = await createTestClient(app.baseUrl).get("/api/varied");
        assert.equal(res.status, 200);
        assert.equal(res.headers.get("vary"), "Accept-Encoding, Origin");
        assert.deepEqual(res.json, { varied: true });
      }));

    it("names Origin once when a Response the app built itself already varies on it", () =>
      withRoutes(async (app) => {
        const res = await createTestClient(app.baseUrl).get("/api/own-response");
        assert.equal(res.headers.get("vary"), "Accept, origin");
        assert.equal(res.text, "own");
      }));

    it("adds nothing to the app's answer when no origin is trusted (no origin changes it)", () =>
      withApp(
        async (app) => {
          const client = await loggedIn(app);
          const plain = await client.get("/api/hello/", { headers: { origin: SPA_ORIGIN } });
          assert.equal(plain.status, 200, plain.text);
          assert.equal(plain.headers.get("vary"), null);
          const varied = await client.get("/api/varied");
          assert.equal(varied.headers.get("vary"), "Accept-Encoding");
        },
        { routes, trustedOrigins: [] },
      ));

    it("leaves an app's Vary: * alone", () =>
      withRoutes(async (app) => {
        assert.equal((await createTestClient(app.baseUrl).get("/api/any")).headers.get("vary"), "*");
      }));

    it("names Origin once on a guard's own 401", () =>
      withRoutes(async (app) => {
        const res = await createTestClient(app.baseUrl).get("/api/hello/");
        assert.equal(res.status, 401);
        assert.equal(res.headers.get("vary"), "Origin");
      }));

    it("adds Vary to an answer whose body is streamed", () =>
      withRoutes(async (app) => {
        const res = await createTestClient(app.baseUrl).get("/api/stream");
        assert.equal(res.headers.get("vary"), "Origin");
        assert.equal(res.text, "streamed");
      }));

    it("keeps the Vary of an answer the app wrote straight to Node's response, field by field or as a list", () =>
      withRoutes(async (app) => {
        const client = createTestClient(app.baseUrl);
        const direct = await client.get("/api/direct");
        assert.equal(direct.headers.get("vary"), "Accept, Origin");
        assert.equal(direct.text, "direct");
        const listed = await client.get("/api/direct-list");
        assert.equal(listed.headers.get("vary"), "Accept, Origin");
        assert.equal(listed.headers.get("content-type"), "text/plain");
        assert.equal(listed.text, "listed");
      }));

    it("sends the refreshed session cookie of a sliding expiry beside the app's own cookie", () =>
      withRoutes(async (app) => {
        const alice = await loggedIn(app);
        const early = await alice.get("/api/theme");
        assert.deepEqual(
          early.setCookies.map((line) => line.split("=")[0]),
          ["theme"],
          "no refresh within the touch interval",
        );
        app.advance(301_000);
        const due = await alice.get("/api/theme");
        assert.equal(due.status, 200);
        assert.deepEqual(due.json, { theme: "dark" });
        assert.deepEqual(due.setCookies.map((line) => line.split("=")[0]).sort(), ["sessionid", "theme"]);
        assert.equal(due.headers.get("vary"), "Origin");
      }));
  });

  describe("without @hono/node-server (app.fetch with a Web request)", () => {
    it("keeps the app's own Vary beside latchkey's Origin", () =>
      withRoutes(async (app) => {
        const res = await app.app.fetch(new Request("http://api.example.com/api/varied"));
        assert.equal(res.headers.get("vary"), "Accept-Encoding, Origin");
      }));

    it("adds latchkey's Vary to an answer whose headers are immutable (Response.redirect)", () =>
      withRoutes(async (app) => {
        const res = await app.app.fetch(new Request("http://api.example.com/api/moved"));
        assert.equal(res.status, 302);
        assert.equal(res.headers.get("location"), "http://127.0.0.1/elsewhere");
        assert.equal(res.headers.get("vary"), "Origin");
      }));
  });
});
