import { existsSync } from "node:fs";
import { randomBytes } from "node:crypto";
import type { Browser, CDPSession, Page } from "playwright-core";
import { loginInBrowser, type DoctorUser } from "./browser-login.js";
import { explainReason } from "./browser-reasons.js";
import type { Check } from "./probe.js";

// `latchkey doctor --browser`: the SPA's page in Debian's Chromium (fresh profile), running the
// CSRF fetch and a login attempt with made-up credentials from the SPA's origin, as the SPA
// would; then Chromium's own reasons for each cookie it refused to store or to send
// (DevTools protocol: Network.responseReceivedExtraInfo blockedCookies,
// Network.requestWillBeSentExtraInfo associatedCookies, Audits cookie issues) and each CORS
// refusal (its console message), in plain words with the fix.

/** Debian's Chromium (`apt-get install chromium`). */
export const DEFAULT_CHROMIUM = "/usr/bin/chromium";

/** The switches: headless, no sandbox (containers), nothing that talks to Google. */
export const CHROMIUM_SWITCHES: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Chromium is not installed where it was looked for. */
export class ChromiumMissingError extends Error {
  constructor(path: string) {
    super(
      `--browser needs Chromium, and there is none at ${path}. Install it (apt-get install chromium) or pass --chromium <path>.`,
    );
    this.name = "ChromiumMissingError";
  }
}

/** Options of {@link probeInBrowser}. */
export interface BrowserProbeOptions {
  /** The Chromium executable. */
  chromium: string;
  /** Bound of each step (launch, page load, each fetch), in milliseconds. */
  timeoutMs: number;
  /** With `--user`: log this user in from the SPA's page, then whoami and logout. */
  user?: DoctorUser;
}

/**
 * Chromium for one doctor probe, launched with {@link CHROMIUM_SWITCHES}; also the SPA's
 * origin and the API base without trailing slashes. The caller closes the browser.
 * @throws {ChromiumMissingError} when there is no Chromium at `options.chromium`
 */
export async function launchDoctorChromium(
  spaUrl: string,
  apiBase: string,
  options: BrowserProbeOptions,
): Promise<{ browser: Browser; spaOrigin: string; base: string }> {
  if (!existsSync(options.chromium)) throw new ChromiumMissingError(options.chromium);
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: options.chromium,
    args: [...CHROMIUM_SWITCHES],
    timeout: options.timeoutMs,
  });
  return { browser, spaOrigin: new URL(spaUrl).origin, base: apiBase.replace(/\/+$/, "") };
}

/** What the page's script saw. */
interface FlowResult {
  csrfStatus: number | null;
  csrfError: string | null;
  tokenFrom: "header" | "cookie" | null;
  loginStatus: number | null;
  loginCode: string | null;
  loginDetail: string | null;
  loginError: string | null;
}

/** Runs in the SPA's page: the CSRF fetch, then a login for a user that does not exist. */
const FLOW = `async ({ base, username, password, timeoutMs }) => {
  const out = { csrfStatus: null, csrfError: null, tokenFrom: null, loginStatus: null, loginCode: null, loginDetail: null, loginError: null };
  let token = null;
  try {
    const res = await fetch(base + "/csrf/", { credentials: "include", signal: AbortSignal.timeout(timeoutMs) });
    out.csrfStatus = res.status;
    token = res.headers.get("x-csrftoken");
    if (token) out.tokenFrom = "header";
    else {
      const match = document.cookie.match(/(?:^|; )(?:__Host-)?csrftoken=([^;]+)/);
      if (match) { token = decodeURIComponent(match[1]); out.tokenFrom = "cookie"; }
    }
  } catch (error) {
    out.csrfError = String(error);
    return out;
  }
  try {
    const res = await fetch(base + "/login/", {
      method: "POST", credentials: "include", signal: AbortSignal.timeout(timeoutMs),
      headers: token ? { "content-type": "application/json", "x-csrftoken": token } : { "content-type": "application/json" },
      body: JSON.stringify({ username, password }),
    });
    out.loginStatus = res.status;
    const body = await res.json().catch(() => ({}));
    out.loginCode = typeof body.code === "string" ? body.code : null;
    out.loginDetail = typeof body.detail === "string" ? body.detail : null;
  } catch (error) {
    out.loginError = String(error);
  }
  return out;
}`;

