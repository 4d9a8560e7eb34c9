// A test fixture, not part of the product: the ready server started as `latchkey serve` starts
// it (settings from the same LATCHKEY_* variables, the same logger, migrations, SPA), but
// through startServer()'s public `clock` option, with a clock the test moves forward by
// writing `advance <seconds>` lines to this process's stdin. Tests of time windows (the
// re-authentication window) then run without waiting on the wall clock, and the product's
// HTTP surface has no way to move time: only this test-only program reads stdin.
//
// Usage: node clocked-serve.js [spaDir]; each advance is confirmed by a log line
// {"event":"clock_advanced","offsetMs":…}.
import { createInterface } from "node:readline";
import { createServerLogger, loadServerConfig, startServer } from "@latchkey/server";

const spaDir = process.argv[2];
let offsetMs = 0;
const clock = { now: (): number => Date.now() + offsetMs };
const config = loadServerConfig({ env: process.env, overrides: { spaDir } });
const logger = createServerLogger(config);
const server = await startServer(config, { logger, clock });

createInterface({ input: process.stdin }).on("line", (line) => {
  const match = /^advance (\d+)$/.exec(line.trim());
  if (match === null) {
    logger.error({ event: "clock_command_refused", line }, "expected `advance <seconds>`");
    return;
  }
  offsetMs += Number(match[1]) * 1000;
  logger.info({ event: "clock_advanced", offsetMs }, "test clock moved forward");
});

process.on("SIGTERM", () => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
