import { Command } from "commander";
import { CliError } from "../cli-error.js";
import type { CliIo } from "../cli-io.js";
import { withCommandContext } from "../command-context.js";
import { withConfigOptions } from "../command-options.js";
import { promptNewPassword } from "../prompts.js";

/** Attempts at a matching, acceptable password before giving up (Django's MAX_TRIES). */
const ATTEMPTS = 3;

/**
 * `latchkey changepassword <username>`: sets a new password (hidden prompt twice, or
 * `LATCHKEY_NEW_PASSWORD` for scripts) and ends every session and bearer token of the user,
 * so whoever knew the old password is logged out everywhere (ASVS 7.4.3).
 */
export function changepasswordCommand(io: CliIo): Command {
  return withConfigOptions(
    new Command("changepassword")
      .description("set a user's password and end all their sessions")
      .argument("<username>", "the user whose password changes"),
  )
    .addHelpText(
      "after",
      `
Environment:
  LATCHKEY_NEW_PASSWORD  the new password, for scripts: no prompt (checked against the password rules)

Examples:
  latchkey changepassword alice
  LATCHKEY_NEW_PASSWORD='new long secret' latchkey changepassword alice`,
    )
    .action(async (username: string, _options: unknown, command: Command) => {
      const fromEnv = io.env.LATCHKEY_NEW_PASSWORD;
      const scripted = fromEnv !== undefined && fromEnv !== "";
      if (!scripted && !io.interactive) {
        throw new CliError(
          "changepassword needs a terminal to prompt for the password; set LATCHKEY_NEW_PASSWORD in scripts.",
        );
      }
      await withCommandContext(command, io, async ({ latchkey }) => {
        const user = await latchkey.accounts.findUser(username);
        if (user === null) throw new CliError(`user "${username}" does not exist.`);
        let password: string;
        if (scripted) {
          password = fromEnv;
        } else {
          io.stdout(`Changing password for user "${user.username}"\n`);
          password = await promptNewPassword({
            problems: (p) => latchkey.accounts.passwordProblems(p, user),
            stderr: io.stderr,
            attempts: ATTEMPTS,
          });
        }
        const result = await latchkey.accounts.setPassword(String(user.id), password);
        if (!result.ok)
          throw new CliError(
            `the password was refused; nothing was changed:\n${result.problems.map((p) => `  - ${p}`).join("\n")}`,
          );
        io.stdout(
          `Password changed successfully for user "${user.username}". All their sessions and tokens were ended.\n`,
        );
      });
    });
}
