// The forward proxy that gives WebKitGTK the tests' host names: it connects those names to
// 127.0.0.1 and refuses every other host, so neither the browser under test nor another
// user of the machine can use it to reach elsewhere.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { startHostProxy, type HostProxy } from "./harness/engines/host-proxy.js";

/** Sends `CONNECT <target>` to the proxy and resolves with the status line of its answer. */
async function connectThrough(proxyPort: number, target: string): Promise<string> {
  const socket = connect(proxyPort, "127.0.0.1");
  await once(socket, "connect");
  socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
  const [chunk] = (await once(socket, "data")) as [Buffer];
  socket.destroy();
  return chunk.toString("latin1").split("\r\n")[0] ?? "";
}

/** A plain-HTTP request through the proxy (absolute URL); resolves with status and body. */
async function getThrough(proxyPort: number, url: string): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const req = request({ host: "127.0.0.1", port: proxyPort, method: "GET", path: url, headers: { host: target.host } });
  req.end();
  const [res] = (await once(req, "response")) as [IncomingMessage];
  let body = "";
  for await (const chunk of res) body += String(chunk);
  return { status: res.statusCode ?? 0, body };
}

describe("the WebKit tests' host proxy", () => {
  let proxy: HostProxy;
  let site: Server;
  let sitePort: number;
  before(async () => {
    proxy = await startHostProxy();
    site = createServer((_req, res) => res.end("loopback site"));
    site.listen(0, "127.0.0.1");
    await once(site, "listening");
    const address = site.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    sitePort = address.port;
  });
  after(async () => {
    await proxy.close();
    site.closeAllConnections();
    site.close();
  });

  it("sends a test name (app.example.test) to the server on 127.0.0.1, over plain HTTP and through a CONNECT tunnel", async () => {
    assert.deepEqual(await getThrough(proxy.port, `http://app.example.test:${sitePort}/`), {
      status: 200,
      body: "loopback site",
    });
    assert.equal(
      await connectThrough(proxy.port, `api.example.net:${sitePort}`),
      "HTTP/1.1 200 Connection Established",
    );
  });

  it("refuses, with 403, every host that is not a test name: it cannot be used to reach another machine", async () => {
    assert.equal(await connectThrough(proxy.port, "example.org:443"), "HTTP/1.1 403 Forbidden");
    assert.equal(
      await connectThrough(proxy.port, `app.example.test.attacker.invalid:${sitePort}`),
      "HTTP/1.1 403 Forbidden",
    );
    assert.equal((await getThrough(proxy.port, "http://example.org/")).status, 403);
  });
});
