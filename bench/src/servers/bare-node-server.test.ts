import assert from "node:assert/strict";
import { get } from "node:http";
import { describe, it } from "node:test";
import { parseServerSpec } from "./server-spec.js";
import { startServer } from "./start-server.js";

/** One GET of `/` on 127.0.0.1:`port`: its raw headers (without Date and Connection/Keep-Alive) and body. */
function fetchRaw(port: number): Promise<{ headers: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (part: string) => {
        body += part;
      });
      res.on("end", () => {
        const headers: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const name = res.rawHeaders[i] as string;
          if (!["date", "connection", "keep-alive"].includes(name.toLowerCase()))
            headers.push(name, res.rawHeaders[i + 1] as string);
        }
        resolve({ headers, body });
      });
    }).on("error", reject);
  });
}

describe("the bare-node bench server", () => {
  it("sends the floor's headers exactly, after they crossed a server child's command line", async () => {
    // The floor is the baseline latchkey's whoami is compared with: if the headers were lost
    // on the way, the floor would silently measure the bare server instead.
    const body = '{"id":1}';
    const headers = ["Cache-Control", "no-store", "Content-Type", "application/json", "Content-Length", "8"];
    const spec = parseServerSpec(JSON.stringify({ kind: "bare-node", body, headers }));
    const server = await startServer(spec, (file) => file);
    try {
      assert.deepEqual(await fetchRaw(server.port), { headers, body });
    } finally {
      await server.close();
    }
  });

  it("sends Content-Type and Content-Length alone without headers", async () => {
    const server = await startServer(parseServerSpec(JSON.stringify({ kind: "bare-node", body: "{}" })), (f) => f);
    try {
      assert.deepEqual(await fetchRaw(server.port), {
        headers: ["Content-Type", "application/json; charset=utf-8", "Content-Length", "2"],
        body: "{}",
      });
    } finally {
      await server.close();
    }
  });
});
