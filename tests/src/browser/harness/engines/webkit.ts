import { writeFile } from "node:fs/promises";
import { Builder, By, type WebDriver } from "selenium-webdriver";
import { startChild, type RunningChild } from "../child-process.js";
import { freePort, waitForPort } from "../ports.js";
import {
  summarize,
  testIdSelector,
  textExpression,
  visibleExpression,
  type BrowserPage,
  type BrowserSession,
  type Engine,
  type EngineBrowser,
} from "./engine.js";
import { startHostProxy } from "./host-proxy.js";

/** The WebKitGTK browser that Debian's `webkit2gtk-driver` drives (from `libwebkit2gtk-4.1-0`). */
export const MINIBROWSER = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";

/** Size of the virtual screen; MiniBrowser has no headless mode and needs an X display. */
const SCREEN = "1280x1024x24";

/**
 * Starts Xvfb on a display number it picks itself (`-displayfd 1` prints it on stdout), so
 * engineers and CI jobs sharing the machine never collide on `:99`.
 */
async function startXvfb(): Promise<{ display: string; process: RunningChild }> {
  const xvfb = startChild("Xvfb", ["-displayfd", "1", "-screen", "0", SCREEN, "-nolisten", "tcp"], {
    cwd: "/",
    env: {},
  });
  const line = await xvfb.waitForLine("Xvfb to print its display number", (l) => /^\d+$/.test(l.text.trim()), 30_000);
  return { display: `:${line.text.trim()}`, process: xvfb };
}

/** One session's windows: classic WebDriver talks to one window at a time. */
interface Windows {
  focused: string;
  open: Set<string>;
}

async function focus(driver: WebDriver, windows: Windows, handle: string): Promise<void> {
  if (windows.focused === handle) return;
  await driver.switchTo().window(handle);
  windows.focused = handle;
}

async function waitForScript(driver: WebDriver, expression: string, timeoutMs: number, what: string): Promise<void> {
  await driver.wait(
    async () => (await driver.executeScript<unknown>(`return Boolean(${expression});`)) === true,
    timeoutMs,
    `Timed out after ${timeoutMs} ms waiting for ${what}`,
  );
}

function wrapWindow(driver: WebDriver, windows: Windows, handle: string): BrowserPage {
  const on = async (): Promise<void> => focus(driver, windows, handle);
  const element = async (testId: string): Promise<ReturnType<WebDriver["findElement"]>> => {
    await on();
    await waitForScript(driver, visibleExpression(testId), 30_000, `${testId} to be visible`);
    return driver.findElement(By.css(testIdSelector(testId)));
  };
  // Classic WebDriver has no console or exception events.
  const diagnostics = { refusedSetCookies: null, console: null, pageErrors: null };
  return {
    diagnostics: { ...diagnostics, summary: () => summarize(diagnostics) },
    goto: async (url) => {
      await on();
      await driver.get(url);
    },
    reload: async () => {
      await on();
      await driver.navigate().refresh();
    },
    url: async () => {
      await on();
      return driver.getCurrentUrl();
    },
    waitForTestId: async (testId, timeoutMs) => {
      await on();
      await waitForScript(driver, visibleExpression(testId), timeoutMs, `${testId} to be visible`);
    },
    textOf: async (testId, timeoutMs) => {
      await on();
      await waitForScript(driver, visibleExpression(testId), timeoutMs, `${testId} to be visible`);
      return String(await driver.executeScript<unknown>(`return ${textExpression(testId)};`));
    },
    fill: async (testId, value) => {
      const input = await element(testId);
      // Empty it, then type: real key events, so React sees each change.
      await input.clear();
      await input.sendKeys(value);
    },
    click: async (testId) => {
      await (await element(testId)).click();
    },
    evaluate: async (expression) => {
      await on();
      return driver.executeScript<unknown>(`return (${expression});`);
    },
    waitForTrue: async (expression, timeoutMs) => {
      await on();
      await waitForScript(driver, expression, timeoutMs, expression);
    },
    gotoExpectingResponse: async (url, responseUrl, timeoutMs) => {
      await on();
      await driver.get(url);
      // The form submits itself: wait until its answer is the document shown. WebDriver
      // classic cannot see the response's status (null); the caller reads the document.
      await driver.wait(
        async () => (await driver.getCurrentUrl()) === responseUrl,
        timeoutMs,
        `Timed out waiting for the navigation to ${responseUrl}`,
      );
      return null;
    },
    screenshot: async (path) => {
      await on();
      await writeFile(path, Buffer.from(await driver.takeScreenshot(), "base64"));
    },
    close: async () => {
      await on();
      if (windows.open.size === 1) {
        // Closing the last window would end the session.
        await driver.get("about:blank");
        return;
      }
      await driver.close();
      windows.open.delete(handle);
      const next = [...windows.open][0];
      if (next !== undefined) {
        await driver.switchTo().window(next);
        windows.focused = next;
      }
    },
  };
}

