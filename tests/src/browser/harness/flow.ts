import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../server/latchkey-process.js";
import type { AttackerSite } from "./attacker.js";
import type { OutputLine } from "./child-process.js";
import type { BrowserPage, BrowserSession, PageDiagnostics, StoredCookie } from "./engines/engine.js";
import { USER } from "./latchkey-api.js";

/**
 * How long the UI may take to show what a step waits for. Generous: `npm test` runs other
 * suites beside the browser on 2 cores, and every login hashes with argon2's real cost.
 */
const UI_TIMEOUT_MS = 30_000;

/** Where screenshots go (gitignored); the README's copies live in docs/images/. */
export const ARTIFACTS = join(REPO_ROOT, "test-artifacts", "browser");

/** How the deployment authenticates the browser. */
export type ExpectedAuth =
  | {
      kind: "cookie";
      /** Name of the session cookie (`__Host-sessionid` in production mode). */
      sessionCookie: string;
      /** Host the cookies belong to (the API's). */
      cookieDomain: string;
      secure: boolean;
      /** The partition key of CHIPS cookies (the SPA's site), or null for unpartitioned ones. */
      partitionKey: string | null;
      /** Whether the SPA's script can read the CSRF cookie (same site) or must use the header. */
      csrfCookieReadable: boolean;
    }
  | { kind: "token" };

/** Plain-HTTP cookies of an API on `localhost`, readable CSRF cookie: modes A, A', B-dev and C1. */
export const LOCALHOST_COOKIES: ExpectedAuth = {
  kind: "cookie",
  sessionCookie: "sessionid",
  cookieDomain: "localhost",
  secure: false,
  partitionKey: null,
  csrfCookieReadable: true,
};

/** The server's log, to check what the attacker's requests did on the server side. */
export interface ServerLog {
  logs(): readonly OutputLine[];
  requestLine(method: string, path: string): Promise<OutputLine>;
}

/** One deployment mode, as {@link checkDeployment} drives it. */
export interface DeploymentUnderTest {
  /** Screenshot name: test-artifacts/browser/<mode>.png (see artifactName()). */
  mode: string;
  /** The SPA's page. */
  appUrl: string;
  /** The API's origin as the browser sees it (the page's own for same-origin modes). */
  apiOrigin: string;
  auth: ExpectedAuth;
  attacker: AttackerSite;
  /** The ready server's log; absent for servers that log nothing (the Express example). */
  server?: ServerLog;
  /** The server has the example's protected app route `GET /api/hello/` (requireUser()). */
  helloRoute: boolean;
}

async function text(page: BrowserPage, testId: string): Promise<string> {
  return page.textOf(testId, UI_TIMEOUT_MS);
}

async function expectLoginForm(page: BrowserPage): Promise<void> {
  await page.waitForTestId("login-username", UI_TIMEOUT_MS);
  assert.equal(await text(page, "session-status"), "anonymous");
}

async function logIn(page: BrowserPage): Promise<void> {
  await page.fill("login-username", USER.username);
  await page.fill("login-password", USER.password);
  await page.click("login-submit");
}

/** whoami shows the test user (username, email, staff: createsuperuser makes staff). */
export async function expectWhoami(page: BrowserPage): Promise<void> {
  assert.equal(await text(page, "whoami-username"), USER.username);
  assert.equal(await text(page, "whoami-email"), USER.email);
  assert.equal(await text(page, "whoami-staff"), "yes");
  assert.equal(await text(page, "session-status"), "authenticated");
}

/** Evaluates `expression` in the page and checks that it gave a string or null. */
async function pageString(page: BrowserPage, expression: string): Promise<string | null> {
  const value: unknown = await page.evaluate(expression);
  if (value === null || typeof value === "string") return value;
  throw new Error(`${expression} gave ${typeof value}, not a string`);
}

