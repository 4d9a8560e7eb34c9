import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpError } from "@latchkey/core";
import { nodeLatchkey, readNodeBody } from "@latchkey/node";
import type { AppFactory } from "../app-under-test.js";
import { createTestLatchkey } from "../test-latchkey.js";
import { echoable } from "./echo.js";

function json(res: import("node:http").ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.end(JSON.stringify(body));
}

/** The app under test on plain node:http with @latchkey/node. */
export const startNodeApp: AppFactory = async (options = {}) => {
  const { latchkey, clock, databasePath, cleanup } = createTestLatchkey(options);
  const auth = nodeLatchkey(latchkey);
  const server = createServer(async (req, res) => {
    if (await auth.handle(req, res)) return;
    const path = (req.url ?? "/").split("?")[0]?.replace(/\/$/, "");
    if (path === "/api/hello" && (req.method === "GET" || req.method === "POST")) {
      const who = await auth.require(req, res, { kind: "user" });
      if (who !== null) json(res, 200, { hello: who.user.username });
    } else if (path === "/api/staff" && req.method === "GET") {
      const who = await auth.require(req, res, { kind: "staff" });
      if (who !== null) json(res, 200, { staff: who.user.username });
    } else if (path === "/api/reports" && req.method === "GET") {
      const who = await auth.require(req, res, { kind: "permission", permission: "reports.view" });
      if (who !== null) json(res, 200, { reports: [] });
    } else if (path === "/api/public" && (req.method === "GET" || req.method === "POST")) {
      const result = await auth.authenticate(req, res);
      if (!result.ok) return;
      const user = result.auth?.user.username ?? null;
      if (req.method === "GET") {
        json(res, 200, { user });
        return;
      }
      // The app's own body parsing, after latchkey: the stream must still be unread.
      let text: string;
      try {
        text = Buffer.from(await readNodeBody(req, 16 * 1024)).toString("utf8");
      } catch (error) {
        // A body over the app's limit (readNodeBody's HttpError), answered rather than left to crash the process (found
        // by the fuzz suite).
        if (!(error instanceof HttpError)) throw error;
        json(res, error.status, { detail: error.detail, code: error.code });
        return;
      }
      let body: unknown = null;
      try {
        body = text === "" ? null : JSON.parse(text);
      } catch {
        // The app's own bad input (found by the fuzz suite: an uncaught parse error crashed the process).
        json(res, 400, { detail: "The body is not valid JSON." });
        return;
      }
      json(res, 200, { user, body: echoable(body) });
    } else {
      json(res, 404, { detail: "Not found." });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    latchkey,
    clock,
    databasePath,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      cleanup();
    },
  };
};
