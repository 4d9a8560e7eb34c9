import { createLatchkey } from "@latchkey/core";
import { authOf, latchkeyFastify } from "@latchkey/fastify";
import { migrateSqlite, openSqliteDatabase, sqliteStores } from "@latchkey/store-sqlite";
import Fastify from "fastify";

const database = openSqliteDatabase(process.env.DATABASE_PATH ?? "latchkey.sqlite3");
migrateSqlite(database);
const latchkey = createLatchkey({ stores: sqliteStores({ database }) });

const app = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
// Answers /api/login/, /api/logout/, ... and sets request.latchkey on every other request.
await app.register(latchkeyFastify, { latchkey });

app.get("/api/hello/", { preHandler: app.requireUser() }, async (request) => {
  const { user } = authOf(request); // typed: Auth (user, session, via)
  return { hello: user.username };
});

// An unsafe route: with a session cookie it needs the X-CSRFToken header (latchkey checked it).
app.post<{ Body: { text: string } }>("/api/notes/", { preHandler: app.requireUser() }, async (request, reply) => {
  return reply.code(201).send({ author: authOf(request).user.username, note: request.body });
});

// Open to everybody; request.latchkey is the identity or null.
app.get("/api/public/", async (request) => ({ user: request.latchkey?.user.username ?? null }));

const url = await app.listen({ port: Number(process.env.PORT ?? 3000), host: "127.0.0.1" });
console.log(`listening on ${url}`);
