import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { connectClientProcess } from "./keep-alive-client.js";

/** A server on a free loopback port that answers `status` and records each request's cookie and connection. */
async function recordingServer(status: number): Promise<{ server: Server; port: number; seen: string[] }> {
  const seen: string[] = [];
  const sockets = new Set<unknown>();
  const server = createServer((req, res) => {
    sockets.add(req.socket);
    seen.push(`${sockets.size} ${req.headers.cookie ?? "-"}`);
    res.writeHead(status, { "Content-Type": "application/json" }).end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

describe("connectClientProcess()", () => {
  const dir = mkdtempSync(join(tmpdir(), "latchkey-client-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("sends exactly the requests asked for, with the cookie, over one keep-alive connection", async () => {
    const { server, port, seen } = await recordingServer(200);
    const client = await connectClientProcess(port, "/api/whoami/", "abc.def", 200, join(dir, "a.log"));
    try {
      await client.send(3);
      assert.equal(seen.length, 3);
      await client.send(2);
      assert.deepEqual(seen, Array(5).fill("1 sessionid=abc.def"));
    } finally {
      client.close();
      await close(server);
    }
  });

  it("rejects a count whose answer has another status than expected, naming it", async () => {
    const { server, port } = await recordingServer(500);
    const client = await connectClientProcess(port, "/api/whoami/", null, 200, join(dir, "b.log"));
    try {
      await assert.rejects(client.send(1), /keep-alive client failed: Not a 200: HTTP\/1\.1 500/);
    } finally {
      client.close();
      await close(server);
    }
  });
});
