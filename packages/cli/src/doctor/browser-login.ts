import type { BrowserContext, Page } from "playwright-core";
import type { Check } from "./probe.js";

// `latchkey doctor --browser --user NAME`: a real login from the SPA's page in Chromium, as
// the client does it (CSRF token from the X-CSRFToken header or the cookie, fetch with
// credentials included), then whoami and logout; says whether Chromium stored the session
// cookie and sent it back, and what the login answer means. The password comes from the
// environment and never appears in a check's words: the doctor's output lands in CI logs.

/** The user the doctor logs in as. */
export interface DoctorUser {
  username: string;
  password: string;
}

/** What the page's login script saw. */
interface LoginResult {
  status: number | null;
  code: string | null;
  detail: string | null;
  error: string | null;
  token: string | null;
}

/** What the page's whoami and logout script saw. */
interface AfterResult {
  whoamiStatus: number | null;
  whoamiUsername: string | null;
  logoutStatus: number | null;
  error: string | null;
}

/** Runs in the SPA's page: a fresh CSRF token, then the login with the user's credentials. */
const LOGIN = `async ({ base, username, password, timeoutMs }) => {
  const out = { status: null, code: null, detail: null, error: null, token: null };
  const fromCookie = () => { const m = document.cookie.match(/(?:^|; )(?:__Host-)?csrftoken=([^;]+)/); return m ? decodeURIComponent(m[1]) : null; };
  try {
    const csrf = await fetch(base + "/csrf/", { credentials: "include", signal: AbortSignal.timeout(timeoutMs) });
    let token = csrf.headers.get("x-csrftoken") ?? fromCookie();
    const res = await fetch(base + "/login/", {
      method: "POST", credentials: "include", signal: AbortSignal.timeout(timeoutMs),
      headers: token ? { "content-type": "application/json", "x-csrftoken": token } : { "content-type": "application/json" },
      body: JSON.stringify({ username, password }),
    });
    out.status = res.status;
    const body = await res.json().catch(() => ({}));
    out.code = typeof body.code === "string" ? body.code : null;
    out.detail = typeof body.detail === "string" ? body.detail : null;
    // Login rotates the CSRF token (as Django does): the client takes the new one.
    out.token = res.headers.get("x-csrftoken") ?? fromCookie() ?? token;
  } catch (error) {
    out.error = String(error);
  }
  return out;
}`;

/** Runs in the SPA's page after a login: whoami, then logout. */
const AFTER = `async ({ base, token, timeoutMs }) => {
  const out = { whoamiStatus: null, whoamiUsername: null, logoutStatus: null, error: null };
  try {
    const me = await fetch(base + "/whoami/", { credentials: "include", signal: AbortSignal.timeout(timeoutMs) });
    out.whoamiStatus = me.status;
    const body = await me.json().catch(() => ({}));
    out.whoamiUsername = typeof body.username === "string" ? body.username : null;
    const res = await fetch(base + "/logout/", {
      method: "POST", credentials: "include", signal: AbortSignal.timeout(timeoutMs),
      headers: token ? { "x-csrftoken": token } : {},
    });
    out.logoutStatus = res.status;
  } catch (error) {
    out.error = String(error);
  }
  return out;
}`;

/** The login answer's code in plain words, with the fix (cookie and token logins alike). */
export function loginWords(
  user: string,
  status: number | null,
  code: string | null,
  detail: string | null,
): { words: string; fix: string } {
  const answered = `${status ?? "?"}${detail === null ? "" : ` "${detail}"`}${code === null ? "" : ` (${code})`}`;
  switch (code) {
    case "invalid_credentials":
      return {
        words: `the API does not accept this username and password for ${user}: answered ${answered}`,
        fix: "Check the username and the password in LATCHKEY_DOCTOR_PASSWORD (the CSRF and cookie checks passed: the deployment is not the cause).",
      };
    case "mfa_required":
      return {
        words: `the password is right, but ${user} has a second factor, and the doctor cannot give one: answered ${answered}`,
        fix: "Run the doctor as a test user without a second factor to check the session cookie.",
      };
    case "email_unverified":
      return {
        words: `the password is right, but ${user} has not confirmed their email address: answered ${answered}`,
        fix: "Confirm the user's email address (or use another user) and run the doctor again.",
      };
    case "throttled":
      return {
        words: `the API throttled the login: answered ${answered}`,
        fix: "Wait for the throttle window, then run the doctor again.",
      };
    default:
      if (code !== null && code.startsWith("csrf_"))
        return {
          words: `the login was refused by the CSRF checks: answered ${answered}`,
          fix: "Fix the refused cookies or CSRF settings named above (docs/deployment.md).",
        };
      return {
        words: `the login answered ${answered}`,
        fix: "See the answer's detail, and docs/deployment.md for this deployment mode.",
      };
  }
}

/** Removes the password from text that may quote it back (an exception's message). */
export function scrub(text: string, password: string): string {
  return password === "" ? text : text.split(password).join("…");
}

