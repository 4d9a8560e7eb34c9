import { join } from "node:path";
import type { BenchContext } from "./context.js";
import { BENCH_PASSWORD, BENCH_USERNAME } from "./fixtures/bench-user.js";
import type { Contender } from "./measure.js";
import type { LoadRequest } from "./messages.js";
import type { SkippedRow } from "./results.js";
import { startServerChild, type ServerHandle } from "./server-handle.js";
import { BETTER_AUTH_WHOAMI } from "./servers/better-auth-server.js";

/** Sessions each peer gets by logging in over HTTP; the load cycles through their cookies. */
export const PEER_SESSIONS = 32;
/** Logins in flight while making them (each peer hashes a password per login). */
const LOGIN_CONCURRENCY = 4;
/** The bench user's email: better-auth signs in by email. */
const BENCH_EMAIL = "bench@example.com";

/** One peer, started and signed in: its server and the cookies of its sessions. */
export interface RunningPeer {
  key: string;
  label: string;
  server: ServerHandle;
  /** The path of its "who am I". */
  whoamiPath: string;
  /** One `Cookie` header value per session. */
  cookies: string[];
}

/** An answer of a peer's who-am-I: status and parsed JSON body (null when not JSON). */
export interface WhoamiAnswer {
  status: number;
  body: unknown;
}

/** The `name=value` pairs of a response's Set-Cookie lines, as a `Cookie` header. */
function cookieHeader(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((line) => line.split(";")[0] ?? "")
    .filter((pair) => pair !== "")
    .join("; ");
}

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

/** Logs the bench user in to the express-session peer; resolves to its session cookie. */
export async function loginExpressSession(origin: string): Promise<string> {
  const res = await postJson(`${origin}/api/login/`, { username: BENCH_USERNAME, password: BENCH_PASSWORD });
  const text = await res.text();
  const cookie = cookieHeader(res);
  if (res.status !== 200 || !cookie.includes("connect.sid="))
    throw new Error(
      `express-session peer: login answered ${res.status} without a session cookie: ${text.slice(0, 200)}`,
    );
  return cookie;
}

/**
 * Signs the bench user in to the better-auth peer as its SPA client would (same-origin POST); resolves to its cookies.
 */
export async function loginBetterAuth(origin: string): Promise<string> {
  const res = await postJson(
    `${origin}/api/auth/sign-in/email`,
    { email: BENCH_EMAIL, password: BENCH_PASSWORD },
    { origin },
  );
  const text = await res.text();
  const cookie = cookieHeader(res);
  if (res.status !== 200 || !cookie.includes("session_token="))
    throw new Error(`better-auth peer: sign-in answered ${res.status} without a session cookie: ${text.slice(0, 200)}`);
  return cookie;
}

/** Asks a peer who is signed in, with `cookie` or without any. */
export async function peerWhoami(origin: string, path: string, cookie: string | null): Promise<WhoamiAnswer> {
  const res = await fetch(`${origin}${path}`, cookie === null ? {} : { headers: { cookie } });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: res.status, body };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The user a who-am-I answer names (express-session: the body; better-auth: its `user`), or null. */
export function answeredUser(answer: WhoamiAnswer): Record<string, unknown> | null {
  if (answer.status !== 200 || !isRecord(answer.body)) return null;
  if (isRecord(answer.body.user) && isRecord(answer.body.session)) return answer.body.user;
  return answer.body;
}

/**
 * Throws unless `cookie` makes the peer answer the bench user: a misconfigured peer must fail, not be measured
 * answering 401s.
 */
async function expectSignedIn(
  peer: Pick<RunningPeer, "label" | "server" | "whoamiPath">,
  cookie: string,
): Promise<void> {
  const answer = await peerWhoami(peer.server.origin, peer.whoamiPath, cookie);
  const user = answeredUser(answer);
  if (user === null || (user.username !== BENCH_USERNAME && user.email !== BENCH_EMAIL)) {
    throw new Error(
      `${peer.label}: GET ${peer.whoamiPath} with a fresh session answered ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`,
    );
  }
}

