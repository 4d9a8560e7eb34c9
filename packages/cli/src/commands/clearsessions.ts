import { Command } from "commander";
import type { CliIo } from "../cli-io.js";
import { withCommandContext } from "../command-context.js";
import { withConfigOptions } from "../command-options.js";
import { plural } from "../format.js";

/**
 * `latchkey clearsessions`: deletes expired sessions and expired login-throttle counters.
 * Expired rows are already refused; this only reclaims space. Run it from cron. (Redis drops
 * its expired sessions and counters by itself; this then only cleans its indexes.)
 */
export function clearsessionsCommand(io: CliIo): Command {
  return withConfigOptions(
    new Command("clearsessions").description("delete expired sessions and expired login-throttle counters"),
  )
    .addHelpText(
      "after",
      "\nExample (daily, from cron):\n  0 4 * * *  latchkey clearsessions --data-dir /var/lib/latchkey",
    )
    .action(async (_options: unknown, command: Command) => {
      await withCommandContext(command, io, async ({ latchkey, db }) => {
        const sessions = await latchkey.sessions.clearExpired();
        const counters = await db.purgeThrottleCounters(Date.now());
        io.stdout(
          `Deleted ${plural(sessions, "expired session")} and ${plural(counters, "expired throttle counter")}.\n`,
        );
      });
    });
}
