import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { toNodeHandler } from "better-auth/node";
import Database from "better-sqlite3";

/** Where better-auth's own auth routes live (its default base path). */
export const BETTER_AUTH_BASE = "/api/auth";
/** better-auth's "who am I": what its SPA client's `getSession()` fetches. */
export const BETTER_AUTH_WHOAMI = `${BETTER_AUTH_BASE}/get-session`;

/** What the peer needs: a fresh SQLite file and the one user to create in it. */
export interface BetterAuthPeerSpec {
  database: string;
  email: string;
  password: string;
  name: string;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string")
        reject(new Error("The server is not listening on a TCP port."));
      else resolve(address.port);
    });
  });
}

/**
 * The peer "better-auth (SQLite)" (research/peers.md): better-auth with email and password
 * over a better-sqlite3 file, its handler mounted on `node:http` with `toNodeHandler` as its
 * docs show, default session settings (cookie cache off). Its tables are created with its
 * own migrations and the user signed up through its API before the server answers.
 * Two settings differ from a production default, both said in the report: telemetry off
 * (nothing leaves loopback) and the rate limiter off (on in production at 100 requests per
 * 10 s per IP, which would make the load measure 429s). Listens on a free port of 127.0.0.1.
 */
export async function betterAuthServer(spec: BetterAuthPeerSpec): Promise<{ port: number; close(): Promise<void> }> {
  const database = new Database(spec.database);
  database.pragma("journal_mode = WAL");
  // Set once the user exists; until then (and for any other path) a bare 404.
  let handler: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | null = null;
  const server = createServer((req, res) => {
    if (handler === null || !(req.url ?? "").startsWith(`${BETTER_AUTH_BASE}/`)) {
      res.statusCode = 404;
      res.end();
      return;
    }
    handler(req, res).catch(() => res.destroy());
  });
  const port = await listen(server);
  const auth = betterAuth({
    database,
    baseURL: `http://127.0.0.1:${port}`,
    secret: randomBytes(32).toString("base64url"),
    emailAndPassword: { enabled: true },
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
  });
  const { runMigrations } = await getMigrations(auth.options);
  await runMigrations();
  await auth.api.signUpEmail({ body: { email: spec.email, password: spec.password, name: spec.name } });
  handler = toNodeHandler(auth);
  return {
    port,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      database.close();
    },
  };
}
