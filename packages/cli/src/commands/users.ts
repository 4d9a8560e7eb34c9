import type { Latchkey, User } from "@latchkey/core";
import { Command } from "commander";
import { CliError } from "../cli-error.js";
import type { CliIo } from "../cli-io.js";
import { withCommandContext } from "../command-context.js";
import { flagOption, withConfigOptions } from "../command-options.js";
import { formatJson, formatTable, formatTime, isoTime } from "../format.js";
import { usersCreateCommand } from "./users-create.js";
import { usersImportCommand } from "./users-import.js";
import { usersMfaCommand } from "./users-mfa.js";

const PAGE = 500;

async function allUsers(latchkey: Latchkey): Promise<User[]> {
  const users: User[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await latchkey.accounts.listUsers({ limit: PAGE, offset });
    users.push(...page);
    if (page.length < PAGE) return users;
  }
}

async function findOrFail(latchkey: Latchkey, username: string): Promise<User> {
  const user = await latchkey.accounts.findUser(username);
  if (user === null) throw new CliError(`user "${username}" does not exist.`);
  return user;
}

const yesNo = (value: boolean) => (value ? "yes" : "no");

function listCommand(io: CliIo): Command {
  return withConfigOptions(
    new Command("list").description("list users").option("--json", "print JSON instead of a table"),
  )
    .addHelpText("after", "\nExamples:\n  latchkey users list\n  latchkey users list --json")
    .action(async (_options: unknown, command: Command) => {
      await withCommandContext(command, io, async ({ latchkey }) => {
        const users = await allUsers(latchkey);
        if (flagOption(command, "json") === true) {
          io.stdout(
            formatJson(
              users.map((u) => ({ ...u, dateJoined: isoTime(u.dateJoined), lastLogin: isoTime(u.lastLogin) })),
            ),
          );
          return;
        }
        if (users.length === 0) {
          io.stdout('No users. Create one with "latchkey createsuperuser".\n');
          return;
        }
        io.stdout(
          formatTable(
            ["ID", "USERNAME", "EMAIL", "ACTIVE", "STAFF", "SUPERUSER", "JOINED", "LAST LOGIN"],
            users.map((u) => [
              String(u.id),
              u.username,
              u.email || "-",
              yesNo(u.isActive),
              yesNo(u.isStaff),
              yesNo(u.isSuperuser),
              formatTime(u.dateJoined),
              formatTime(u.lastLogin),
            ]),
          ),
        );
      });
    });
}

function setActiveCommand(io: CliIo, active: boolean): Command {
  const name = active ? "activate" : "deactivate";
  return withConfigOptions(
    new Command(name)
      .description(active ? "let a user log in again" : "stop a user from logging in and end all their sessions")
      .argument("<username>", "the user"),
  )
    .addHelpText("after", `\nExample:\n  latchkey users ${name} alice`)
    .action(async (username: string, _options: unknown, command: Command) => {
      await withCommandContext(command, io, async ({ latchkey }) => {
        const user = await findOrFail(latchkey, username);
        const updated = await latchkey.accounts.setActive(String(user.id), active);
        if (updated === null) throw new CliError(`user "${username}" does not exist.`);
        io.stdout(
          active
            ? `User "${updated.username}" activated.\n`
            : `User "${updated.username}" deactivated; all their sessions and tokens were ended.\n`,
        );
      });
    });
}

/** `latchkey users list|create|import|deactivate|activate`. */
export function usersCommand(io: CliIo): Command {
  return new Command("users")
    .description("list, create, import, deactivate and activate users; show and reset their second factors")
    .addCommand(listCommand(io))
    .addCommand(usersCreateCommand(io))
    .addCommand(usersImportCommand(io))
    .addCommand(setActiveCommand(io, false))
    .addCommand(setActiveCommand(io, true))
    .addCommand(usersMfaCommand(io));
}
