import { randomBytes } from "node:crypto";
import { type DoctorUser, loginWords, scrub } from "./browser-login.js";
import { type BrowserProbeOptions, launchDoctorChromium } from "./browser-probe.js";
import type { Check } from "./probe.js";

// `latchkey doctor --token --browser`: the SPA's page in Chromium logs in as a token-mode SPA
// does: `POST /token/login/` with `credentials: "omit"` (no cookies at all), then, with
// `--user`, whoami and `POST /token/logout/` with `Authorization: Bearer <token>`. Chromium's
// CORS refusals (its console messages) are reported in words with the fix. The token and the
// password never appear in a check's words: the doctor's output lands in CI logs.

/** What the page's script saw. */
interface TokenFlow {
  loginStatus: number | null;
  loginCode: string | null;
  loginDetail: string | null;
  loginError: string | null;
  hasToken: boolean;
  whoamiStatus: number | null;
  whoamiUsername: string | null;
  whoamiError: string | null;
  logoutStatus: number | null;
  logoutError: string | null;
}

/** Runs in the SPA's page: token login; with a real user, whoami and logout with the bearer token. */
const FLOW = `async ({ base, username, password, timeoutMs, real }) => {
  const out = { loginStatus: null, loginCode: null, loginDetail: null, loginError: null, hasToken: false, whoamiStatus: null, whoamiUsername: null, whoamiError: null, logoutStatus: null, logoutError: null };
  let token = null;
  try {
    const res = await fetch(base + "/token/login/", {
      method: "POST", credentials: "omit", signal: AbortSignal.timeout(timeoutMs),
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password, label: "latchkey doctor" }),
    });
    out.loginStatus = res.status;
    const body = await res.json().catch(() => ({}));
    out.loginCode = typeof body.code === "string" ? body.code : null;
    out.loginDetail = typeof body.detail === "string" ? body.detail : null;
    token = typeof body.token === "string" ? body.token : null;
    out.hasToken = token !== null;
  } catch (error) {
    out.loginError = String(error);
    return out;
  }
  if (!real || token === null) return out;
  const auth = { authorization: "Bearer " + token };
  try {
    const me = await fetch(base + "/whoami/", { credentials: "omit", headers: auth, signal: AbortSignal.timeout(timeoutMs) });
    out.whoamiStatus = me.status;
    const body = await me.json().catch(() => ({}));
    out.whoamiUsername = typeof body.username === "string" ? body.username : null;
  } catch (error) {
    out.whoamiError = String(error);
  }
  try {
    const res = await fetch(base + "/token/logout/", { method: "POST", credentials: "omit", headers: auth, signal: AbortSignal.timeout(timeoutMs) });
    out.logoutStatus = res.status;
  } catch (error) {
    out.logoutError = String(error);
  }
  return out;
}`;

/** The fix for one of Chromium's CORS console messages about a token request. */
function corsFix(message: string, spaOrigin: string): string {
  if (/Access-Control-Allow-Headers/.test(message))
    return "Allow the Authorization and Content-Type request headers in the preflight answer (latchkey's own CORS does; a proxy in front must not replace Access-Control-Allow-Headers).";
  if (/Access-Control-Allow-Origin/.test(message))
    return `Add "${spaOrigin}" to trustedOrigins (LATCHKEY_TRUSTED_ORIGINS), exactly: scheme, host and port.`;
  return "See docs/deployment.md, mode D with bearer tokens.";
}

