import { createHash, randomBytes } from "node:crypto";
import type { LatchkeyRequest, SessionRecord, Stores } from "@latchkey/core";

const DAY_MS = 86_400_000;

/** A user and one cookie session of theirs, written straight into the stores. */
export interface SignedIn {
  userId: string;
  session: SessionRecord;
  /** The cookie's value: `<id>.<secret>`. */
  token: string;
}

/**
 * Creates an active user named `username` (no password, no groups) and a cookie session
 * started at `now` (14 days idle, 30 absolute), as a login would leave them, without the
 * login: for tests of what happens to a session's later requests.
 */
export async function createSignedIn(
  stores: Pick<Stores, "users" | "sessions">,
  username: string,
  now: number,
): Promise<SignedIn> {
  const user = await stores.users.createUser({
    username,
    usernameKey: username,
    email: "",
    firstName: "",
    lastName: "",
    isActive: true,
    isStaff: false,
    isSuperuser: false,
    groups: [],
    permissions: [],
    passwordHash: null,
    dateJoined: now,
  });
  const id = randomBytes(16).toString("base64url");
  const secret = randomBytes(32).toString("base64url");
  const session: SessionRecord = {
    id,
    secretHash: createHash("sha256").update(secret).digest("hex"),
    userId: String(user.id),
    kind: "cookie",
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + 14 * DAY_MS,
    absoluteExpiresAt: now + 30 * DAY_MS,
    ip: "127.0.0.1",
    userAgent: "test",
    label: null,
  };
  await stores.sessions.createSession(session);
  return { userId: String(user.id), session, token: `${id}.${secret}` };
}

/** A plain-http request from 127.0.0.1 to localhost with `headers` and an empty body. */
export function testRequest(method: string, path: string, headers: Record<string, string> = {}): LatchkeyRequest {
  const all: Record<string, string> = { host: "localhost", ...headers };
  return {
    method,
    path,
    header: (name) => all[name],
    remoteAddress: "127.0.0.1",
    encrypted: false,
    readBody: async () => new Uint8Array(0),
  };
}

/** `GET /api/whoami/` with the session cookie `token`. */
export function whoamiRequest(token: string): LatchkeyRequest {
  return testRequest("GET", "/api/whoami/", { cookie: `sessionid=${token}` });
}
