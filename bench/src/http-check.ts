import { type Agent, request } from "node:http";
import { BENCH_PASSWORD, BENCH_USERNAME } from "./fixtures/bench-user.js";
import type { LoadRequest } from "./messages.js";

/** A request with no answer within this counts as a connection error. Milliseconds. */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * The status of one request over `agent` (keep-alive), with its body read and dropped;
 * rejects on a connection error or when no answer came within 10 s.
 */
export function requestStatus(
  agent: Agent,
  url: URL,
  method: "GET" | "POST",
  headers: Record<string, string>,
  body?: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method, headers, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      res.on("data", () => undefined);
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * One request before a load, so a misconfigured server fails loudly instead of being
 * measured answering 401s: the status must be 200 and, when given, the body exactly `body`.
 */
export async function expectOk(url: string, headers: Record<string, string>, body?: string): Promise<void> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${text.slice(0, 200)}`);
  if (body !== undefined && text !== body)
    throw new Error(`GET ${url} answered another body than expected:\n  got      ${text}\n  expected ${body}`);
}

/** The CSRF cookie (`csrftoken=…`) and token a same-origin SPA gets from `GET /api/csrf/`. */
export async function csrfPair(origin: string): Promise<{ cookie: string; token: string }> {
  const res = await fetch(`${origin}/api/csrf/`);
  await res.arrayBuffer();
  const token = res.headers.get("x-csrftoken");
  const cookie = res.headers
    .getSetCookie()
    .map((line) => line.split(";")[0] ?? "")
    .find((pair) => pair.startsWith("csrftoken="));
  if (token === null || cookie === undefined)
    throw new Error(`GET ${origin}/api/csrf/ gave no CSRF cookie and token (status ${res.status}).`);
  return { cookie, token };
}

/**
 * The login request a browser SPA sends after `GET /api/csrf/`: the CSRF cookie, the token in
 * `X-CSRFToken`, and the JSON credentials. The pair stays valid for every login (login
 * rotates the secret in its response, which the load generator does not keep), so one
 * request serves the whole storm.
 */
export async function loginRequest(origin: string): Promise<LoadRequest> {
  const { cookie, token } = await csrfPair(origin);
  const request: LoadRequest = {
    method: "POST",
    path: "/api/login/",
    headers: { cookie, "x-csrftoken": token, "content-type": "application/json" },
    body: JSON.stringify({ username: BENCH_USERNAME, password: BENCH_PASSWORD }),
  };
  const check = await fetch(`${origin}${request.path}`, {
    method: "POST",
    headers: request.headers,
    body: request.body ?? "",
  });
  const text = await check.text();
  if (check.status !== 200)
    throw new Error(`POST ${origin}/api/login/ answered ${check.status}: ${text.slice(0, 200)}`);
  return request;
}
