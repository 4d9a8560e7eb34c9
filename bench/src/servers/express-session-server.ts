import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import { RedisStore } from "connect-redis";
import express from "express";
import session from "express-session";
import { createClient } from "redis";

declare module "express-session" {
  interface SessionData {
    /** The signed-in user as whoami answers it, kept in the session as express-session apps usually do. */
    user?: Record<string, unknown>;
  }
}

/** What the peer needs: its Redis, the one user it knows, and that user's whoami JSON. */
export interface ExpressSessionPeerSpec {
  redisUrl: string;
  username: string;
  password: string;
  /** The JSON whoami answers for the user (latchkey's bytes for the bench user). */
  userJson: string;
}

function scryptHash(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, 32, (error, key) => (error === null ? resolve(key) : reject(error)));
  });
}

/**
 * The peer "Express 5 + express-session + connect-redis" (research/peers.md): the usual
 * express-session app with sessions in Redis through connect-redis 9 on node-redis 5, as its
 * READMEs set it up (signed `connect.sid` cookie, `resave: false`, `saveUninitialized: false`,
 * touch on every request). `POST /api/login/` checks the password (scrypt from node:crypto;
 * peers.md measured bcrypt, which only login pays) and stores the user in a regenerated
 * session; `GET /api/whoami/` answers the session's user or 401. Resolves once Redis is connected.
 */
export async function expressSessionServer(
  spec: ExpressSessionPeerSpec,
): Promise<{ server: Server; close(): Promise<void> }> {
  const client = createClient({ url: spec.redisUrl });
  client.on("error", (error: unknown) =>
    console.error(`redis client: ${error instanceof Error ? error.message : String(error)}`),
  );
  await client.connect();
  const salt = randomBytes(16);
  const passwordHash = await scryptHash(spec.password, salt);
  const user: Record<string, unknown> = JSON.parse(spec.userJson);

  const app = express();
  app.disable("x-powered-by");
  app.use(
    session({
      store: new RedisStore({ client }),
      secret: randomBytes(32).toString("base64url"),
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: "lax", maxAge: 14 * 86_400_000 },
    }),
  );
  app.post("/api/login/", express.json(), (req, res, next) => {
    const body: unknown = req.body;
    const username = typeof body === "object" && body !== null && "username" in body ? body.username : undefined;
    const password = typeof body === "object" && body !== null && "password" in body ? body.password : undefined;
    if (typeof username !== "string" || typeof password !== "string") {
      res.status(400).json({ detail: "username and password are required" });
      return;
    }
    scryptHash(password, salt).then(
      (hash) => {
        if (username !== spec.username || !timingSafeEqual(hash, passwordHash)) {
          res.status(400).json({ detail: "wrong username or password" });
          return;
        }
        // A new session id on login, as express-session's docs advise (session fixation).
        req.session.regenerate((error: unknown) => {
          if (error !== undefined && error !== null) {
            next(error);
            return;
          }
          req.session.user = user;
          res.json(user);
        });
      },
      (error: unknown) => next(error),
    );
  });
  app.get("/api/whoami/", (req, res) => {
    if (req.session.user === undefined) {
      res.status(401).json({ detail: "not signed in" });
      return;
    }
    res.json(req.session.user);
  });
  const server = createServer(app);
  return {
    server,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await client.quit();
    },
  };
}
