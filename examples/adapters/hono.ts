import { serve } from "@hono/node-server";
import { createLatchkey } from "@latchkey/core";
import { authOf, latchkeyHono, type LatchkeyEnv } from "@latchkey/hono";
import { migrateSqlite, openSqliteDatabase, sqliteStores } from "@latchkey/store-sqlite";
import { Hono } from "hono";

const database = openSqliteDatabase(process.env.DATABASE_PATH ?? "latchkey.sqlite3");
migrateSqlite(database);
const latchkey = createLatchkey({ stores: sqliteStores({ database }) });
const auth = latchkeyHono(latchkey);

// LatchkeyEnv types c.get("latchkey") as Auth | null.
// strict: false lets "/api/hello" answer "/api/hello/" too, as Django-style SPAs call it.
const app = new Hono<LatchkeyEnv>({ strict: false });
// Answers /api/login/, /api/logout/, ... and sets c.get("latchkey") for every other request.
app.use(auth.middleware);

app.get("/api/hello", auth.requireUser(), (c) => {
  const { user } = authOf(c); // typed: Auth (user, session, via)
  return c.json({ hello: user.username });
});

// An unsafe route: with a session cookie it needs the X-CSRFToken header (latchkey checked it).
app.post("/api/notes", auth.requireUser(), async (c) => {
  return c.json({ author: authOf(c).user.username, note: await c.req.json<unknown>() }, 201);
});

// Open to everybody; c.get("latchkey") is the identity or null.
app.get("/api/public", (c) => c.json({ user: c.get("latchkey")?.user.username ?? null }));

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: "127.0.0.1" }, (info) => {
  console.log(`listening on http://127.0.0.1:${info.port}`);
});
