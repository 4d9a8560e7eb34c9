import { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { latchkeyHono, type LatchkeyEnv } from "@latchkey/hono";
import { Hono, type Context } from "hono";
import type { AppFactory } from "../app-under-test.js";
import { createTestLatchkey } from "../test-latchkey.js";
import { echoable } from "./echo.js";

/** The request's JSON body as the app's own code reads it (null when empty). */
async function readJson(request: Request): Promise<unknown> {
  const text = await request.text();
  return text === "" ? null : (JSON.parse(text) as unknown);
}

/** JSON with charset, as the other harness apps answer (Hono's c.json() omits the charset). */
function json(c: Context, body: unknown, status: 200 | 404 = 200): Response {
  return c.json(body, status, { "Content-Type": "application/json; charset=utf-8" });
}

/** The app under test on Hono 4 with @latchkey/hono, served by @hono/node-server. */
export const startHonoApp: AppFactory = async (options = {}) => {
  const { latchkey, clock, databasePath, cleanup } = createTestLatchkey(options);
  const auth = latchkeyHono(latchkey);
  const app = new Hono<LatchkeyEnv>({ strict: false });
  app.use(auth.middleware);
  app.get("/api/hello", auth.requireUser(), (c) => json(c, { hello: c.get("latchkey")?.user.username }));
  app.post("/api/hello", auth.requireUser(), (c) => json(c, { hello: c.get("latchkey")?.user.username }));
  app.get("/api/staff", auth.requireStaff(), (c) => json(c, { staff: c.get("latchkey")?.user.username }));
  app.get("/api/reports", auth.requirePermission("reports.view"), (c) => json(c, { reports: [] }));
  app.get("/api/public", (c) => json(c, { user: c.get("latchkey")?.user.username ?? null }));
  app.post("/api/public", async (c) =>
    json(c, { user: c.get("latchkey")?.user.username ?? null, body: echoable(await readJson(c.req.raw)) }),
  );
  app.notFound((c) => json(c, { detail: "Not found." }, 404));
  // The app's own bad input (a body its readJson cannot parse) is a JSON 400, as every answer under /api.
  app.onError((error, c) =>
    c.json(
      { detail: error instanceof SyntaxError ? "The body is not valid JSON." : "Server error." },
      error instanceof SyntaxError ? 400 : 500,
      { "Content-Type": "application/json; charset=utf-8" },
    ),
  );
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(started));
  });
  if (!(server instanceof Server)) throw new Error("@hono/node-server did not start a node:http server");
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
