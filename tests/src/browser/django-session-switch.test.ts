import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { requireDjango, sqliteSetup } from "../cli/import-django-suite.js";
import { runLatchkey, startServe, tempDir, type ServeProcess } from "../server/latchkey-process.js";
import { browserTestSkip } from "./harness/browser.js";
import { launchChromium, newTestContext } from "./harness/engines/chromium.js";

// A real Chromium holding a Django `sessionid` (made by Django's own login on a real Django
// database) stays logged in when the traffic moves to latchkey after
// `latchkey import-django --sessions`: its first request exchanges the key for a latchkey
// token in the same cookie, and the old key is worthless afterwards.

const SECRET_KEY = "django-insecure-latchkey-import-test-key-0123456789";
const TIMEOUT_MS = 120_000;

describe("a browser logged in to Django stays logged in across the switch to latchkey", {
  skip: requireDjango() || browserTestSkip("chromium"),
}, () => {
  const dir = tempDir("latchkey-django-browser-");
  let browser: Browser;
  let server: ServeProcess;
  let keys: Record<string, string>;

  before(async () => {
    const setup = await sqliteSetup(dir.path, null);
    keys = setup.fixture.sessions;
    assert.equal((await runLatchkey(["migrate"], { cwd: dir.path })).code, 0);
    const imported = await runLatchkey(["import-django", setup.djangoUrl, "--sessions"], {
      cwd: dir.path,
      env: { DJANGO_SECRET_KEY: SECRET_KEY },
    });
    assert.equal(imported.code, 0, imported.stderr);
    server = await startServe(["--port", "0"], { cwd: dir.path });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    dir.cleanup();
  });

  it("exchanges the Django sessionid for a latchkey token on the first request, and keeps the user logged in", {
    timeout: TIMEOUT_MS,
  }, async () => {
    const context = await newTestContext(browser);
    const djangoKey = keys.grace ?? "";
    await context.addCookies([
      { name: "sessionid", value: djangoKey, url: server.url, httpOnly: true, sameSite: "Lax" },
    ]);
    const page = await context.newPage();
    const first = await page.goto(`${server.url}/api/whoami/`);
    assert.equal(first?.status(), 200);
    assert.equal(JSON.parse(await page.innerText("body")).username, "grace");
    const cookie = (await context.cookies(server.url)).find((c) => c.name === "sessionid");
    assert.ok(cookie && cookie.value !== djangoKey, "the browser now holds a latchkey token");
    assert.match(cookie.value, /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    assert.equal(cookie.httpOnly, true);
    const again = await page.goto(`${server.url}/api/whoami/`);
    assert.equal(again?.status(), 200, "still logged in on the next request");
    await context.close();

    const replay = await newTestContext(browser);
    await replay.addCookies([{ name: "sessionid", value: djangoKey, url: server.url }]);
    const replayed = await (await replay.newPage()).goto(`${server.url}/api/whoami/`);
    assert.equal(replayed?.status(), 401, "the Django key was accepted once only");
    await replay.close();
  });
});
