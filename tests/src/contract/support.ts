import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import type { CreateUserInput } from "@latchkey/core";
import type { AppUnderTest } from "../harness/app-under-test.js";
import { createTestClient, type TestClient, type TestResponse } from "@latchkey/testkit";

/** The password every fixture user gets unless a test says otherwise (passes the password rules). */
export const PASSWORD = "correct horse battery staple";

let counter = 0;

/** A username no other test in this process uses, so tests sharing an app never share users. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}${counter}`;
}

/** A fixture user, created through the accounts API (not over HTTP). */
export interface Fixture {
  id: string;
  username: string;
  password: string;
}

/** Creates a user with {@link PASSWORD} (or `extra.password`) and a unique name from `prefix`. */
export async function createUser(
  app: AppUnderTest,
  prefix: string,
  extra: Partial<CreateUserInput> = {},
): Promise<Fixture> {
  const username = uniqueName(prefix);
  const password = extra.password ?? PASSWORD;
  const created = await app.latchkey.accounts.createUser({
    username,
    password,
    email: `${username}@example.com`,
    ...extra,
  });
  assert.ok(
    created.ok,
    `fixture user ${username} could not be created: ${created.ok ? "" : created.problems.join(" ")}`,
  );
  return { id: String(created.value.id), username, password };
}

/** A browser-like client logged in as `user` through the CSRF flow. */
export async function loggedInClient(app: AppUnderTest, user: Fixture): Promise<TestClient> {
  const client = createTestClient(app.baseUrl);
  const res = await client.login(user.username, user.password);
  assert.equal(res.status, 200, `login of ${user.username} failed: ${res.text}`);
  return client;
}

/** A new user and a browser-like client logged in as them. */
export async function newSession(
  app: AppUnderTest,
  prefix: string,
  extra: Partial<CreateUserInput> = {},
): Promise<{ user: Fixture; client: TestClient }> {
  const user = await createUser(app, prefix, extra);
  return { user, client: await loggedInClient(app, user) };
}

/** `POST /api/token/login/` as a non-browser client; resolves to the bearer token. */
export async function bearerToken(app: AppUnderTest, user: Fixture): Promise<string> {
  const res = await createTestClient(app.baseUrl).post("/api/token/login/", {
    bare: true,
    json: { username: user.username, password: user.password },
  });
  assert.equal(res.status, 200, `token login failed: ${res.text}`);
  assert.equal(typeof res.json.token, "string");
  return res.json.token as string;
}

/** A client that carries a copy of `client`'s session cookie and nothing else (a stolen or replayed cookie). */
export function cookieThief(app: AppUnderTest, client: TestClient, cookieName = "sessionid"): TestClient {
  const value = client.cookie(cookieName);
  assert.ok(value, `the client has no ${cookieName} cookie to copy`);
  const thief = createTestClient(app.baseUrl);
  thief.setCookie(cookieName, value);
  return thief;
}

/** Asserts a 403 CSRF refusal with the given code and a `detail` that says so. */
export function assertCsrfRefused(res: TestResponse, code: string): void {
  assert.equal(res.status, 403, `expected a CSRF refusal (${code}), got ${res.status}: ${res.text}`);
  assert.equal(res.json.code, code, res.text);
  assert.match(String(res.json.detail), /^CSRF Failed: /);
}

/** Asserts an error response: status, code, and a human `detail`. */
export function assertError(res: TestResponse, status: number, code: string): void {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text}`);
  assert.equal(res.json.code, code, res.text);
  assert.equal(typeof res.json.detail, "string");
  assert.ok(String(res.json.detail).length > 0);
}

/** Asserts a body is JSON with charset, as every latchkey response is. */
export function assertJson(res: TestResponse): void {
  assert.match(res.headers.get("content-type") ?? "", /^application\/json; ?charset=utf-8$/i);
}

/** Asserts a response gives away no stack trace and no internal path (SPEC §8, ASVS 16.5.1). */
export function assertNoLeak(res: TestResponse): void {
  assert.doesNotMatch(res.text, /\n\s*at |\bat [\w.<>]+ \(|\bat (file|node):/, "stack frame in the response body");
  assert.ok(!res.text.includes("/work/"), "internal path in the response body");
  assert.ok(!res.text.includes("node_modules"), "node_modules path in the response body");
  assert.ok(res.status < 500 || res.status === 503, `server error ${res.status}: ${res.text}`);
}

/** The `Set-Cookie` line for `name`, if the response sets it. */
export function setCookieFor(res: TestResponse, name: string): string | undefined {
  return res.setCookies.find((line) => line.startsWith(`${name}=`));
}

/** The `Max-Age` of a `Set-Cookie` line, or undefined. */
export function maxAgeOf(line: string): number | undefined {
  const match = /;\s*Max-Age=(-?\d+)/i.exec(line);
  return match === null ? undefined : Number(match[1]);
}

/** Every user and session in the app's stores, serialised: equal snapshots mean nothing changed. */
export async function snapshot(app: AppUnderTest): Promise<string> {
  const users = await app.latchkey.accounts.listUsers({ limit: 10_000, offset: 0 });
  const sessions = await app.latchkey.sessions.list({ limit: 10_000 });
  return JSON.stringify({ users, sessions });
}

/** 64 random characters from [A-Za-z0-9]: shaped like a CSRF token, but forged. */
export function forgedCsrfToken(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  let out = "";
  for (const byte of crypto.getRandomValues(new Uint8Array(64))) out += alphabet[byte % alphabet.length];
  return out;
}

/** A raw response from {@link rawRequest}. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * A request through `node:http`, for what fetch cannot send: a chunked body without
 * `Content-Length`, written piece by piece. Resolves when the server answers, even if it
 * answers before the whole body was written (as it should for a body over the limit).
 */
export function rawRequest(
  baseUrl: string,
  options: { method: string; path: string; headers: Record<string, string>; chunks: Uint8Array[] },
): Promise<RawResponse> {
  const url = new URL(options.path, baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method, headers: options.headers }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (chunk: Buffer) => parts.push(chunk));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString("utf8") }),
      );
      res.on("error", reject);
    });
    // The server may close the connection once it has answered a too-large body; the
    // response has then already arrived, so a write error after it is expected.
    req.on("error", (error) => reject(error));
    for (const chunk of options.chunks) req.write(chunk);
    req.end();
  });
}