/**
 * Logs `user` in from the SPA's page, then calls whoami and logs out. `setCookieLines` is the
 * list of Set-Cookie lines the page's answers carried (it grows as they arrive); `settle`
 * waits until the DevTools events of the fetches so far are in.
 */
export async function loginInBrowser(
  page: Page,
  context: BrowserContext,
  base: string,
  user: DoctorUser,
  timeoutMs: number,
  setCookieLines: readonly string[],
  settle: () => Promise<void>,
): Promise<Check[]> {
  const checks: Check[] = [];
  const name = user.username;
  const before = setCookieLines.length;
  let login: LoginResult;
  try {
    login = await (page.evaluate(
      `(${LOGIN})(${JSON.stringify({ base, username: user.username, password: user.password, timeoutMs })})`,
    ) as Promise<LoginResult>);
  } catch (error) {
    return [
      {
        id: "browser-user-login",
        status: "fail",
        message: `The SPA's page could not run the login: ${scrub(error instanceof Error ? error.message : String(error), user.password)}.`,
        fix: "Check that the page stays open (no redirect away from it).",
      },
    ];
  }
  await settle();
  if (login.error !== null)
    return [
      {
        id: "browser-user-login",
        status: "fail",
        message: `In Chromium, the login of ${name} failed before an answer: ${scrub(login.error, user.password)}.`,
        fix: "Check the API's CORS answers for POST with X-CSRFToken (see the checks above).",
      },
    ];
  if (login.status !== 200) {
    const { words, fix } = loginWords(name, login.status, login.code, login.detail);
    return [
      {
        id: "browser-user-login",
        status: login.code === "throttled" ? "warn" : "fail",
        message: `In Chromium, ${name} cannot log in: ${words}.`,
        fix,
      },
    ];
  }
  checks.push({
    id: "browser-user-login",
    status: "ok",
    message: `In Chromium, ${name} logged in from the SPA's page (200).`,
  });

  // The session cookie: what the login answer set, other than the CSRF cookie and deletions.
  const sessionNames = [
    ...new Set(
      setCookieLines
        .slice(before)
        .filter((line) => !/;\s*max-age=0\b/i.test(line))
        .map((line) => (line.split("=")[0] ?? "").trim())
        .filter((n) => n !== "" && !/c?srf/i.test(n)),
    ),
  ];
  const stored = new Set((await context.cookies()).map((c) => c.name));
  if (sessionNames.length === 0)
    checks.push({
      id: "browser-session-cookie",
      status: "fail",
      message:
        'The login answered 200 but set no session cookie (is the API in token mode, deployment "cross-site-token"? then the SPA holds a bearer token, and no cookie is expected: run the doctor with --token).',
      fix: "For a cookie deployment, check that no proxy drops Set-Cookie from the login answer.",
    });
  else {
    const missing = sessionNames.filter((n) => !stored.has(n));
    checks.push(
      missing.length === 0
        ? {
            id: "browser-session-cookie",
            status: "ok",
            message: `Chromium stored the session cookie ${sessionNames.join(", ")}.`,
          }
        : {
            id: "browser-session-cookie",
            status: "fail",
            message: `Chromium did not store the session cookie ${missing.join(", ")} that the login answer set; Chromium's reasons are in the browser-cookie checks above.`,
            fix: "Fix the refused cookies named above (docs/deployment.md).",
          },
    );
  }

  let after: AfterResult;
  try {
    after = await (page.evaluate(
      `(${AFTER})(${JSON.stringify({ base, token: login.token, timeoutMs })})`,
    ) as Promise<AfterResult>);
  } catch (error) {
    checks.push({
      id: "browser-whoami",
      status: "fail",
      message: `The SPA's page could not call whoami: ${error instanceof Error ? error.message : String(error)}.`,
      fix: "Check that the page stays open (no redirect away from it).",
    });
    return checks;
  }
  await settle();
  if (after.whoamiStatus === 200 && after.whoamiUsername !== null)
    checks.push({
      id: "browser-whoami",
      status: "ok",
      message: `whoami answered as ${after.whoamiUsername}: Chromium sent the session cookie back.`,
    });
  else
    checks.push({
      id: "browser-whoami",
      status: "fail",
      message: `After the login, whoami answered ${after.whoamiStatus ?? after.error ?? "nothing"}: Chromium did not send the session cookie back, so the SPA looks logged out on every request.`,
      fix: "Fix the refused cookies named above (docs/deployment.md).",
    });
  if (after.logoutStatus !== null && after.logoutStatus >= 200 && after.logoutStatus < 300)
    checks.push({ id: "browser-logout", status: "ok", message: `Logout answered ${after.logoutStatus}.` });
  else
    checks.push({
      id: "browser-logout",
      status: "fail",
      message: `Logout answered ${after.logoutStatus ?? after.error ?? "nothing"}: the session the doctor opened may still be live.`,
      fix: `End it with latchkey sessions (or wait for it to expire); check the CSRF token rotation on login.`,
    });
  return checks;
}
