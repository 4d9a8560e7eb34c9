import { Agent, request as httpRequest } from "node:http";
import type { Latchkey } from "@latchkey/core";
import { createTestClient } from "@latchkey/testkit";
import type { ConformanceChecker } from "../harness/openapi-conformance.js";
import type { FuzzRequest } from "./fuzz-requests.js";

/** A response as the fuzzer received it (lower-case header names). */
export interface FuzzResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** A server under fuzzing: where it listens, its latchkey instance (to read the stores), and a fixture user. */
export interface FuzzServer {
  readonly name: string;
  readonly baseUrl: string;
  readonly latchkey: Latchkey;
  /** Extra paths it answers besides latchkey's routes (the app's own, the readiness route). */
  readonly extraPaths: readonly string[];
  /**
   * Checks answers against the server's OpenAPI document from the client side, for a server
   * whose responses the harness does not watch (the ready server); null for the harness
   * apps, whose responses are checked as they leave the server.
   */
  readonly checker: ConformanceChecker | null;
  close(): Promise<void>;
}

/** The fixture user's live credentials, which generated requests refer to by placeholder. */
interface Live {
  session: string;
  csrfCookie: string;
  csrf: string;
  bearer: string;
}

/** What the fuzzer drives: sends requests with live credentials filled in and reads the stores. */
export interface FuzzTarget {
  readonly server: FuzzServer;
  /** Every path of latchkey's routes (aliases too) and the server's extra ones. */
  readonly knownPaths: readonly string[];
  send(request: FuzzRequest): Promise<FuzzResponse>;
  /** Every user and session in the stores, serialised: equal snapshots mean nothing changed. */
  snapshot(): Promise<string>;
  /**
   * Called after a request that succeeded (2xx) and may have changed the fixture's
   * credentials (a logout, a password change, a token logout): ends the fixture's sessions,
   * restores its password and logs in again, so later requests still reach past authentication.
   */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

const USERNAME = "fuzzer";
const PASSWORD = "correct horse battery staple";
/** Per-request bound: a server that does not answer at all is a finding. Milliseconds. */
const ANSWER_TIMEOUT_MS = 30_000;

/** Replaces every placeholder in `text` with its live value. */
function fill(text: string, values: Readonly<Record<string, string>>): string {
  return text.includes("{{") ? text.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => values[name] ?? whole) : text;
}

/** Creates the fixture user on `server` and logs it in (a session cookie, a CSRF token, a bearer token). */
export async function createFuzzTarget(server: FuzzServer): Promise<FuzzTarget> {
  const { latchkey, baseUrl } = server;
  /** Creates the fixture user (again, after a generated request deleted the account: a success, not a finding). */
  async function createFixtureUser(): Promise<string> {
    const created = await latchkey.accounts.createUser({
      username: USERNAME,
      password: PASSWORD,
      email: "fuzzer@example.com",
      emailVerified: true,
    });
    if (!created.ok) throw new Error(`the fuzz fixture user could not be created: ${created.problems.join(" ")}`);
    return String(created.value.id);
  }
  let userId = await createFixtureUser();
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const knownPaths = [...new Set([...Object.values(latchkey.config.routes).flat(), ...server.extraPaths])];

  /**
   * Logs the fixture in, or resolves to null when the server refuses (its login throttle, after many generated
   * failures).
   */
  async function logIn(): Promise<Live | null> {
    const client = createTestClient(baseUrl);
    const login = await client.login(USERNAME, PASSWORD);
    if (login.status === 429) return null;
    if (login.status !== 200) throw new Error(`the fuzz fixture could not log in: ${login.status} ${login.text}`);
    const token = await client.post("/api/token/login/", {
      bare: true,
      noCookies: true,
      json: { username: USERNAME, password: PASSWORD },
    });
    if (token.status === 429) return null;
    if (token.status !== 200)
      throw new Error(`the fuzz fixture could not get a bearer token: ${token.status} ${token.text}`);
    return {
      session: client.cookie("sessionid") ?? "",
      csrfCookie: client.cookie("csrftoken") ?? "",
      csrf: client.csrfToken ?? "",
      bearer: String(token.json.token),
    };
  }
  const first = await logIn();
  if (first === null) throw new Error("the fuzz fixture could not log in: throttled from the start");
  let live: Live = first;

  function values(): Record<string, string> {
    return {
      ...live,
      username: USERNAME,
      password: PASSWORD,
      basic: Buffer.from(`${USERNAME}:${PASSWORD}`).toString("base64"),
      origin: baseUrl,
    };
  }

  return {
    server,
    knownPaths,
    send(request) {
      const filled = values();
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) headers[name] = fill(value, filled);
      const body =
        request.body === null
          ? null
          : typeof request.body === "string"
            ? Buffer.from(fill(request.body, filled))
            : request.body;
      if (body !== null) headers["content-length"] = String(body.byteLength);
      return new Promise<FuzzResponse>((resolve, reject) => {
        const req = httpRequest(
          new URL(baseUrl),
          { agent, method: request.method, path: request.path, headers, timeout: ANSWER_TIMEOUT_MS },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (chunk: Buffer) => chunks.push(chunk));
            res.on("end", () =>
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                body: Buffer.concat(chunks).toString("utf8"),
              }),
            );
            res.on("error", reject);
          },
        );
        req.on("timeout", () => req.destroy(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms`)));
        req.on("error", reject);
        req.end(body ?? undefined);
      });
    },
    async snapshot() {
      const users = await latchkey.accounts.listUsers({ limit: 10_000, offset: 0 });
      // Without the activity fields: an authenticated request records activity (the sliding
      // idle timeout, written at most once per touch interval) even when the action it asked
      // for is refused, such as a password change with a wrong old password. Every other field
      // of every session, and whether it exists at all, must stay as it was.
      const sessions = (await latchkey.sessions.list({ limit: 10_000 })).map(
        ({ lastSeenAt: _seen, expiresAt: _expires, ...rest }) => rest,
      );
      return JSON.stringify({ users, sessions });
    },
    async refresh() {
      // Sessions pile up (every generated login that succeeds makes one): end them all, so
      // the snapshot stays small however long the run.
      if ((await latchkey.accounts.getUser(userId)) === null) userId = await createFixtureUser();
      await latchkey.sessions.revokeUser(userId);
      const reset = await latchkey.accounts.setPassword(userId, PASSWORD, { skipValidation: true });
      if (!reset.ok) throw new Error(`the fuzz fixture's password could not be reset: ${reset.problems.join(" ")}`);
      // Throttled: go on with the credentials the fixture had (refused from now on, which the fuzzer also covers).
      live = (await logIn()) ?? live;
    },
    async close() {
      agent.destroy();
      await server.close();
    },
  };
}
