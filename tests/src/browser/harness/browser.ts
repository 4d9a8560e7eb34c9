import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { findProgram, requireProgram } from "@latchkey/testkit";

/** Debian's Chromium (`apt-get install chromium`); Playwright's own download is not used. */
export const CHROMIUM = "/usr/bin/chromium";

/**
 * The exact switches of the browser tests. The last one gives real site names to loopback
 * servers: `*.example.test` and `*.example.net` resolve to 127.0.0.1, so `app.example.test`
 * and `api.example.net` are two different sites, as in production, without leaving the machine.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--host-resolver-rules=MAP *.example.test 127.0.0.1, MAP *.example.net 127.0.0.1",
];

/** The screenshot size: small enough for the README. */
export const VIEWPORT = Object.freeze({ width: 900, height: 600 });

/** Debian puts nginx in /usr/sbin, which is not on every user's PATH. */
const SYSTEM_DIRECTORIES = ["/usr/sbin", "/usr/bin", "/sbin"];

/** The absolute path of `name`: on PATH, else in the system folders, else null. */
export function programPath(name: string): string | null {
  if (name === "chromium") return existsSync(CHROMIUM) ? CHROMIUM : null;
  return findProgram(name) ?? SYSTEM_DIRECTORIES.map((dir) => join(dir, name)).find((path) => existsSync(path)) ?? null;
}

/**
 * `false` when the programs a browser test drives are installed; else, per SPEC §9, a loud
 * skip reason naming them, or (under `CI=true`) an exception that fails the file.
 */
export function browserTestSkip(...programs: string[]): string | false {
  const missing = programs.filter((name) => programPath(name) === null);
  return missing.length === 0 ? false : requireProgram(...missing);
}

/** One Chromium for a test file; each test makes its own context with {@link newTestContext}. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
}

/**
 * A fresh, empty context (cookies, storage, cache): nothing leaks between tests.
 * `ignoreHTTPSErrors` accepts the self-signed certificate the test made.
 */
export function newTestContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ ignoreHTTPSErrors: true, viewport: VIEWPORT });
}

/**
 * A browser that allows third-party cookies, as a user who turned off "block third-party
 * cookies" (Chrome's setting). This Chromium blocks them by default (profile pref
 * `profile.cookie_controls_mode` = 1), and no switch or CDP call relaxes that; a profile
 * whose `Default/Preferences` says `cookie_controls_mode: 0` does, and only through
 * `launchPersistentContext` (docs/research: browser-cookies.md). The profile lives in
 * `profileDir`, so nothing machine-wide (such as /etc/chromium/policies) is touched.
 */
export function launchWithThirdPartyCookies(profileDir: string): Promise<BrowserContext> {
  mkdirSync(join(profileDir, "Default"), { recursive: true });
  writeFileSync(join(profileDir, "Default", "Preferences"), JSON.stringify({ profile: { cookie_controls_mode: 0 } }));
  return chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, args: [...CHROMIUM_ARGS], ignoreHTTPSErrors: true, viewport: VIEWPORT });
}

/** Why Chromium refused or withheld cookies, from CDP (the console says nothing about it). */
export interface CookieDiagnostics {
  /** `name: reason+reason` for each Set-Cookie the browser refused to store. */
  readonly refusedSetCookies: readonly string[];
  /** Messages the page logged to the console (type `error` and `warning`). */
  readonly console: readonly string[];
  /** Uncaught exceptions of the page. */
  readonly pageErrors: readonly string[];
  summary(): string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Records, for one page, the `blockedCookies` of `Network.responseReceivedExtraInfo` (the
 * only place Chromium says why a Set-Cookie was dropped: `UserPreferences` for a blocked
 * third-party cookie, `SameSiteNoneInsecure`, `SecureOnly`, …), console errors and page errors.
 */
export async function watchCookies(context: BrowserContext, page: Page): Promise<CookieDiagnostics> {
  const refusedSetCookies: string[] = [];
  const consoleLines: string[] = [];
  const pageErrors: string[] = [];
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  cdp.on("Network.responseReceivedExtraInfo", (event: unknown) => {
    if (!isRecord(event) || !Array.isArray(event.blockedCookies)) return;
    for (const blocked of event.blockedCookies) {
      if (!isRecord(blocked) || !Array.isArray(blocked.blockedReasons)) continue;
      const cookie = isRecord(blocked.cookie) && typeof blocked.cookie.name === "string" ? blocked.cookie.name : String(blocked.cookieLine ?? "?").split("=")[0];
      refusedSetCookies.push(`${cookie ?? "?"}: ${blocked.blockedReasons.map(String).join("+")}`);
    }
  });
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") consoleLines.push(message.text());
  });
  page.on("pageerror", (error) => pageErrors.push(error.message));
  return {
    refusedSetCookies,
    console: consoleLines,
    pageErrors,
    summary: () =>
      `refused Set-Cookie: ${JSON.stringify(refusedSetCookies)}; console: ${JSON.stringify(consoleLines)}; page errors: ${JSON.stringify(pageErrors)}`,
  };
}
