import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { runLatchkey, startServe, tempDir } from "../server/latchkey-process.js";
import { browserTestSkip } from "./harness/browser.js";
import { launchChromium, newTestContext } from "./harness/engines/chromium.js";

// The rows of "SPAs written for the Django tutorials" (docs/migrating-from-django.md) in real
// Chromium: a page doing what each kind of tutorial SPA does, served by `latchkey serve --spa`
// configured with exactly the documented settings (as LATCHKEY_* variables).

const PASSWORD = "correct horse battery staple";
const TIMEOUT_MS = 90_000;

/** A Django-views SPA: session check, JSON login with the cookie's token, whoami, GET logout. */
const DJANGO_VIEWS_PAGE = `<!doctype html><meta charset="utf-8"><pre id="result"></pre><script type="module">
const steps = [];
const token = () => document.cookie.match(/(?:^|; )csrftoken=([^;]+)/)?.[1] ?? "";
steps.push((await (await fetch("/api/session/")).json()).isAuthenticated);
const [username, password] = location.hash.slice(1).split(":").map(decodeURIComponent);
const login = await fetch("/api/login/", { method: "POST", headers: { "Content-Type": "application/json", "X-CSRFToken": token() }, body: JSON.stringify({ username, password }) });
steps.push(login.status, (await login.json()).detail);
steps.push((await (await fetch("/api/whoami/")).json()).username);
steps.push((await fetch("/api/logout/")).status);
steps.push((await (await fetch("/api/session/")).json()).isAuthenticated);
document.getElementById("result").textContent = JSON.stringify(steps);
</script>`;

/** A DRF SPA logging in with Basic auth and reading the whole login body as the user. */
const DRF_BASIC_PAGE = `<!doctype html><meta charset="utf-8"><pre id="result"></pre><script type="module">
const steps = [];
const [username, password] = location.hash.slice(1).split(":").map(decodeURIComponent);
const login = await fetch("/api/auth/login/", { method: "POST", headers: { Authorization: "Basic " + btoa(username + ":" + password) } });
const user = await login.json();
steps.push(login.status, user.username, user.is_staff);
steps.push((await (await fetch("/api/me/")).json()).username);
const token = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/)?.[1] ?? "";
steps.push((await fetch("/api/auth/logout/", { method: "POST", headers: { "X-CSRFToken": token } })).status);
steps.push((await fetch("/api/me/")).status);
document.getElementById("result").textContent = JSON.stringify(steps);
</script>`;

const ROWS = [
  {
    name: "a Django-views SPA (compat getLogout)",
    page: DJANGO_VIEWS_PAGE,
    env: { LATCHKEY_COMPAT: "getLogout" },
    expected: (u: string) => [false, 200, "Successfully logged in.", u, 200, false],
  },
  {
    name: "a DRF SPA logging in with Basic auth (userShape drf, loginResponse user, route aliases)",
    page: DRF_BASIC_PAGE,
    env: {
      LATCHKEY_USER_SHAPE: "drf",
      LATCHKEY_LOGIN_RESPONSE: "user",
      LATCHKEY_COMPAT: "loginWithoutCsrfToken",
      LATCHKEY_ROUTES_LOGIN: "/login/,/auth/login/",
      LATCHKEY_ROUTES_LOGOUT: "/logout/,/auth/logout/",
      LATCHKEY_ROUTES_WHOAMI: "/whoami/,/me/",
    },
    expected: (u: string) => [200, u, true, u, 200, 401],
  },
] as const;

describe("SPAs written for the Django tutorials, in Chromium, with the documented settings", {
  skip: browserTestSkip("chromium"),
}, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(() => browser?.close());

  for (const row of ROWS) {
    it(`runs ${row.name} unchanged`, { timeout: TIMEOUT_MS }, async () => {
      const dir = tempDir("latchkey-tutorial-spa-");
      mkdirSync(join(dir.path, "spa"));
      writeFileSync(join(dir.path, "spa", "index.html"), row.page);
      const env: Record<string, string> = { ...row.env, LATCHKEY_SPA_DIR: join(dir.path, "spa") };
      assert.equal((await runLatchkey(["migrate"], { cwd: dir.path, env })).code, 0);
      const created = await runLatchkey(
        ["createsuperuser", "--noinput", "--username", "ada", "--email", "ada@example.com"],
        { cwd: dir.path, env: { ...env, LATCHKEY_SUPERUSER_PASSWORD: PASSWORD } },
      );
      assert.equal(created.code, 0, created.stderr);
      const server = await startServe(["--port", "0"], { cwd: dir.path, env });
      const context = await newTestContext(browser);
      try {
        const page = await context.newPage();
        await page.goto(`${server.url}/#ada:${encodeURIComponent(PASSWORD)}`);
        await page.waitForSelector("#result:not(:empty)", { timeout: 30_000 });
        assert.deepEqual(JSON.parse(await page.innerText("#result")), row.expected("ada"));
      } finally {
        await context.close();
        await server.stop();
        dir.cleanup();
      }
    });
  }
});
