import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { silentLogger } from "@latchkey/core";
import { loadServerConfig, startServer, type RunningServer } from "@latchkey/server";
import { tempDir } from "./latchkey-process.js";

const API = {
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
};
const PAGE = {
  "content-security-policy": "frame-ancestors 'none'",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  "x-content-type-options": "nosniff",
};

function assertHeaders(res: Response, expected: Record<string, string>, what: string): void {
  for (const [name, value] of Object.entries(expected)) assert.equal(res.headers.get(name), value, `${what}: ${name}`);
}

describe("the ready server's security headers (production, behind one trusted proxy)", () => {
  let server: RunningServer;
  let dir: { path: string; cleanup(): void };

  before(async () => {
    dir = tempDir("latchkey-headers-");
    writeFileSync(join(dir.path, "index.html"), "<!doctype html><title>spa</title>");
    const env = {
      LATCHKEY_PORT: "0",
      LATCHKEY_LOG_LEVEL: "silent",
      LATCHKEY_MODE: "production",
      LATCHKEY_TRUST_PROXY: "1",
      LATCHKEY_SPA_DIR: dir.path,
    };
    server = await startServer(loadServerConfig({ cwd: dir.path, env }), { logger: silentLogger });
  });
  after(async () => {
    await server.close();
    dir.cleanup();
  });

  const https = { "x-forwarded-proto": "https" };

  it("puts the API headers and HSTS on latchkey's routes, /ready/ and the JSON 404 over HTTPS", async () => {
    for (const path of ["/api/csrf/", "/api/whoami/", "/api/ready/", "/api/no-such-route/"]) {
      const res = await fetch(`${server.url}${path}`, { headers: https });
      assertHeaders(res, API, path);
      assert.equal(res.headers.get("strict-transport-security"), "max-age=31536000", path);
    }
  });

  it("puts the page headers and HSTS on the SPA's pages over HTTPS", async () => {
    for (const path of ["/", "/some/client/route"]) {
      const res = await fetch(`${server.url}${path}`, { headers: https });
      assert.equal(res.status, 200);
      assertHeaders(res, PAGE, path);
      assert.equal(res.headers.get("strict-transport-security"), "max-age=31536000", path);
    }
  });

  it("sends no HSTS over plain http", async () => {
    for (const path of ["/", "/api/csrf/", "/api/ready/"]) {
      const res = await fetch(`${server.url}${path}`);
      assert.equal(res.headers.get("strict-transport-security"), null, path);
    }
  });
});
