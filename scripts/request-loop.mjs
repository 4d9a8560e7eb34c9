// A short, fixed loop of in-process requests to the ready server, for instruction counts
// under `valgrind --tool=callgrind` (stable under machine load, unlike timings):
//
//   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p node scripts/request-loop.mjs whoami 1000
//   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p node scripts/request-loop.mjs whoami 2000
//
// Instructions per request = (total at 2000 − total at 1000) / 1000: start-up, login and
// warm-up cancel out. Scenarios: `whoami` (authenticated GET /api/whoami/), `anonymous`
// (GET /api/whoami/ without a cookie: 401). `--log-level info` and `--access-log
// true|false` (where the build has the setting) run it with per-request logs on stdout.
// Needs `npx tsc -b` first. Binds 127.0.0.1 on a free port; stops when the loop ends.
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { silentLogger } from "@latchkey/core";
import { createServerLogger, loadServerConfig, SETTINGS, startServer } from "@latchkey/server";
import { createTestClient } from "@latchkey/testkit";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { "log-level": { type: "string", default: "warn" }, "access-log": { type: "string" } },
});
const scenario = positionals[0] ?? "whoami";
const count = Number(positionals[1] ?? "1000");
if (!["whoami", "anonymous"].includes(scenario) || !Number.isInteger(count) || count < 1 || count > 100_000) {
  console.error(
    "usage: node scripts/request-loop.mjs whoami|anonymous <count 1..100000> [--log-level info] [--access-log true|false]",
  );
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), "latchkey-request-loop-"));
const overrides = { host: "127.0.0.1", port: "0", dataDir: dir, logLevel: values["log-level"] };
if (values["access-log"] !== undefined) {
  if (!SETTINGS.some((s) => s.key === "accessLog.enabled"))
    throw new Error("this build has no accessLog.enabled setting");
  overrides["accessLog.enabled"] = values["access-log"];
}
const config = loadServerConfig({ cwd: dir, env: {}, overrides });
// Per-request logs go to /dev/null-like sink only when asked for; otherwise nothing is logged.
const logger = values["log-level"] === "warn" ? silentLogger : createServerLogger(config);
const server = await startServer(config, { logger, migrate: true });
try {
  const created = await server.latchkey.accounts.createUser({
    username: "loop",
    password: "correct horse battery staple",
    email: "loop@example.com",
  });
  if (!created.ok) throw new Error(created.problems.join(" "));
  const client = createTestClient(server.url);
  const login = await client.login("loop", "correct horse battery staple");
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
  const cookie = scenario === "whoami" ? `sessionid=${client.cookie("sessionid")}` : undefined;
  const expected = scenario === "whoami" ? 200 : 401;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const { hostname, port } = new URL(server.url);
  const once = () =>
    new Promise((resolve, reject) => {
      const req = request(
        { agent, hostname, port, path: "/api/whoami/", headers: cookie === undefined ? {} : { cookie } },
        (res) => {
          res.resume();
          res.on("end", () =>
            res.statusCode === expected
              ? resolve()
              : reject(new Error(`status ${res.statusCode}, expected ${expected}`)),
          );
        },
      );
      req.on("error", reject);
      req.end();
    });
  for (let i = 0; i < count; i += 1) await once();
  agent.destroy();
  console.error(`${scenario}: ${count} requests answered ${expected}`);
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