async function expectCredentials(
  page: BrowserPage,
  session: BrowserSession,
  target: DeploymentUnderTest,
): Promise<void> {
  const pageCookies = (await pageString(page, "document.cookie")) ?? "";
  if (target.auth.kind === "token") {
    // Token mode: no cookie at all is involved, and the bearer token never goes into one.
    const stored = await session.cookies(target.apiOrigin, target.appUrl);
    assert.deepEqual(
      stored.filter((c) => /session/i.test(c.name)),
      [],
      "token mode stores no session cookie",
    );
    const token = await pageString(page, 'localStorage.getItem("latchkey.token")');
    assert.ok(
      token !== null && token.length > 20,
      "the token is kept in localStorage (VITE_LATCHKEY_TOKEN_STORAGE=localStorage)",
    );
    assert.ok(!pageCookies.includes(token), "the token is not in document.cookie");
    return;
  }
  const expected = target.auth;
  const cookies: StoredCookie[] = await session.cookies(target.apiOrigin, target.appUrl);
  const session_ = cookies.find((c) => c.name === expected.sessionCookie);
  assert.ok(
    session_ !== undefined,
    `a ${expected.sessionCookie} cookie for ${expected.cookieDomain} is stored; stored: ${JSON.stringify(cookies.map((c) => [c.name, c.domain]))}`,
  );
  assert.ok(
    session_.domain === expected.cookieDomain || session_.domain === `.${expected.cookieDomain}`,
    `the session cookie belongs to ${expected.cookieDomain}`,
  );
  assert.equal(session_.httpOnly, true, "the session cookie is HttpOnly");
  assert.equal(session_.secure, expected.secure, "Secure flag of the session cookie");
  assert.equal(
    session_.partitionKey,
    expected.partitionKey,
    "partition key of the session cookie (CHIPS / Total Cookie Protection)",
  );
  // The XSS rule: script on the page never sees the session token.
  assert.ok(
    !pageCookies.includes(expected.sessionCookie),
    `document.cookie must not show the session cookie; it is ${JSON.stringify(pageCookies)}`,
  );
  assert.ok(!pageCookies.includes(session_.value), "document.cookie must not contain the session token");
  const csrf = cookies.find((c) => c.name === "csrftoken");
  assert.ok(csrf !== undefined, "the CSRF cookie is stored");
  assert.equal(csrf.httpOnly, false, "the CSRF cookie is readable by script where it is same-site");
  assert.equal(
    pageCookies.includes("csrftoken="),
    expected.csrfCookieReadable,
    `document.cookie ${expected.csrfCookieReadable ? "shows" : "cannot show"} the API's CSRF cookie`,
  );
}

function isClientError(status: unknown): boolean {
  return typeof status === "number" && status >= 400 && status < 500;
}

/**
 * The attacker's page (another site) auto-submits a form to the logout route and `fetch`es a
 * password change with the right old password. Neither may change anything: the session
 * survives, and the server refused both requests (its log shows a 4xx, and no `logout` or
 * `password_changed` event).
 */
async function attack(page: BrowserPage, target: DeploymentUnderTest): Promise<void> {
  const changeUrl = `${target.apiOrigin}/api/password/change/`;
  const logoutUrl = `${target.apiOrigin}/api/logout/`;

  await page.goto(
    target.attacker.fetchUrl(changeUrl, { old_password: USER.password, new_password: "chosen-by-the-attacker-0451" }),
  );
  await page.waitForTrue(`document.querySelector('#result[data-done="yes"]') !== null`, UI_TIMEOUT_MS);

  const status = await page.gotoExpectingResponse(target.attacker.formUrl(logoutUrl), logoutUrl, UI_TIMEOUT_MS);
  if (status !== null) {
    assert.ok(isClientError(status), `the forged logout form post was refused; it got ${status}`);
  } else {
    // The engine cannot see statuses (classic WebDriver): the document shown is the API's
    // answer, which must be one of latchkey's error bodies, not "Successfully logged out.".
    const shown = await pageString(page, "document.body.innerText");
    const answer: unknown = JSON.parse(shown ?? "null");
    assert.ok(
      typeof answer === "object" && answer !== null && "code" in answer && "detail" in answer,
      `the forged logout form post was refused with an error body; the page shows ${String(shown)}`,
    );
  }

  if (target.server !== undefined) {
    const change = await target.server.requestLine("POST", "/api/password/change/");
    assert.ok(
      isClientError(change.status),
      `the forged password change reached the server and was refused: ${change.text}`,
    );
    const logout = await target.server.requestLine("POST", "/api/logout/");
    assert.ok(isClientError(logout.status), `the forged logout reached the server and was refused: ${logout.text}`);
    const changed = target.server
      .logs()
      .filter((line) => line.event === "logout" || line.event === "password_changed" || line.event === "token_logout");
    assert.deepEqual(
      changed.map((line) => line.text),
      [],
      "no state changed on the server",
    );
  }

  await page.goto(target.appUrl);
  await expectWhoami(page);
}

