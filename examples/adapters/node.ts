import { createServer, type ServerResponse } from "node:http";
import { createLatchkey } from "@latchkey/core";
import { answerMalformedRequests, nodeLatchkey } from "@latchkey/node";
import { migrateSqlite, openSqliteDatabase, sqliteStores } from "@latchkey/store-sqlite";

const database = openSqliteDatabase(process.env.DATABASE_PATH ?? "latchkey.sqlite3");
migrateSqlite(database);
const latchkey = createLatchkey({ stores: sqliteStores({ database }) });
const auth = nodeLatchkey(latchkey);

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

const server = createServer(async (req, res) => {
  // latchkey's own routes: /api/login/, /api/logout/, ...
  if (await auth.handle(req, res)) return;
  const path = new URL(req.url ?? "/", "http://localhost").pathname.replace(/\/$/, "");
  if (path === "/api/hello" && req.method === "GET") {
    // Authenticates, checks the requirement, and answers 401/403 itself when it fails.
    const who = await auth.require(req, res, { kind: "user" });
    if (who !== null) json(res, 200, { hello: who.user.username });
  } else if (path === "/api/notes" && req.method === "POST") {
    // An unsafe method: with a session cookie, require() also checks the CSRF token.
    const who = await auth.require(req, res, { kind: "user" });
    if (who !== null) json(res, 201, { author: who.user.username });
  } else if (path === "/api/public" && req.method === "GET") {
    const result = await auth.authenticate(req, res);
    if (result.ok) json(res, 200, { user: result.auth?.user.username ?? null });
  } else {
    json(res, 404, { detail: "Not found." });
  }
});
// Requests Node cannot parse get latchkey's JSON errors (400, 431, 417) instead of empty ones.
answerMalformedRequests(server);

server.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  const address = server.address();
  if (address !== null && typeof address === "object") console.log(`listening on http://127.0.0.1:${address.port}`);
});
