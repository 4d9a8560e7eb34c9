import { writeFile } from "node:fs/promises";
import puppeteer, { type Browser, type BrowserContext, type Page } from "puppeteer-core";
import {
  summarize,
  testIdSelector,
  textExpression,
  type BrowserPage,
  type BrowserSession,
  type Engine,
  type PageDiagnostics,
  type StoredCookie,
} from "./engine.js";
import { siteOf } from "./site.js";

/**
 * Debian's Firefox ESR (`apt-get install firefox-esr`); puppeteer's own download is not used
 * (PUPPETEER_SKIP_DOWNLOAD=1).
 */
export const FIREFOX = "/usr/bin/firefox-esr";

/** The test host names, which Firefox then resolves to 127.0.0.1 itself (no /etc/hosts). */
const LOCAL_DOMAINS = ["app.example.test", "api.example.test", "api.example.net", "app.example.com", "api.example.com"];

const VIEWPORT = Object.freeze({ width: 900, height: 600 });

/** One BiDi command, sent on puppeteer's own connection to the browser. */
type BidiSend = (method: string, params: Record<string, unknown>) => Promise<unknown>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * puppeteer's BiDi browser keeps its WebDriver BiDi connection as `connection`; the cookie
 * partitions are only visible through the raw `storage.getCookies` command.
 */
function bidiSend(browser: Browser): BidiSend {
  const connection: unknown = (browser as unknown as { connection?: unknown }).connection;
  if (!isRecord(connection) || typeof connection.send !== "function")
    throw new Error("puppeteer's Firefox browser has no BiDi connection");
  const send = connection.send as (method: string, params: Record<string, unknown>) => Promise<unknown>;
  return (method, params) => send.call(connection, method, params);
}

interface BidiCookie {
  name: string;
  domain: string;
  path: string;
  value: string;
  httpOnly: boolean;
  secure: boolean;
}

/** `storage.getCookies` in one user context, in one partition (sourceOrigin) or, without it, in all. */
async function bidiCookies(send: BidiSend, userContext: string, sourceOrigin?: string): Promise<BidiCookie[]> {
  const partition: Record<string, unknown> = { type: "storageKey", userContext };
  if (sourceOrigin !== undefined) partition.sourceOrigin = sourceOrigin;
  const reply = await send("storage.getCookies", { partition });
  const result = isRecord(reply) && isRecord(reply.result) ? reply.result : {};
  const cookies = Array.isArray(result.cookies) ? result.cookies : [];
  return cookies.filter(isRecord).map((c) => ({
    name: String(c.name),
    domain: String(c.domain),
    path: String(c.path),
    value: isRecord(c.value) ? String(c.value.value) : "",
    httpOnly: c.httpOnly === true,
    secure: c.secure === true,
  }));
}

/**
 * The cookies of `cookieHost` with their partition. Firefox (Total Cookie Protection) keeps a
 * cookie set in a third-party context in a jar keyed by the top-level site: a cookie found in
 * the host's own first-party jar is unpartitioned, one found only under the page's site is
 * partitioned for that site.
 */
async function partitionedCookies(
  send: BidiSend,
  userContext: string,
  cookieHost: string,
  topLevelUrl: string,
): Promise<StoredCookie[]> {
  const scheme = new URL(topLevelUrl).protocol;
  const forHost = (c: BidiCookie): boolean => c.domain === cookieHost || c.domain === `.${cookieHost}`;
  const all = (await bidiCookies(send, userContext)).filter(forHost);
  const own = (await bidiCookies(send, userContext, `${scheme}//${cookieHost}`)).filter(forHost);
  const key = (c: BidiCookie): string => `${c.name}\n${c.domain}\n${c.path}`;
  const firstParty = new Set(own.map(key));
  const topSite = siteOf(topLevelUrl);
  return all.map((c) => ({
    name: c.name,
    value: c.value,
    domain: c.domain,
    httpOnly: c.httpOnly,
    secure: c.secure,
    partitionKey: firstParty.has(key(c)) ? null : topSite,
  }));
}

/** Firefox's console line for a refused Set-Cookie: `Cookie “csrftoken” has been rejected because …`. */
const REFUSED_COOKIE = /^Cookie “([^”]+)” has been rejected (?:because )?(.*?)\.?$/;

/** Firefox console-service messages that Chromium reports as console lines, not page errors. */
const CONSOLE_SERVICE_MESSAGE = /^(?:Cross-Origin Request Blocked:|Content-Security-Policy:)/;