async function collectSessions(count: number, login: () => Promise<string>): Promise<string[]> {
  const cookies: string[] = [];
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < count) {
      started++;
      cookies.push(await login());
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOGIN_CONCURRENCY, count) }, worker));
  return cookies;
}

/**
 * Starts the peers of research/peers.md, each in a child process of its own pinned beside
 * latchkey's servers: Express 5 + express-session + connect-redis (on the bench's Redis;
 * skipped, and said so, without redis-server) and better-auth over a fresh SQLite file. Each
 * gets `sessions` sessions by real logins over HTTP and must answer the bench user to one of
 * them before it is returned. `userJson` is what the express-session app keeps in its
 * session and answers (latchkey's whoami bytes). Servers already started are stopped if a later one fails.
 */
export async function startPeers(
  ctx: BenchContext,
  userJson: string,
  sessions: number = PEER_SESSIONS,
): Promise<{ peers: RunningPeer[]; skipped: SkippedRow[] }> {
  const peers: RunningPeer[] = [];
  const skipped: SkippedRow[] = [];
  const add = async (
    key: string,
    label: string,
    start: () => Promise<ServerHandle>,
    whoamiPath: string,
    login: (origin: string) => Promise<string>,
  ): Promise<void> => {
    const server = await start();
    try {
      const cookies = await collectSessions(sessions, () => login(server.origin));
      const peer: RunningPeer = { key, label, server, whoamiPath, cookies };
      for (const cookie of cookies.slice(0, 1)) await expectSignedIn(peer, cookie);
      peers.push(peer);
    } catch (error) {
      await server.stop();
      throw error;
    }
  };
  try {
    const redis = await ctx.services.redis();
    if (redis.ok) {
      const label = "peer: Express 5 + express-session + connect-redis, Redis";
      await add(
        "peer-express-session",
        label,
        () =>
          startServerChild(
            ctx,
            {
              kind: "peer-express-session",
              redisUrl: redis.server.url,
              username: BENCH_USERNAME,
              password: BENCH_PASSWORD,
              userJson,
            },
            { label },
          ),
        "/api/whoami/",
        loginExpressSession,
      );
    } else {
      skipped.push({
        key: "peer-express-session",
        label: "peer: Express 5 + express-session + connect-redis",
        reason: redis.reason,
      });
    }
    const label = "peer: better-auth, SQLite";
    await add(
      "peer-better-auth",
      label,
      () =>
        startServerChild(
          ctx,
          {
            kind: "peer-better-auth",
            database: join(ctx.workDir, "better-auth.sqlite3"),
            email: BENCH_EMAIL,
            password: BENCH_PASSWORD,
            name: "Bench Mark",
          },
          // Belt and braces beside `telemetry: { enabled: false }`: nothing leaves loopback.
          { label, env: { BETTER_AUTH_TELEMETRY: "0" } },
        ),
      BETTER_AUTH_WHOAMI,
      loginBetterAuth,
    );
  } catch (error) {
    await Promise.all(peers.map((p) => p.server.stop()));
    throw error;
  }
  return { peers, skipped };
}

/** The load for a peer: its who-am-I, cycling through its sessions' cookies. */
export function peerRequests(peer: RunningPeer): LoadRequest[] {
  return peer.cookies.map((cookie) => ({ method: "GET", path: peer.whoamiPath, headers: { cookie } }));
}

/** What the report says about how the peers were measured. */
export const PEER_NOTES: readonly string[] = [
  `Peers (--peers): each in its own child process on the server's core, loaded exactly like latchkey (same connections, slices and rounds, ratio to the bare node:http slices either side of its own), cycling through ${PEER_SESSIONS} sessions each made by a real login over HTTP (peers.md found the session count does not change their rate).`,
  "express-session 1.19 + connect-redis 9 on node-redis 5 (Express 5): the session keeps the user (latchkey's whoami bytes) and GET /api/whoami/ answers it; defaults otherwise (signed cookie, a Redis GET and a touch per request).",
  "better-auth 1.7 over better-sqlite3 (email and password, cookie cache off as by default): the load is GET /api/auth/get-session, what its client's getSession() asks; its rate limiter (on in production, 100 requests per 10 s per IP) and telemetry are off.",
];
