import { createLatchkey } from "@latchkey/core";
import { authOf, latchkeyExpress } from "@latchkey/express";
import { migrateSqlite, openSqliteDatabase, sqliteStores } from "@latchkey/store-sqlite";
import express from "express";

const database = openSqliteDatabase(process.env.DATABASE_PATH ?? "latchkey.sqlite3");
migrateSqlite(database);
const latchkey = createLatchkey({ stores: sqliteStores({ database }) });
const auth = latchkeyExpress(latchkey);

const app = express();
// latchkey first: it answers /api/login/, /api/logout/, ... and sets req.latchkey for the rest.
app.use(auth.middleware);
// Body parsers after it, for the app's own routes.
app.use(express.json());

app.get("/api/hello/", auth.requireUser(), (req, res) => {
  const { user } = authOf(req); // typed: Auth (user, session, via)
  res.json({ hello: user.username });
});

// An unsafe route: with a session cookie it needs the X-CSRFToken header (latchkey checked it).
app.post("/api/notes/", auth.requireUser(), (req, res) => {
  res.status(201).json({ author: authOf(req).user.username, note: req.body });
});

// Open to everybody; req.latchkey is the identity or null.
app.get("/api/public/", (req, res) => {
  res.json({ user: req.latchkey?.user.username ?? null });
});

const server = app.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  const address = server.address();
  if (address !== null && typeof address === "object") console.log(`listening on http://127.0.0.1:${address.port}`);
});
