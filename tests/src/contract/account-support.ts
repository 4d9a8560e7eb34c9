import assert from "node:assert/strict";
import type { MailTransport } from "@latchkey/core";
import { smtpTransport } from "@latchkey/server";
import { createTestClient, type SmtpSink, type TestClient, type TestResponse } from "@latchkey/testkit";
import type { AppFactory, AppUnderTest, TestOptions } from "../harness/app-under-test.js";

let counter = 0;

/** An address no other test in this process uses. */
export function uniqueEmail(prefix: string): string {
  counter += 1;
  return `${prefix}${counter}-${process.pid}@example.com`;
}

/**
 * Starts an app whose outbox sends through real SMTP to `sink`, with sign-up on, and the
 * outbox worker running; `close()` stops the worker first.
 */
export async function startMailApp(
  start: AppFactory,
  sink: SmtpSink,
  options: TestOptions = {},
): Promise<AppUnderTest> {
  const transport: MailTransport = smtpTransport(sink.url);
  const app = await start({
    signup: { enabled: true },
    ...options,
    mail: { transport, pollIntervalMs: 20, retryBaseMs: 100, retryMaxMs: 400, ...options.mail },
  });
  app.latchkey.outbox?.start();
  return {
    ...app,
    baseUrl: app.baseUrl,
    latchkey: app.latchkey,
    clock: app.clock,
    databasePath: app.databasePath,
    async close() {
      await app.latchkey.outbox?.stop();
      await transport.close?.();
      await app.close();
    },
  };
}

/** An unsafe request as the SPA sends it: CSRF token fetched first, then sent in the header. */
export async function send(client: TestClient, method: string, path: string, json?: unknown): Promise<TestResponse> {
  if (client.csrfToken === undefined) await client.fetchCsrf();
  return client.request(method, path, {
    ...(json === undefined ? {} : { json }),
    headers: { "x-csrftoken": client.csrfToken ?? "" },
  });
}

/** A fresh anonymous browser-like client. */
export function anonymous(app: AppUnderTest): TestClient {
  return createTestClient(app.baseUrl);
}

/** Signs up (verification mandatory), opens the emailed link, and resolves to the new account. */
export async function signUpVerified(
  app: AppUnderTest,
  sink: SmtpSink,
  prefix: string,
): Promise<{ username: string; email: string; password: string }> {
  const email = uniqueEmail(prefix);
  const username = email.split("@")[0] ?? prefix;
  const password = "a long and unusual passphrase 42";
  const res = await send(anonymous(app), "POST", "/api/signup/", { username, email, password });
  assert.equal(res.status, 202, res.text);
  const mail = await sink.waitForMail(email);
  assert.ok(mail.key, "the verification mail carries a key");
  const verified = await send(anonymous(app), "POST", "/api/email/verify/", { key: mail.key });
  assert.equal(verified.status, 200, verified.text);
  return { username, email, password };
}

/** The response headers that matter for enumeration: every name but Date, with values. */
export function comparableHeaders(res: TestResponse): Record<string, string> {
  const out: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (name !== "date" && name !== "set-cookie" && name !== "x-csrftoken") out[name] = value;
  });
  return out;
}