/**
 * Firefox reports its own console-service messages (a refused cookie, a CORS refusal, a
 * Content-Security-Policy block) as BiDi `javascript` log entries, which puppeteer turns into
 * page errors. They are sorted out here: a refused cookie as `name: reason` (what Chromium
 * says over CDP), a CORS refusal or a CSP block as a console line (as Chromium has them: for
 * example the favicon request of an API answer opened as a page, which that answer's
 * `default-src 'none'` refuses); only real exceptions stay page errors.
 */
function watchPage(page: Page): PageDiagnostics {
  const refusedSetCookies: string[] = [];
  const consoleLines: string[] = [];
  const pageErrors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warn") consoleLines.push(message.text());
  });
  page.on("pageerror", (error) => {
    const message = error instanceof Error ? error.message : String(error);
    const refused = REFUSED_COOKIE.exec(message);
    if (refused !== null) refusedSetCookies.push(`${refused[1] ?? "?"}: ${refused[2] ?? ""}`);
    else if (CONSOLE_SERVICE_MESSAGE.test(message)) consoleLines.push(message);
    else pageErrors.push(message);
  });
  const diagnostics = { refusedSetCookies, console: consoleLines, pageErrors };
  return { ...diagnostics, summary: () => summarize(diagnostics) };
}

function wrapPage(page: Page): BrowserPage {
  const diagnostics = watchPage(page);
  return {
    diagnostics,
    goto: async (url) => {
      await page.goto(url);
    },
    reload: async () => {
      await page.reload();
    },
    url: () => Promise.resolve(page.url()),
    waitForTestId: async (testId, timeoutMs) => {
      await page.waitForSelector(testIdSelector(testId), { visible: true, timeout: timeoutMs });
    },
    textOf: async (testId, timeoutMs) => {
      await page.waitForSelector(testIdSelector(testId), { visible: true, timeout: timeoutMs });
      return String(await page.evaluate(textExpression(testId)));
    },
    fill: (testId, value) => page.locator(testIdSelector(testId)).fill(value),
    click: (testId) => page.locator(testIdSelector(testId)).click(),
    evaluate: (expression) => page.evaluate(expression),
    waitForTrue: async (expression, timeoutMs) => {
      await page.waitForFunction(expression, { timeout: timeoutMs });
    },
    gotoExpectingResponse: async (url, responseUrl, timeoutMs) => {
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url() === responseUrl, { timeout: timeoutMs }),
        page.goto(url),
      ]);
      return response.status();
    },
    screenshot: async (path) => {
      await writeFile(path, await page.screenshot());
    },
    close: () => page.close(),
  };
}

function wrapContext(browser: Browser, context: BrowserContext): BrowserSession {
  const send = bidiSend(browser);
  return {
    newPage: async () => {
      const page = await context.newPage();
      await page.setViewport(VIEWPORT);
      return wrapPage(page);
    },
    cookies: async (cookieOrigin, topLevelUrl) => {
      if (context.id === undefined) throw new Error("the Firefox context has no id");
      return partitionedCookies(send, context.id, new URL(cookieOrigin).hostname, topLevelUrl);
    },
    close: () => context.close(),
  };
}

/**
 * Firefox ESR through puppeteer-core over WebDriver BiDi, truly headless. Its default cookie
 * behaviour is Total Cookie Protection (`network.cookie.cookieBehavior` 5): third-party
 * cookies are kept, partitioned by the top-level site. `thirdPartyCookies` sets it to 0
 * (accept all, unpartitioned), Firefox's "Custom → Cookies: none blocked".
 */
export const FIREFOX_ENGINE: Engine = {
  name: "firefox",
  label: "Firefox ESR (puppeteer-core, WebDriver BiDi)",
  programs: ["firefox-esr"],
  async launch(options) {
    const prefs: Record<string, unknown> = { "network.dns.localDomains": LOCAL_DOMAINS.join(",") };
    if (options.thirdPartyCookies === true) prefs["network.cookie.cookieBehavior"] = 0;
    const browser = await puppeteer.launch({
      browser: "firefox",
      executablePath: FIREFOX,
      headless: true,
      // The self-signed certificate the test made (else MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT).
      acceptInsecureCerts: true,
      userDataDir: options.profileDir,
      extraPrefsFirefox: prefs,
    });
    return {
      newSession: async () => wrapContext(browser, await browser.createBrowserContext()),
      close: () => browser.close(),
    };
  },
};
