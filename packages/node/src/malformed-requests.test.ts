import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { answerMalformedRequests } from "./malformed-requests.js";

/** Writes `bytes` on a fresh connection and resolves with everything the server sent before closing. */
function exchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    const received: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    socket.on("close", () => resolve(Buffer.concat(received).toString("utf8")));
    socket.on("error", reject);
    socket.write(bytes);
  });
}

function answerOf(raw: string): { status: number; body: Record<string, unknown>; head: string } {
  const [head = "", body = ""] = raw.split("\r\n\r\n");
  return { status: Number(head.split(" ")[1]), body: JSON.parse(body) as Record<string, unknown>, head };
}

describe("answerMalformedRequests()", () => {
  let server: Server;
  let port: number;
  before(async () => {
    // A short request timeout, checked often, so the 408 arrives without a long wait.
    server = createServer({ requestTimeout: 300, connectionsCheckingInterval: 50 }, (_req, res) => res.end("ok"));
    answerMalformedRequests(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("answers a request line that does not parse with JSON 400 bad_request and closes", async () => {
    const answer = answerOf(await exchange(port, "NOT HTTP AT ALL\r\n\r\n"));
    assert.equal(answer.status, 400);
    assert.equal(answer.body.code, "bad_request");
    assert.match(String(answer.body.detail), /^Bad request: /);
    assert.match(answer.head, /\r\nConnection: close(\r\n|$)/);
    assert.match(answer.head, /\r\nContent-Type: application\/json; charset=utf-8/);
  });

  it("answers a request that never finishes its headers with JSON 408 request_timeout", async () => {
    const answer = answerOf(await exchange(port, "GET / HTTP/1.1\r\nHost: x\r\n"));
    assert.equal(answer.status, 408);
    assert.equal(answer.body.code, "request_timeout");
  });

  it("answers an unknown Expect with JSON 417 expectation_failed", async () => {
    const answer = answerOf(await exchange(port, "GET / HTTP/1.1\r\nHost: x\r\nExpect: something\r\n\r\n"));
    assert.equal(answer.status, 417);
    assert.equal(answer.body.code, "expectation_failed");
  });
});