/** One refused cookie, keyed so each (cookie, what, reason) is said once. */
interface Refusal {
  cookie: string;
  what: "store" | "send";
  reason: string;
  warning: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function nameOf(cookie: unknown, line: unknown): string {
  if (isRecord(cookie) && typeof cookie.name === "string") return cookie.name;
  return typeof line === "string" ? (line.split("=")[0] ?? "?").trim() : "?";
}

/** A Set-Cookie line that deletes its cookie. */
function isDeletion(line: unknown): boolean {
  return typeof line === "string" && /;\s*max-age=0\b/i.test(line);
}

/**
 * Records Chromium's reasons for refusing cookies on this page, and every Set-Cookie line the page's answers carried.
 */
async function watchCookies(cdp: CDPSession, refusals: Map<string, Refusal>, setCookieLines: string[]): Promise<void> {
  const add = (refusal: Refusal): void => {
    const key = `${refusal.cookie}|${refusal.what}|${refusal.reason.replace(/^(Exclude|Warn)/, "")}`;
    // Said once, under the Network domain's name (the Audits domain adds Exclude/Warn).
    if (!refusals.has(key)) refusals.set(key, { ...refusal, reason: refusal.reason.replace(/^(Exclude|Warn)/, "") });
  };
  await cdp.send("Network.enable");
  await cdp.send("Audits.enable");
  cdp.on("Network.responseReceivedExtraInfo", (event) => {
    for (const [name, value] of Object.entries(event.headers)) {
      if (name.toLowerCase() === "set-cookie" && typeof value === "string") setCookieLines.push(...value.split("\n"));
    }
    for (const blocked of event.blockedCookies) {
      // A deletion (logout's `sessionid=; Max-Age=0`) Chromium answers with SyntaxError when
      // the cookie is Partitioned; the server ended the session anyway, so it stops no login.
      if (isDeletion(blocked.cookieLine)) continue;
      for (const reason of strings(blocked.blockedReasons))
        add({ cookie: nameOf(blocked.cookie, blocked.cookieLine), what: "store", reason, warning: false });
    }
  });
  cdp.on("Network.requestWillBeSentExtraInfo", (event) => {
    for (const associated of event.associatedCookies) {
      for (const reason of strings(associated.blockedReasons))
        add({ cookie: nameOf(associated.cookie, undefined), what: "send", reason, warning: false });
    }
  });
  cdp.on("Audits.issueAdded", (event) => {
    const details = event.issue.details.cookieIssueDetails;
    if (details === undefined) return;
    const what = details.operation === "SetCookie" ? "store" : "send";
    if (isDeletion(details.rawCookieLine)) return;
    const cookie = nameOf(details.cookie, details.rawCookieLine);
    for (const reason of strings(details.cookieExclusionReasons)) add({ cookie, what, reason, warning: false });
    for (const reason of strings(details.cookieWarningReasons)) add({ cookie, what, reason, warning: true });
  });
}

/** The fix for one of Chromium's CORS console messages. */
function corsFix(message: string, spaOrigin: string): string {
  if (/Access-Control-Allow-Credentials/.test(message))
    return "Allow credentials (Access-Control-Allow-Credentials: true): leave CORS to latchkey (cors.enabled), or fix your own CORS layer.";
  if (/Access-Control-Allow-Headers/.test(message))
    return "Allow the X-CSRFToken and Content-Type request headers in the preflight answer (latchkey's own CORS does).";
  if (/Access-Control-Allow-Origin/.test(message))
    return `Add "${spaOrigin}" to trustedOrigins (LATCHKEY_TRUSTED_ORIGINS), exactly: scheme, host and port.`;
  return "See docs/deployment.md for this deployment mode.";
}

async function runFlow(
  page: Page,
  cdp: CDPSession,
  spaUrl: string,
  base: string,
  timeoutMs: number,
): Promise<{ flow: FlowResult | null; opened: string | null }> {
  try {
    await page.goto(spaUrl, { waitUntil: "domcontentloaded", timeout: timeoutMs });
  } catch (error) {
    return {
      flow: null,
      opened: error instanceof Error ? (error.message.split("\n")[0] ?? error.message) : String(error),
    };
  }
  const args = {
    base,
    username: `doctor-${randomBytes(6).toString("hex")}`,
    password: randomBytes(12).toString("hex"),
    timeoutMs,
  };
  const flow = (await page.evaluate(`(${FLOW})(${JSON.stringify(args)})`)) as FlowResult;
  // One more round trip on the DevTools session, so the events of the fetches above are in.
  await cdp.send("Runtime.evaluate", { expression: "0" });
  return { flow, opened: null };
}

/**
 * Opens `spaUrl` in Chromium and runs the SPA's CSRF fetch and a login attempt (made-up
 * credentials: it must fail on them, not on CSRF or CORS) against `apiBase`; resolves to the
 * browser's findings. Rejects with {@link ChromiumMissingError} when Chromium is missing.
 */
export async function probeInBrowser(spaUrl: string, apiBase: string, options: BrowserProbeOptions): Promise<Check[]> {
  const { browser, spaOrigin, base } = await launchDoctorChromium(spaUrl, apiBase, options);
  const checks: Check[] = [];
  const add = (check: Check): void => void checks.push(check);
  try {
    // A fresh profile: no cookies, no site settings of anyone's.
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    const refusals = new Map<string, Refusal>();
    const setCookieLines: string[] = [];
    await watchCookies(cdp, refusals, setCookieLines);
    const cors: string[] = [];
    const csp: string[] = [];
    page.on("console", (message) => {
      if (message.type() !== "error") return;
      if (/CORS policy/.test(message.text())) cors.push(message.text());
      else if (/Content Security Policy/.test(message.text())) csp.push(message.text());
    });
    const { flow, opened } = await runFlow(page, cdp, spaUrl, base, options.timeoutMs);
    if (flow === null) {
      add({
        id: "browser-open",
        status: "fail",
        message: `Chromium could not open ${spaUrl}: ${opened ?? "no answer"}.`,
        fix: "Give the URL of a page of the deployed SPA, reachable from this machine.",
      });
      return checks;
    }
    // The real login runs before the refusals are read, so the session cookie's are among them.
    // What the CSRF flow left in the jar, before the login and logout change it.
    const flowLines = setCookieLines.length;
    const stored = new Set((await context.cookies()).map((c) => c.name));
    const settle = async (): Promise<void> => void (await cdp.send("Runtime.evaluate", { expression: "0" }));
    const userChecks =
      options.user === undefined || flow.csrfError !== null
        ? []
        : await loginInBrowser(page, context, base, options.user, options.timeoutMs, setCookieLines, settle);
    for (const message of [...new Set(csp)])
      add({
        id: "browser-csp",
        status: "fail",
        message: `Chromium refused a request of the SPA's page: ${message}`,
        fix: `Allow the API in the SPA's Content-Security-Policy (connect-src ${new URL(base).origin}), and give a page of the SPA, not of the API.`,
      });
    for (const message of [...new Set(cors)])
      add({
        id: "browser-cors",
        status: "fail",
        message: `Chromium refused the API's answer: ${message}`,
        fix: corsFix(message, spaOrigin),
      });
    for (const refusal of refusals.values()) {
      const { words, fix } = explainReason(refusal.reason);
      const did = refusal.what === "store" ? "refused to store" : "did not send";
      add({
        id: "browser-cookie",
        status: refusal.warning ? "warn" : "fail",
        message: `Chromium ${refusal.warning ? "warns it will refuse" : did} the cookie ${refusal.cookie}${refusal.warning ? "" : refusal.what === "send" ? " with the SPA's request" : ""}: ${words} (${refusal.reason}).`,
        fix,
      });
    }
    // A cookie the API set that is neither in the jar nor refused with a reason: Chromium drops
    // some silently (a Partitioned cookie without Secure, for one).
    const refused = new Set([...refusals.values()].filter((r) => r.what === "store").map((r) => r.cookie));
    for (const line of new Set(setCookieLines.slice(0, flowLines))) {
      const name = (line.split("=")[0] ?? "").trim();
      if (name === "" || stored.has(name) || refused.has(name) || /;\s*max-age=0\b/i.test(line)) continue;
      const partitionedInsecure = /;\s*partitioned\b/i.test(line) && !/;\s*secure\b/i.test(line);
      add({
        id: "browser-cookie",
        status: "fail",
        message: `Chromium dropped the cookie ${name} without giving a reason${partitionedInsecure ? ": it is Partitioned but not Secure, and Chromium keeps Partitioned cookies only when Secure" : ""} (Set-Cookie: ${line.replace(/=[^;]*/, "=…")}).`,
        fix: partitionedInsecure
          ? 'Serve the API over HTTPS with cookies.secure "always", and check that no proxy strips Secure from Set-Cookie.'
          : "Check the Set-Cookie attributes against docs/deployment.md, and that no proxy rewrites them.",
      });
    }
    if (flow.csrfError !== null) {
      if (cors.length === 0 && csp.length === 0)
        add({
          id: "browser-csrf",
          status: "fail",
          message: `The SPA's page could not fetch ${base}/csrf/: ${flow.csrfError}.`,
          fix: "Check that the API is reachable from the browser at --api.",
        });
    } else if (flow.loginError !== null) {
      if (cors.length === 0 && csp.length === 0)
        add({
          id: "browser-login",
          status: "fail",
          message: `The SPA's login request failed in Chromium: ${flow.loginError}.`,
          fix: "Check the API's CORS preflight answer for POST with X-CSRFToken.",
        });
    } else if (flow.loginStatus === 400) {
      add({
        id: "browser-login",
        status: "ok",
        message: `In Chromium, a login attempt from ${spaOrigin} (CSRF token from the ${flow.tokenFrom ?? "nowhere"}) passed the CSRF checks and was refused only for its made-up credentials.`,
      });
    } else {
      const detail = `${flow.loginStatus ?? "?"}${flow.loginDetail === null ? "" : `: ${flow.loginDetail}`}${flow.loginCode === null ? "" : ` (${flow.loginCode})`}`;
      const cookieCause = checks.some((c) => c.id === "browser-cookie" && c.status === "fail")
        ? " The refused cookies above are why."
        : "";
      add({
        id: "browser-login",
        status: flow.loginStatus === 429 ? "warn" : "fail",
        message: `In Chromium, a login attempt from ${spaOrigin} answered ${detail}.${cookieCause}`,
        fix:
          flow.loginStatus === 429
            ? "Wait for the throttle window, then run the doctor again."
            : "Fix the refused cookies or CSRF settings named above (docs/deployment.md).",
      });
    }
    checks.push(...userChecks);
  } finally {
    await browser.close();
  }
  return checks;
}
