/**
 * The small driver abstraction the browser tests run on, so that one description of each
 * deployment check runs in Chromium (playwright-core over CDP), Firefox ESR (puppeteer-core
 * over WebDriver BiDi) and WebKitGTK (selenium-webdriver over classic WebDriver). It offers
 * only what the checks use: pages addressed by `data-testid`, script evaluation, the stored
 * cookies with their partition, screenshots and what the engine can say about failures.
 */

/** The three engines, by the name the docs' per-engine table uses. */
export type EngineName = "chromium" | "firefox" | "webkit";

/** A stored cookie, as every engine reports it. */
export interface StoredCookie {
  readonly name: string;
  readonly value: string;
  /** Host (host-only cookie) or `.domain`. */
  readonly domain: string;
  readonly httpOnly: boolean;
  readonly secure: boolean;
  /**
   * The top-level site the cookie is kept for when the browser partitioned it (CHIPS in
   * Chromium; Total Cookie Protection in Firefox), e.g. `https://example.test`; null when it
   * lives in its own site's jar.
   */
  readonly partitionKey: string | null;
}

/** What the engine could observe about a page's failures. */
export interface PageDiagnostics {
  /**
   * `name: reason+reason` for each Set-Cookie the browser refused to store, or null when
   * the engine does not say (Chromium says it over CDP, Firefox in its console; WebKit over classic WebDriver cannot).
   */
  readonly refusedSetCookies: readonly string[] | null;
  /**
   * Console errors and warnings, or null when the engine's driver cannot read the console (WebKit over classic
   * WebDriver).
   */
  readonly console: readonly string[] | null;
  /** Uncaught exceptions of the page (null: the engine cannot report them). */
  readonly pageErrors: readonly string[] | null;
  summary(): string;
}

/** One tab of a {@link BrowserSession}. Elements are addressed by their `data-testid`. */
export interface BrowserPage {
  readonly diagnostics: PageDiagnostics;
  /** Navigates and waits for the load event. */
  goto(url: string): Promise<void>;
  reload(): Promise<void>;
  /** The URL of the document shown. */
  url(): Promise<string>;
  /** Waits (bounded) until the element is present and visible. */
  waitForTestId(testId: string, timeoutMs: number): Promise<void>;
  /** Waits until visible, then its rendered text, trimmed. */
  textOf(testId: string, timeoutMs: number): Promise<string>;
  /** Types `value` into the input (replacing what it held), as a user would. */
  fill(testId: string, value: string): Promise<void>;
  click(testId: string): Promise<void>;
  /** Evaluates a script expression in the page (a string: this package compiles without DOM types). */
  evaluate(expression: string): Promise<unknown>;
  /** Waits (bounded) until the expression is truthy in the page. */
  waitForTrue(expression: string, timeoutMs: number): Promise<void>;
  /**
   * Navigates to `url` (a page that submits a form) and resolves with the HTTP status of the
   * response to `responseUrl`, or null when the engine cannot see responses (classic WebDriver).
   */
  gotoExpectingResponse(url: string, responseUrl: string, timeoutMs: number): Promise<number | null>;
  screenshot(path: string): Promise<void>;
  close(): Promise<void>;
}

/** A fresh, empty browsing session (cookies, storage, cache): a context, a user context, a WebDriver session. */
export interface BrowserSession {
  newPage(): Promise<BrowserPage>;
  /**
   * Every cookie stored for the host of `cookieOrigin` (the API's origin), with its
   * partition, as seen after visiting `topLevelUrl` (the SPA's page, whose site partitioned
   * cookies are kept for).
   */
  cookies(cookieOrigin: string, topLevelUrl: string): Promise<StoredCookie[]>;
  close(): Promise<void>;
}

/** What {@link Engine.launch} starts. */
export interface LaunchOptions {
  /**
   * Allow third-party cookies, as a user who turned off the browser's blocking (mode D2).
   * @default false
   */
  thirdPartyCookies?: boolean;
  /** A folder of the test's fixture the engine may use for its profile. */
  profileDir: string;
}

/** One launched browser (one per engine per test file). */
export interface EngineBrowser {
  newSession(): Promise<BrowserSession>;
  close(): Promise<void>;
}

/** One engine and how to start it. */
export interface Engine {
  readonly name: EngineName;
  /** e.g. `Firefox ESR (puppeteer-core, WebDriver BiDi)`. */
  readonly label: string;
  /** The programs it drives, for the skip (or, under CI=true, failure) when one is missing. */
  readonly programs: readonly string[];
  launch(options: LaunchOptions): Promise<EngineBrowser>;
}

/** `[data-testid="<id>"]`, quoted for CSS. */
export function testIdSelector(testId: string): string {
  return `[data-testid=${JSON.stringify(testId)}]`;
}

/** A script expression: is the element with `testId` present and rendered (not display:none, not empty-sized)? */
export function visibleExpression(testId: string): string {
  return `(() => { const e = document.querySelector(${JSON.stringify(testIdSelector(testId))}); return e !== null && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden"; })()`;
}

/** A script expression: the element's rendered text, trimmed. */
export function textExpression(testId: string): string {
  return `(document.querySelector(${JSON.stringify(testIdSelector(testId))})?.innerText ?? "").trim()`;
}

/** The summary line of a {@link PageDiagnostics}. */
export function summarize(diagnostics: Omit<PageDiagnostics, "summary">): string {
  const show = (value: readonly string[] | null): string =>
    value === null ? "(not reported by this engine)" : JSON.stringify(value);
  return `refused Set-Cookie: ${show(diagnostics.refusedSetCookies)}; console: ${show(diagnostics.console)}; page errors: ${show(diagnostics.pageErrors)}`;
}
