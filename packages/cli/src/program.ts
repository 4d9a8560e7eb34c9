import { readFileSync } from "node:fs";
import { Command } from "commander";
import type { CliIo } from "./cli-io.js";
import { changepasswordCommand } from "./commands/changepassword.js";
import { clearsessionsCommand } from "./commands/clearsessions.js";
import { createsuperuserCommand } from "./commands/createsuperuser.js";
import { doctorCommand } from "./commands/doctor.js";
import { importDjangoCommand } from "./commands/import-django.js";
import { migrateCommand } from "./commands/migrate.js";
import { serveCommand } from "./commands/serve.js";
import { sessionsCommand } from "./commands/sessions.js";
import { usersCommand } from "./commands/users.js";
import { sendtestemailCommand } from "./commands/sendtestemail.js";

function packageVersion(): string {
  const parsed: unknown = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  return typeof parsed === "object" && parsed !== null && "version" in parsed && typeof parsed.version === "string"
    ? parsed.version
    : "unknown";
}

/** Makes commander throw instead of exiting and write through `io`, on a command and all below it. */
function configure(command: Command, io: CliIo): void {
  command
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError("(add --help for usage)");
  for (const sub of command.commands) configure(sub, io);
}

/** The `latchkey` command and its subcommands. */
export function buildProgram(io: CliIo): Command {
  const program = new Command("latchkey")
    .description("latchkey: session-cookie authentication for single-page apps")
    .version(packageVersion(), "-V, --version", "print the version")
    .addCommand(serveCommand(io))
    .addCommand(migrateCommand(io))
    .addCommand(createsuperuserCommand(io))
    .addCommand(changepasswordCommand(io))
    .addCommand(usersCommand(io))
    .addCommand(sessionsCommand(io))
    .addCommand(clearsessionsCommand(io))
    .addCommand(importDjangoCommand(io))
    .addCommand(doctorCommand(io))
    .addCommand(sendtestemailCommand(io))
    .addHelpText(
      "after",
      "\nRun `latchkey <command> --help` for a command's options. Docs: docs/cli.md, docs/configuration.md.",
    );
  configure(program, io);
  return program;
}