function userChecks(flow: TokenFlow, user: DoctorUser): Check[] {
  const name = user.username;
  if (flow.loginStatus !== 200 || !flow.hasToken) {
    const { words, fix } = loginWords(name, flow.loginStatus, flow.loginCode, flow.loginDetail);
    return [
      {
        id: "browser-user-login",
        status: flow.loginCode === "throttled" ? "warn" : "fail",
        message: `In Chromium, ${name} cannot get a bearer token: ${flow.loginStatus === 200 ? "the answer carried no token" : words}.`,
        fix,
      },
    ];
  }
  const checks: Check[] = [
    {
      id: "browser-user-login",
      status: "ok",
      message: `In Chromium, ${name} logged in from the SPA's page with POST /token/login/ (200) and got a bearer token.`,
    },
  ];
  checks.push(
    flow.whoamiStatus === 200 && flow.whoamiUsername !== null
      ? {
          id: "browser-whoami",
          status: "ok",
          message: `whoami with Authorization: Bearer answered as ${flow.whoamiUsername}.`,
        }
      : {
          id: "browser-whoami",
          status: "fail",
          message: `After the token login, whoami with Authorization: Bearer answered ${flow.whoamiStatus ?? scrub(flow.whoamiError ?? "nothing", user.password)}: the SPA looks logged out on every request.`,
          fix: "Allow the Authorization request header in the API's CORS answers (see the checks above), and check that no proxy drops it.",
        },
  );
  checks.push(
    flow.logoutStatus !== null && flow.logoutStatus >= 200 && flow.logoutStatus < 300
      ? {
          id: "browser-logout",
          status: "ok",
          message: `POST /token/logout/ answered ${flow.logoutStatus}: the token is revoked.`,
        }
      : {
          id: "browser-logout",
          status: "fail",
          message: `POST /token/logout/ answered ${flow.logoutStatus ?? flow.logoutError ?? "nothing"}: the token the doctor got may still be live.`,
          fix: "Revoke it with latchkey sessions (or wait for it to expire).",
        },
  );
  return checks;
}

/**
 * Opens `spaUrl` in Chromium and runs a token-mode SPA's login against `apiBase`: made-up
 * credentials (refused only for them), or with `options.user` a real login, whoami and logout
 * with the bearer token. Rejects with {@link ChromiumMissingError} when Chromium is missing.
 */
export async function probeTokenInBrowser(
  spaUrl: string,
  apiBase: string,
  options: BrowserProbeOptions,
): Promise<Check[]> {
  const { browser, spaOrigin, base } = await launchDoctorChromium(spaUrl, apiBase, options);
  const checks: Check[] = [];
  try {
    const page = await (await browser.newContext()).newPage();
    const cors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" && /CORS policy/.test(message.text())) cors.push(message.text());
    });
    try {
      await page.goto(spaUrl, { waitUntil: "domcontentloaded", timeout: options.timeoutMs });
    } catch (error) {
      const why = error instanceof Error ? (error.message.split("\n")[0] ?? error.message) : String(error);
      return [
        {
          id: "browser-open",
          status: "fail",
          message: `Chromium could not open ${spaUrl}: ${why}.`,
          fix: "Give the URL of a page of the deployed SPA, reachable from this machine.",
        },
      ];
    }
    const run = async (username: string, password: string, real: boolean): Promise<TokenFlow> =>
      (await page.evaluate(
        `(${FLOW})(${JSON.stringify({ base, username, password, timeoutMs: options.timeoutMs, real })})`,
      )) as TokenFlow;
    const probe = await run(`doctor-${randomBytes(6).toString("hex")}`, randomBytes(12).toString("hex"), false);
    const user = options.user;
    const real = user === undefined || probe.loginError !== null ? null : await run(user.username, user.password, true);
    for (const message of [...new Set(cors)])
      checks.push({
        id: "browser-cors",
        status: "fail",
        message: `Chromium refused the API's answer: ${message}`,
        fix: corsFix(message, spaOrigin),
      });
    if (probe.loginError !== null)
      checks.push({
        id: "browser-login",
        status: "fail",
        message: `The SPA's token login request failed in Chromium: ${probe.loginError}.`,
        fix: "Check the API's CORS preflight answer for POST with Content-Type (and Authorization for the requests after login).",
      });
    else if (probe.loginStatus === 400)
      checks.push({
        id: "browser-login",
        status: "ok",
        message: `In Chromium, a token login attempt from ${spaOrigin} (no cookies) was refused only for its made-up credentials.`,
      });
    else
      checks.push({
        id: "browser-login",
        status: probe.loginStatus === 429 ? "warn" : "fail",
        message: `In Chromium, a token login attempt from ${spaOrigin} answered ${probe.loginStatus ?? "?"}${probe.loginDetail === null ? "" : `: ${probe.loginDetail}`}${probe.loginCode === null ? "" : ` (${probe.loginCode})`}.`,
        fix:
          probe.loginStatus === 429
            ? "Wait for the throttle window, then run the doctor again."
            : "See the token-login check above and docs/deployment.md (mode D with bearer tokens).",
      });
    if (real !== null && user !== undefined) checks.push(...userChecks(real, user));
  } finally {
    await browser.close();
  }
  return checks;
}
