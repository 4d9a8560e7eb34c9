import { Command } from "commander";
import { CliError, usageError } from "../cli-error.js";
import type { CliIo } from "../cli-io.js";
import { withCommandContext } from "../command-context.js";
import { flagOption, stringOption, withConfigOptions } from "../command-options.js";
import { newUserInput } from "./createsuperuser.js";

/**
 * `latchkey users create`: an ordinary user (not staff), interactively or with `--noinput`
 * from flags and `LATCHKEY_USER_PASSWORD`. The address is recorded as verified: an operator
 * typed it.
 */
export function usersCreateCommand(io: CliIo): Command {
  return withConfigOptions(
    new Command("create")
      .description("create an ordinary user")
      .option("--username <username>", "the new user's username")
      .option("--email <email>", "the new user's email address")
      .option("--first-name <name>", "first name")
      .option("--last-name <name>", "last name")
      .option(
        "--noinput",
        "do not prompt (for scripts): needs --username; the password comes from LATCHKEY_USER_PASSWORD",
      ),
  )
    .addHelpText(
      "after",
      `
Environment:
  LATCHKEY_USER_PASSWORD  the password with --noinput (checked against the password rules).
                          Unset: the user is created without a usable password.

Examples:
  latchkey users create
  LATCHKEY_USER_PASSWORD='long secret' latchkey users create --noinput --username bob --email bob@example.com`,
    )
    .action(async (_options: unknown, command: Command) => {
      const noInput = flagOption(command, "noinput") === true;
      const givenUsername = stringOption(command, "username");
      const givenEmail = stringOption(command, "email");
      if (noInput && givenUsername === undefined) throw usageError("--noinput needs --username.");
      if (!noInput && !io.interactive)
        throw new CliError(
          "users create needs a terminal to prompt for the password; use --noinput with --username (and LATCHKEY_USER_PASSWORD) in scripts.",
        );
      await withCommandContext(command, io, async ({ latchkey }) => {
        const accounts = latchkey.accounts;
        const { username, email, password } = await newUserInput(accounts, io, {
          noInput,
          givenUsername,
          givenEmail,
          passwordEnv: "LATCHKEY_USER_PASSWORD",
        });
        const created = await accounts.createUser({
          username,
          email,
          firstName: stringOption(command, "firstName") ?? "",
          lastName: stringOption(command, "lastName") ?? "",
          emailVerified: true,
          ...(password === undefined ? {} : { password }),
        });
        if (!created.ok)
          throw new CliError(`the user was not created:\n${created.problems.map((p) => `  - ${p}`).join("\n")}`);
        io.stdout(`User "${created.value.username}" created successfully.\n`);
      });
    });
}
