/**
 * Deployment mode A with your own server: one Express app serves the built React example
 * (examples/react-spa) and latchkey's routes on one origin, plus an app route that only
 * logged-in users may call (`GET /api/hello/`, which the example's "protected app route"
 * panel calls). See docs/deployment.md, "A with your own server".
 *
 *   npm run build -w @latchkey/example-react-spa      # the SPA, into examples/react-spa/dist
 *   npx tsc -b examples/adapters                       # this file, into examples/adapters/dist
 *   node examples/adapters/dist/express-spa-server.js  # http://127.0.0.1:3000
 *   LATCHKEY_DATABASE=latchkey.sqlite3 npx latchkey createsuperuser   # a user to log in with
 *
 * Environment: PORT (default 3000), DATABASE_PATH (default latchkey.sqlite3), SPA_DIR
 * (default examples/react-spa/dist).
 */
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createLatchkey } from "@latchkey/core";
import { authOf, latchkeyExpress } from "@latchkey/express";
import { migrateSqlite, openSqliteDatabase, sqliteStores } from "@latchkey/store-sqlite";
import express from "express";

const spaDir = resolve(process.env.SPA_DIR ?? fileURLToPath(new URL("../../react-spa/dist", import.meta.url)));
const database = openSqliteDatabase(process.env.DATABASE_PATH ?? "latchkey.sqlite3");
migrateSqlite(database);
const latchkey = createLatchkey({ stores: sqliteStores({ database }) });
const auth = latchkeyExpress(latchkey);

const app = express();
// latchkey first: it answers /api/login/, /api/logout/, ... and sets req.latchkey for the rest.
app.use(auth.middleware);

// The app's own API, next to latchkey's routes under /api.
app.get("/api/hello/", auth.requireUser(), (req, res) => {
  res.json({ hello: authOf(req).user.username });
});
// Any other /api path is an API 404 in JSON, never the SPA's index.html (which a client
// would try to parse as JSON).
app.use("/api", (_req, res) => {
  res.status(404).json({ detail: "Not found.", code: "not_found" });
});

// The built SPA. Vite's hashed file names never change content: cache them for a year.
app.use("/assets", express.static(join(spaDir, "assets"), { immutable: true, maxAge: "1y", fallthrough: false }));
app.use(express.static(spaDir, { index: false }));
// Client-side routes: every other page load gets index.html, revalidated on each visit so a
// new build is picked up.
app.get("/{*path}", (_req, res) => {
  res.setHeader("Cache-Control", "no-cache");
  res.sendFile(join(spaDir, "index.html"));
});

const server = app.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  const address = server.address();
  if (address !== null && typeof address === "object") console.log(`listening on http://127.0.0.1:${address.port}`);
});