async function expectHello(page: BrowserPage): Promise<void> {
  await page.click("hello-call");
  await page.waitForTrue(
    `/^\\d{3} /.test(document.querySelector('[data-testid="hello-result"]')?.textContent ?? "")`,
    UI_TIMEOUT_MS,
  );
  assert.equal(await text(page, "hello-result"), `200 {"hello":"${USER.username}"}`);
}

/**
 * Drives the example SPA through one deployment, as SPEC §5 asks of every mode: log in
 * through the UI, reload and stay logged in, whoami shows the user, the session cookie is
 * invisible to `document.cookie`, an attacker page on another site cannot change state, and
 * logout works and survives a reload. Finally logs in again with the original password (the
 * attacker's password change did not happen). Saves test-artifacts/browser/<mode>.png.
 */
export async function checkDeployment(session: BrowserSession, target: DeploymentUnderTest): Promise<void> {
  const page = await session.newPage();
  const diagnostics = page.diagnostics;
  try {
    await page.goto(target.appUrl);
    await expectLoginForm(page);
    if (target.auth.kind === "cookie") {
      const domain = target.auth.cookieDomain;
      const csrf = (await session.cookies(target.apiOrigin, target.appUrl)).find((c) => c.name === "csrftoken");
      assert.ok(csrf !== undefined, `the CSRF cookie of ${domain} is there once the SPA has loaded, before any login`);
    }
    await logIn(page);
    await expectWhoami(page);
    if (target.helloRoute) await expectHello(page);
    await screenshot(page, target.mode);
    await expectCredentials(page, session, target);

    await page.reload();
    await expectWhoami(page);

    await attack(page, target);

    await page.click("logout");
    await expectLoginForm(page);
    await page.reload();
    await expectLoginForm(page);

    await logIn(page);
    await expectWhoami(page);
    if (diagnostics.pageErrors !== null)
      assert.deepEqual(diagnostics.pageErrors, [], "the SPA threw no uncaught errors");
  } catch (error) {
    await screenshot(page, `${target.mode}-failed`).catch(() => undefined);
    throw new Error(
      `${target.mode}: ${error instanceof Error ? error.message : String(error)}\n${diagnostics.summary()}${serverTail(target.server)}`,
      { cause: error },
    );
  } finally {
    await page.close();
  }
}

function serverTail(server: ServerLog | undefined): string {
  if (server === undefined) return "";
  return `\nserver log (last 15 lines):\n${server
    .logs()
    .slice(-15)
    .map((line) => line.text)
    .join("\n")}`;
}

/** Saves a PNG of the page's viewport to test-artifacts/browser/<name>.png and returns its path. */
export async function screenshot(page: BrowserPage, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot(path);
  return path;
}

/** For tests of a broken setup: the page, its diagnostics, and what the login attempt showed. */
export interface LoginAttempt {
  readonly page: BrowserPage;
  readonly diagnostics: PageDiagnostics;
  /** The login form's error text, or null when the login succeeded (whoami shown). */
  readonly error: string | null;
}

/**
 * Opens the SPA, submits the login form and waits for its outcome: the login form's error
 * (the broken setup failed, as Chromium shows it) or the logged-in view (the engine made the
 * broken setup work anyway, as Firefox's partitioned third-party cookies can).
 */
export async function attemptLogin(session: BrowserSession, appUrl: string): Promise<LoginAttempt> {
  const page = await session.newPage();
  const diagnostics = page.diagnostics;
  await page.goto(appUrl);
  await page.waitForTestId("login-username", UI_TIMEOUT_MS);
  await logIn(page);
  const outcome = `(() => { const q = (id) => document.querySelector('[data-testid="' + id + '"]'); return q("login-error") !== null || q("whoami-username") !== null; })()`;
  await page.waitForTrue(outcome, UI_TIMEOUT_MS);
  const failed = (await page.evaluate(`document.querySelector('[data-testid="login-error"]') !== null`)) === true;
  const error = failed ? await text(page, "login-error") : null;
  return { page, diagnostics, error };
}
