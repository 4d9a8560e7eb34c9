import { Command } from "commander";
import { CliError } from "../cli-error.js";
import type { CliIo } from "../cli-io.js";
import { withCommandContext } from "../command-context.js";
import { flagOption, stringOption, withConfigOptions } from "../command-options.js";
import { importDjango, type ImportReport, type Skipped } from "../django/import-django.js";
import type { DjangoSource } from "../django/django-source.js";
import { formatJson, plural } from "../format.js";

const BAR_WIDTH = 30;

/** A progress bar on standard error: redrawn in place on a terminal, one line per batch otherwise. */
function progressBar(
  io: CliIo,
  totals: { users: number; sessions: number },
): (phase: "users" | "sessions", done: number) => void {
  return (phase, done) => {
    const total = Math.max(totals[phase], done);
    const filled = total === 0 ? BAR_WIDTH : Math.round((done / total) * BAR_WIDTH);
    const line = `${phase.padEnd(8)} [${"#".repeat(filled)}${" ".repeat(BAR_WIDTH - filled)}] ${done}/${total}`;
    io.stderr(io.interactive ? `\r${line}${done >= total ? "\n" : ""}` : `${line}\n`);
  };
}

function skippedLines(list: readonly Skipped[]): string {
  return list.map((s) => `  - ${s.what}: ${s.reason}\n`).join("");
}

function summary(report: ImportReport, dryRun: boolean): string {
  const verb = dryRun ? "would be" : "";
  const u = report.users;
  let text = dryRun ? "Dry run: nothing was written.\n" : "";
  text += `Groups: ${report.groups} ${verb ? "would be " : ""}imported with their permissions.\n`;
  text += `Users: ${u.created} ${verb || "were"} created, ${u.unchanged} already present (left unchanged), ${u.skipped.filter((s) => s.what.startsWith("user ")).length} skipped; ${plural(u.withoutPassword, "new user")} without a usable password.\n`;
  if (report.sessions !== null) {
    const s = report.sessions;
    text += `Sessions: ${s.imported} ${verb || "were"} imported, ${s.unchanged} already present, ${s.skipped.length} skipped.\n`;
  }
  const skipped = [...u.skipped, ...(report.sessions?.skipped ?? [])];
  if (skipped.length > 0) text += `Skipped, and why:\n${skippedLines(skipped)}`;
  return text;
}

/** Django's SECRET_KEY and SECRET_KEY_FALLBACKS from the environment (never from a flag: it would show in `ps`). */
function secretsFrom(io: CliIo): string[] {
  const key = io.env.DJANGO_SECRET_KEY;
  if (key === undefined || key === "")
    throw new CliError(
      "--sessions needs Django's SECRET_KEY in the DJANGO_SECRET_KEY environment variable, to check each session's signature as Django would.",
    );
  const fallbacks = (io.env.DJANGO_SECRET_KEY_FALLBACKS ?? "").split(",").filter((k) => k !== "");
  return [key, ...fallbacks];
}

/** `latchkey import-django <database-url>`: users, groups, permissions and (optionally) live sessions from Django. */
export function importDjangoCommand(io: CliIo): Command {
  return withConfigOptions(
    new Command("import-django")
      .description(
        "import users, groups and permissions (and with --sessions, logged-in sessions) from a Django database, read-only",
      )
      .argument("<database-url>", "the Django database: sqlite:///path/db.sqlite3 or postgres://user@host/name")
      .option(
        "--sessions",
        "also import live sessions of logged-in users (needs DJANGO_SECRET_KEY), so nobody is logged out by the move",
      )
      .option("--dry-run", "read and check everything, write nothing")
      .option("--batch-size <n>", "rows per batch", "500")
      .option("--json", "print the report as JSON"),
  )
    .addHelpText(
      "after",
      "\nEach batch of users is written in one transaction: all of it or, on an error, none of it.\nRe-running is safe: users are matched by username (case-insensitively) and left unchanged, so an interrupted import resumes.\n" +
        "Examples:\n  latchkey import-django sqlite:///srv/django/db.sqlite3 --dry-run\n  DJANGO_SECRET_KEY=... latchkey import-django postgres://django@db/app --sessions\nDocs: docs/migrating-from-django.md",
    )
    .action(async (url: string, _options: unknown, command: Command) => {
      const batchSize = Number(stringOption(command, "batchSize"));
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
        throw new CliError("--batch-size must be a whole number from 1 to 10000.");
      const sessions = flagOption(command, "sessions") === true;
      const dryRun = flagOption(command, "dryRun") === true;
      const secrets = sessions ? secretsFrom(io) : [];
      let source: DjangoSource;
      try {
        // Loaded here, not at start-up: it brings the PostgreSQL driver, which `latchkey serve`
        // (the same program) would otherwise hold in memory for nothing.
        const { openDjangoSource } = await import("../django/django-source.js");
        source = await openDjangoSource(url);
      } catch (error) {
        throw new CliError(
          `cannot read the Django database: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      try {
        const totals = {
          users: await source.count("auth_user"),
          sessions: sessions ? await source.count("django_session") : 0,
        };
        const report = await withCommandContext(command, io, ({ db }) =>
          importDjango(source, db.stores, {
            dryRun,
            sessions,
            secrets,
            batchSize,
            now: Date.now(),
            progress: progressBar(io, totals),
          }),
        );
        io.stdout(flagOption(command, "json") === true ? formatJson({ dryRun, ...report }) : summary(report, dryRun));
      } catch (error) {
        if (error instanceof CliError) throw error;
        throw new CliError(
          `import stopped: ${error instanceof Error ? error.message : String(error)}. Users are written a whole batch at a time, so nothing of the failing batch was written and every batch the progress counted is complete; run the same command again to resume.`,
        );
      } finally {
        await source.close();
      }
    });
}
