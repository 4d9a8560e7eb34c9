import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { createTestClient } from "./http-client.js";

/** What the server saw of one request. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A loopback server that records every request and answers by path: `/set` sets two cookies,
 * `/clear` expires one, `/api/csrf/` hands out a token, anything else echoes `{ ok: true }`.
 */
async function withRecorder(test: (baseUrl: string, seen: Seen[]) => Promise<void>): Promise<void> {
  const seen: Seen[] = [];
  const answer = (res: ServerResponse, url: string): void => {
    if (url === "/set") res.setHeader("Set-Cookie", ["a=1; Path=/; HttpOnly", "b=2; Path=/; Max-Age=60"]);
    if (url === "/clear") res.setHeader("Set-Cookie", "a=; Path=/; Max-Age=0");
    if (url === "/api/csrf/") res.setHeader("X-CSRFToken", "token-1");
    res.setHeader("Content-Type", "application/json");
    res.end(url === "/text" ? "plain words" : JSON.stringify({ ok: true }));
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      answer(res, req.url ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await test(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe("createTestClient()", () => {
  it("sends Origin and Sec-Fetch-Site on unsafe requests only, unless told to act bare", () =>
    withRecorder(async (baseUrl, seen) => {
      const client = createTestClient(baseUrl);
      await client.get("/one");
      await client.post("/two");
      await client.post("/three", { bare: true });
      await createTestClient(baseUrl, { origin: "http://evil.example", secFetchSite: null }).request("DELETE", "/four");
      const [get, post, bare, evil] = seen;
      assert.equal(get?.headers.origin, undefined);
      assert.equal(get?.headers["sec-fetch-site"], undefined);
      assert.equal(post?.headers.origin, baseUrl);
      assert.equal(post?.headers["sec-fetch-site"], "same-origin");
      assert.equal(bare?.headers.origin, undefined);
      assert.equal(evil?.headers.origin, "http://evil.example");
      assert.equal(evil?.headers["sec-fetch-site"], undefined);
    }));

  it("keeps cookies in a jar, sends them back, and drops one the server expires with Max-Age=0", () =>
    withRecorder(async (baseUrl, seen) => {
      const client = createTestClient(baseUrl);
      const set = await client.get("/set");
      assert.equal(set.setCookies.length, 2);
      assert.equal(client.cookie("a"), "1");
      await client.get("/echo");
      assert.equal(seen[1]?.headers.cookie, "a=1; b=2");
      await client.get("/echo", { noCookies: true });
      assert.equal(seen[2]?.headers.cookie, undefined);
      await client.get("/clear");
      assert.equal(client.cookie("a"), undefined);
      assert.equal(client.cookie("b"), "2");
    }));

  it("remembers the last X-CSRFToken and sends it with the JSON body of login()", () =>
    withRecorder(async (baseUrl, seen) => {
      const client = createTestClient(baseUrl);
      assert.equal(client.csrfToken, undefined);
      const res = await client.login("alice", "secret words");
      assert.deepEqual(res.json, { ok: true });
      assert.equal(client.csrfToken, "token-1");
      const login = seen[1];
      assert.equal(login?.url, "/api/login/");
      assert.equal(login?.headers["x-csrftoken"], "token-1");
      assert.equal(login?.headers["content-type"], "application/json");
      assert.deepEqual(JSON.parse(login?.body ?? ""), { username: "alice", password: "secret words" });
    }));

  it("gives an empty json object and the raw text for a body that is not a JSON object", () =>
    withRecorder(async (baseUrl) => {
      const res = await createTestClient(baseUrl).get("/text");
      assert.deepEqual(res.json, {});
      assert.equal(res.text, "plain words");
    }));
});
