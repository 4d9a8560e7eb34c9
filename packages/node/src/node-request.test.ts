import assert from "node:assert/strict";
import { createServer, request as send, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { LatchkeyRequest } from "@latchkey/core";
import { toLatchkeyRequest } from "./node-request.js";

/** What the server saw of one request through its wrappers. */
interface Seen {
  cookie: string | undefined;
  accept: string | undefined;
  missing: string | undefined;
  body: string;
  parsedBody: unknown;
  path: string;
  method: string;
}

async function see(wrapper: LatchkeyRequest): Promise<Seen> {
  return {
    cookie: wrapper.header("cookie"),
    accept: wrapper.header("accept"),
    missing: wrapper.header("authorization"),
    body: Buffer.from(await wrapper.readBody(1024)).toString("utf8"),
    parsedBody: wrapper.parsedBody,
    path: wrapper.path,
    method: wrapper.method,
  };
}

describe("toLatchkeyRequest()", () => {
  let server: Server;
  let port: number;
  // Each request's wrappers, as a handler sees them: the plain one, or the copy a framework
  // makes with the body it parsed (`{ ...wrapper, parsedBody }`).
  let wrap: (req: IncomingMessage) => LatchkeyRequest = (req) => toLatchkeyRequest(req);
  before(async () => {
    server = createServer((req, res) => {
      see(wrap(req)).then(
        (seen) => res.end(JSON.stringify(seen)),
        (error: unknown) => {
          res.statusCode = 500;
          res.end(String(error));
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function post(headers: Record<string, string | string[]>, body: string): Promise<Seen> {
    return new Promise((resolve, reject) => {
      const req = send({ host: "127.0.0.1", port, method: "POST", path: "/api/login/?next=/", headers }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (part: string) => {
          text += part;
        });
        res.on("end", () => (res.statusCode === 200 ? resolve(JSON.parse(text) as Seen) : reject(new Error(text))));
      });
      req.on("error", reject);
      req.end(body);
    });
  }

  it("reads headers, path, method and body of the request it wraps", async () => {
    wrap = (req) => toLatchkeyRequest(req);
    const seen = await post({ cookie: "sessionid=a", accept: ["application/json", "text/plain"] }, "hello");
    assert.deepEqual(seen, {
      cookie: "sessionid=a",
      accept: "application/json, text/plain",
      body: "hello",
      path: "/api/login/",
      method: "POST",
    });
  });

  it("reads the same request through a copy spread with a parsed body, as Express's wrapper makes one", async () => {
    // The wrapper's methods read the request through `this`: a spread copy must carry the
    // request along, or the copy would read no headers (or throw) where the original read them.
    wrap = (req) => ({ ...toLatchkeyRequest(req), parsedBody: { parsed: true } });
    const seen = await post({ cookie: "sessionid=b" }, "world");
    assert.deepEqual(seen, {
      cookie: "sessionid=b",
      body: "world",
      parsedBody: { parsed: true },
      path: "/api/login/",
      method: "POST",
    });
    wrap = (req) => toLatchkeyRequest(req, { parsed: 1 });
    assert.deepEqual((await post({ cookie: "sessionid=c" }, "")).parsedBody, { parsed: 1 });
  });
});
