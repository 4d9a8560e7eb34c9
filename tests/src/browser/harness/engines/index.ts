import { after, before, describe } from "node:test";
import { browserTestSkip } from "../browser.js";
import { createFixture, type Fixture } from "../fixture.js";
import { CHROMIUM_ENGINE } from "./chromium.js";
import type { BrowserSession, Engine, EngineBrowser, EngineName } from "./engine.js";
import { FIREFOX_ENGINE } from "./firefox.js";
import { WEBKIT_ENGINE } from "./webkit.js";

/** Every engine the browser tests run in, in the order of the docs' table. */
export const ENGINES: Readonly<Record<EngineName, Engine>> = Object.freeze({
  chromium: CHROMIUM_ENGINE,
  firefox: FIREFOX_ENGINE,
  webkit: WEBKIT_ENGINE,
});

/** What a test body gets: its engine, and fresh sessions of that engine's one browser. */
export interface EngineRun {
  readonly engine: Engine;
  /** A fresh, empty session (closed by the fixture's cleanup). */
  session(fixture: Fixture): Promise<BrowserSession>;
}

/**
 * One shared description of browser checks (browser/checks/*.ts), run in each engine by a
 * three-line test file per engine (browser/<engine>/*.test.ts): the test runner then runs
 * the engines as separate files, side by side as far as its concurrency allows.
 */
export interface EngineChecks {
  readonly title: string;
  /** Other programs the checks drive (nginx, openssl). */
  readonly programs?: readonly string[];
  /** Launch the engine allowing third-party cookies (mode D2). */
  readonly thirdPartyCookies?: boolean;
  /** Registers the tests (`it`) for one engine. */
  define(run: EngineRun): void;
}

/**
 * Registers `checks` for the engine `name`: one browser for the file, launched before its
 * tests and closed after them; each test takes fresh sessions of it.
 */
export function runChecks(name: EngineName, checks: EngineChecks): void {
  const engine = ENGINES[name];
  describe(`${checks.title}, in ${engine.label}`, {
    skip: browserTestSkip(...engine.programs, ...(checks.programs ?? [])),
  }, () => {
    let profile: Fixture | undefined;
    let browser: EngineBrowser | undefined;
    before(async () => {
      profile = createFixture(`${engine.name}-profile`);
      browser = await engine.launch({
        profileDir: profile.folder("profile"),
        thirdPartyCookies: checks.thirdPartyCookies === true,
      });
    });
    after(async () => {
      await browser?.close();
      await profile?.cleanup();
    });
    checks.define({
      engine,
      session: async (fixture) => {
        if (browser === undefined) throw new Error(`${engine.label} did not start`);
        const session = await browser.newSession();
        fixture.defer(() => session.close());
        return session;
      },
    });
  });
}

/** The screenshot name of `mode` in `engine`: Chromium's keep the plain name (the README's images). */
export function artifactName(engine: EngineName, mode: string): string {
  return engine === "chromium" ? mode : `${mode}.${engine}`;
}