async function newSession(serverUrl: string, proxyPort: number, thirdPartyCookies: boolean): Promise<BrowserSession> {
  const args = ["--automation", `--proxy=http://127.0.0.1:${proxyPort}`];
  // MiniBrowser's default is no-third-party (WebKitGTK's WEBKIT_COOKIE_POLICY_ACCEPT_NO_THIRD_PARTY).
  if (thirdPartyCookies) args.push("--cookies-policy=always");
  const driver = await new Builder()
    .usingServer(serverUrl)
    .withCapabilities({
      browserName: "MiniBrowser",
      acceptInsecureCerts: true,
      "webkitgtk:browserOptions": { binary: MINIBROWSER, args },
    })
    .build();
  const first = await driver.getWindowHandle();
  await driver.manage().window().setRect({ width: 900, height: 600 });
  const windows: Windows = { focused: first, open: new Set() };
  return {
    newPage: async () => {
      if (windows.open.size === 0) {
        windows.open.add(first);
        return wrapWindow(driver, windows, first);
      }
      await driver.switchTo().newWindow("tab");
      const handle = await driver.getWindowHandle();
      windows.focused = handle;
      windows.open.add(handle);
      return wrapWindow(driver, windows, handle);
    },
    cookies: async (cookieOrigin) => {
      // Classic WebDriver returns only the cookies of the document shown: look from a
      // window of the cookie's own origin (a top-level visit sends cookies, changes none).
      const host = new URL(cookieOrigin).hostname;
      const back = windows.focused;
      await driver.switchTo().newWindow("tab");
      try {
        await driver.get(`${cookieOrigin}/api/openapi.json`);
        const cookies = await driver.manage().getCookies();
        return (
          cookies
            .filter((c) => c.domain === host || c.domain === `.${host}`)
            // WebKitGTK 2.50 has no partitioned cookies: every cookie lives in its host's jar.
            .map((c) => ({
              name: c.name,
              value: c.value,
              domain: c.domain ?? host,
              httpOnly: c.httpOnly === true,
              secure: c.secure === true,
              partitionKey: null,
            }))
        );
      } finally {
        await driver.close();
        await driver.switchTo().window(back);
        windows.focused = back;
      }
    },
    close: () => driver.quit(),
  };
}

/**
 * WebKitGTK (MiniBrowser) through Debian's WebKitWebDriver with selenium-webdriver, on its own
 * Xvfb display. Host names reach 127.0.0.1 through {@link startHostProxy}. One driver per
 * test file; each session is a fresh MiniBrowser (an ephemeral profile).
 */
export const WEBKIT_ENGINE: Engine = {
  name: "webkit",
  label: "WebKitGTK (selenium-webdriver, WebKitWebDriver + MiniBrowser under Xvfb)",
  programs: ["WebKitWebDriver", "Xvfb", "MiniBrowser"],
  async launch(options): Promise<EngineBrowser> {
    const stops: (() => Promise<void>)[] = [];
    const stopAll = async (): Promise<void> => {
      for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
    };
    try {
      const xvfb = await startXvfb();
      stops.push(() => xvfb.process.stop());
      const proxy = await startHostProxy();
      stops.push(() => proxy.close());
      const port = await freePort();
      const driver = startChild("WebKitWebDriver", [`--port=${port}`, "--host=local"], {
        cwd: options.profileDir,
        env: { DISPLAY: xvfb.display },
      });
      stops.push(() => driver.stop());
      await waitForPort(port, driver, "WebKitWebDriver");
      return {
        newSession: () => newSession(`http://127.0.0.1:${port}`, proxy.port, options.thirdPartyCookies === true),
        close: stopAll,
      };
    } catch (error) {
      await stopAll();
      throw error;
    }
  },
};
