import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { isSupportedHash, usernameProblem, usernameKey, type CreateUserInput } from "@latchkey/core";
import { Command } from "commander";
import { CliError } from "../cli-error.js";
import type { CliIo } from "../cli-io.js";
import { withCommandContext } from "../command-context.js";
import { withConfigOptions } from "../command-options.js";
import { emailProblem } from "./createsuperuser.js";

/** One line of the import file, checked. */
type ImportRow = CreateUserInput & { line: number };

function field(record: Record<string, unknown>, camel: string, snake: string): unknown {
  return record[camel] ?? record[snake];
}

function optionalString(
  record: Record<string, unknown>,
  camel: string,
  snake: string,
  problems: string[],
): string | undefined {
  const value = field(record, camel, snake);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") problems.push(`${camel} must be a string`);
  return typeof value === "string" ? value : undefined;
}

function optionalBoolean(
  record: Record<string, unknown>,
  camel: string,
  snake: string,
  problems: string[],
): boolean | undefined {
  const value = field(record, camel, snake);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") problems.push(`${camel} must be true or false`);
  return typeof value === "boolean" ? value : undefined;
}

/** Parses and checks one line; returns the row or the problems. */
function parseLine(text: string, line: number): { row: ImportRow } | { problems: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problems: ["not valid JSON"] };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { problems: ["not a JSON object"] };
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  const username = record.username;
  if (typeof username !== "string" || username === "") problems.push("username is missing");
  else {
    const issue = usernameProblem(username);
    if (issue !== null) problems.push(issue);
  }
  const password = record.password;
  if (password !== undefined && password !== null && (typeof password !== "string" || !isSupportedHash(password))) {
    problems.push("password must be a hash latchkey can verify ($argon2id$…, scrypt$…, pbkdf2_sha256$…) or null");
  }
  const email = optionalString(record, "email", "email", problems) ?? "";
  const emailIssue = emailProblem(email);
  if (emailIssue !== null) problems.push(`email: ${emailIssue}`);
  const firstName = optionalString(record, "firstName", "first_name", problems) ?? "";
  const lastName = optionalString(record, "lastName", "last_name", problems) ?? "";
  const isActive = optionalBoolean(record, "isActive", "is_active", problems);
  const isStaff = optionalBoolean(record, "isStaff", "is_staff", problems);
  const isSuperuser = optionalBoolean(record, "isSuperuser", "is_superuser", problems);
  const joined = field(record, "dateJoined", "date_joined");
  let dateJoined: number | undefined;
  if (joined !== undefined && joined !== null) {
    dateJoined = typeof joined === "number" ? joined : typeof joined === "string" ? Date.parse(joined) : Number.NaN;
    if (!Number.isFinite(dateJoined)) problems.push("dateJoined must be an ISO 8601 time or milliseconds");
  }
  if (problems.length > 0 || typeof username !== "string") return { problems };
  return {
    row: {
      line,
      username,
      email,
      firstName,
      lastName,
      ...(typeof password === "string" ? { passwordHash: password } : {}),
      ...(isActive === undefined ? {} : { isActive }),
      ...(isStaff === undefined ? {} : { isStaff }),
      ...(isSuperuser === undefined ? {} : { isSuperuser }),
      ...(dateJoined === undefined ? {} : { dateJoined }),
      emailVerified: false,
    },
  };
}

/** A one-line progress bar, redrawn in place on a terminal. */
function progress(io: CliIo, done: number, total: number): void {
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  io.stderr(`\r[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total}`);
  if (done === total) io.stderr("\n");
}

/**
 * `latchkey users import FILE`: users from JSON lines with already-hashed passwords (as
 * Django stores them). Every line is checked first, usernames against the file and the
 * database too; a bad line is reported with its number and nothing is written.
 */
export function usersImportCommand(io: CliIo): Command {
  return withConfigOptions(
    new Command("import")
      .description("import users from a JSON-lines file with hashed passwords")
      .argument("<file>", "JSON lines, one user per line"),
  )
    .addHelpText(
      "after",
      `
Each line: {"username": "alice", "password": "pbkdf2_sha256$…", "email": "alice@example.com",
  "first_name": "Alice", "last_name": "A", "is_active": true, "is_staff": false,
  "is_superuser": false, "date_joined": "2024-01-31T12:00:00Z"} (camelCase keys too).

Example:
  latchkey users import users.jsonl`,
    )
    .action(async (file: string, _options: unknown, command: Command) => {
      let text: string;
      try {
        text = readFileSync(resolve(io.cwd, file), "utf8");
      } catch (error) {
        throw new CliError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
      }
      const rows: ImportRow[] = [];
      const errors: string[] = [];
      const seen = new Map<string, number>();
      text.split(/\r?\n/).forEach((lineText, index) => {
        if (lineText.trim() === "") return;
        const parsed = parseLine(lineText, index + 1);
        if ("problems" in parsed) {
          errors.push(`line ${index + 1}: ${parsed.problems.join("; ")}`);
          return;
        }
        const key = usernameKey(parsed.row.username);
        const first = seen.get(key);
        if (first !== undefined)
          errors.push(`line ${index + 1}: username "${parsed.row.username}" already appears on line ${first}`);
        else seen.set(key, index + 1);
        rows.push(parsed.row);
      });
      await withCommandContext(command, io, async ({ latchkey }) => {
        for (const row of rows) {
          if ((await latchkey.accounts.findUser(row.username)) !== null)
            errors.push(`line ${row.line}: username "${row.username}" already exists`);
        }
        if (errors.length > 0) throw new CliError(`nothing was imported:\n${errors.map((e) => `  - ${e}`).join("\n")}`);
        let done = 0;
        for (const { line, ...input } of rows) {
          const created = await latchkey.accounts.createUser(input);
          if (!created.ok)
            throw new CliError(`line ${line}: ${created.problems.join(" ")} (${done} users were imported before it)`);
          done += 1;
          if (done % 50 === 0 || done === rows.length) progress(io, done, rows.length);
        }
        io.stdout(`Imported ${done} users from ${file}.\n`);
      });
    });
}
