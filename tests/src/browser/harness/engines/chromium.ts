import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import {
  summarize,
  type BrowserPage,
  type BrowserSession,
  type Engine,
  type EngineBrowser,
  type PageDiagnostics,
} from "./engine.js";

/** Debian's Chromium (`apt-get install chromium`); Playwright's own download is not used. */
export const CHROMIUM = "/usr/bin/chromium";

/**
 * The exact switches of the browser tests. The last one gives real site names to loopback
 * servers: `*.example.test`, `*.example.net` and `*.example.com` resolve to 127.0.0.1, so
 * `app.example.test` and `api.example.net` are two different sites, as in production,
 * without leaving the machine.
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
  "--host-resolver-rules=MAP *.example.test 127.0.0.1, MAP *.example.net 127.0.0.1, MAP *.example.com 127.0.0.1",
];

/** The screenshot size: small enough for the README. */
export const VIEWPORT = Object.freeze({ width: 900, height: 600 });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Records, for one page, the `blockedCookies` of `Network.responseReceivedExtraInfo` (the
 * only place Chromium says why a Set-Cookie was dropped: `UserPreferences` for a blocked
 * third-party cookie, `SameSiteNoneInsecure`, `SecureOnly`, …), console errors and page errors.
 */
async function watchPage(context: BrowserContext, page: Page): Promise<PageDiagnostics> {
  const refusedSetCookies: string[] = [];
  const consoleLines: string[] = [];
  const pageErrors: string[] = [];
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  cdp.on("Network.responseReceivedExtraInfo", (event: unknown) => {
    if (!isRecord(event) || !Array.isArray(event.blockedCookies)) return;
    for (const blocked of event.blockedCookies) {
      if (!isRecord(blocked) || !Array.isArray(blocked.blockedReasons)) continue;
      const cookie =
        isRecord(blocked.cookie) && typeof blocked.cookie.name === "string"
          ? blocked.cookie.name
          : String(blocked.cookieLine ?? "?").split("=")[0];
      refusedSetCookies.push(`${cookie ?? "?"}: ${blocked.blockedReasons.map(String).join("+")}`);
    }
  });
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") consoleLines.push(message.text());
  });
  page.on("pageerror", (error) => pageErrors.push(error.message));
  const diagnostics = { refusedSetCookies, console: consoleLines, pageErrors };
  return { ...diagnostics, summary: () => summarize(diagnostics) };
}

function wrapPage(page: Page, diagnostics: PageDiagnostics): BrowserPage {
  return {
    diagnostics,
    goto: async (url) => {
      await page.goto(url);
    },
    reload: async () => {
      await page.reload();
    },
    url: () => Promise.resolve(page.url()),
    waitForTestId: (testId, timeoutMs) => page.getByTestId(testId).waitFor({ state: "visible", timeout: timeoutMs }),
    textOf: async (testId, timeoutMs) => {
      const locator = page.getByTestId(testId);
      await locator.waitFor({ state: "visible", timeout: timeoutMs });
      return (await locator.innerText()).trim();
    },
    fill: (testId, value) => page.getByTestId(testId).fill(value),
    click: (testId) => page.getByTestId(testId).click(),
    evaluate: (expression) => page.evaluate(expression),
    waitForTrue: async (expression, timeoutMs) => {
      await page.waitForFunction(expression, undefined, { timeout: timeoutMs });
    },
    gotoExpectingResponse: async (url, responseUrl, timeoutMs) => {
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url() === responseUrl, { timeout: timeoutMs }),
        page.goto(url),
      ]);
      return response.status();
    },
    screenshot: async (path) => {
      await page.screenshot({ path });
    },
    close: () => page.close(),
  };
}

function wrapContext(context: BrowserContext): BrowserSession {
  return {
    newPage: async () => {
      const page = await context.newPage();
      return wrapPage(page, await watchPage(context, page));
    },
    cookies: async (cookieOrigin) => {
      const host = new URL(cookieOrigin).hostname;
      return (await context.cookies())
        .filter((c) => c.domain === host || c.domain === `.${host}`)
        .map((c) => ({
          name: c.name,
          value: c.value,
          domain: c.domain,
          httpOnly: c.httpOnly,
          secure: c.secure,
          partitionKey: c.partitionKey ?? null,
        }));
    },
    close: () => context.close(),
  };
}

/**
 * A profile that allows third-party cookies, as a user who turned off "block third-party
 * cookies" (Chrome's setting). This Chromium blocks them by default (profile pref
 * `profile.cookie_controls_mode` = 1), and no switch or CDP call relaxes that; a profile
 * whose `Default/Preferences` says `cookie_controls_mode: 0` does, and only through
 * `launchPersistentContext` (research: browser-cookies.md). The profile lives in
 * `profileDir`, so nothing machine-wide (such as /etc/chromium/policies) is touched.
 */
async function launchWithThirdPartyCookies(profileDir: string): Promise<EngineBrowser> {
  mkdirSync(join(profileDir, "Default"), { recursive: true });
  writeFileSync(join(profileDir, "Default", "Preferences"), JSON.stringify({ profile: { cookie_controls_mode: 0 } }));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS],
    ignoreHTTPSErrors: true,
    viewport: VIEWPORT,
  });
  const session = wrapContext(context);
  return {
    // launchPersistentContext is a browser and its one context in one.
    newSession: () => Promise.resolve({ ...session, close: () => Promise.resolve() }),
    close: () => context.close(),
  };
}

/** Chromium through playwright-core (CDP). */
export const CHROMIUM_ENGINE: Engine = {
  name: "chromium",
  label: "Chromium (playwright-core, CDP)",
  programs: ["chromium"],
  async launch(options) {
    if (options.thirdPartyCookies === true) return launchWithThirdPartyCookies(options.profileDir);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
    return {
      // `ignoreHTTPSErrors` accepts the self-signed certificate the test made.
      newSession: async () => wrapContext(await browser.newContext({ ignoreHTTPSErrors: true, viewport: VIEWPORT })),
      close: () => browser.close(),
    };
  },
};

/**
 * One Chromium for a Chromium-only test file that needs Playwright's own API (cookies added
 * by hand, page navigation); each test makes its own context with {@link newTestContext}.
 */
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
