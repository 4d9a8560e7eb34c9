import { userInfo } from "node:os";
import { usernameProblem, type Accounts } from "@latchkey/core";
import { Command } from "commander";
import { CliError, usageError } from "../cli-error.js";
import type { CliIo } from "../cli-io.js";
import { withCommandContext } from "../command-context.js";
import { flagOption, stringOption, withConfigOptions } from "../command-options.js";
import { promptNewPassword, promptText } from "../prompts.js";

/** A deliberately loose check, as Django's: something@something, no spaces. */
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** Why `email` is refused, or null. */
export function emailProblem(email: string): string | null {
  if (email === "" || EMAIL.test(email))
    return email.length > 254 ? "Ensure email has no more than 254 characters." : null;
  return "Enter a valid email address.";
}

/** Why `username` is refused (invalid or taken), or null. */
export async function usernameRefusal(accounts: Accounts, username: string): Promise<string | null> {
  const problem = usernameProblem(username);
  if (problem !== null) return problem;
  return (await accounts.findUser(username)) === null ? null : "That username is already taken.";
}

function systemUsername(): string | null {
  try {
    const name = userInfo().username;
    return usernameProblem(name) === null ? name : null;
  } catch {
    return null;
  }
}

/** Asks for a username until one is acceptable. */
export async function askUsername(accounts: Accounts, given: string | undefined, io: CliIo): Promise<string> {
  let candidate = given;
  const fallback = systemUsername();
  for (;;) {
    if (candidate === undefined) {
      const answer = (
        await promptText(fallback === null ? "Username: " : `Username (leave blank to use '${fallback}'): `)
      ).trim();
      candidate = answer === "" && fallback !== null ? fallback : answer;
    }
    const refusal = await usernameRefusal(accounts, candidate);
    if (refusal === null) return candidate;
    io.stderr(`Error: ${refusal}\n`);
    candidate = undefined;
  }
}

/** Asks for an email address until one is acceptable. */
export async function askEmail(given: string | undefined, io: CliIo): Promise<string> {
  let candidate = given;
  for (;;) {
    candidate ??= (await promptText("Email address: ")).trim();
    const problem = emailProblem(candidate);
    if (problem === null) return candidate;
    io.stderr(`Error: ${problem}\n`);
    candidate = undefined;
  }
}

/**
 * `latchkey createsuperuser`: a staff superuser, interactively (hidden password asked twice)
 * or, with `--noinput`, from flags and `LATCHKEY_SUPERUSER_PASSWORD` (without it the user has
 * no usable password, as Django's `createsuperuser --noinput`).
 */
/** What {@link newUserInput} gathered: a password of undefined means "no usable password". */
export interface NewUserInput {
  username: string;
  email: string;
  password: string | undefined;
}

/**
 * The username, address and password of a user a CLI command creates: from the flags and an
 * environment variable with `--noinput` (each checked, refused with the reason), or asked at
 * the terminal, the password until it passes the password rules.
 */
export async function newUserInput(
  accounts: Accounts,
  io: CliIo,
  options: { noInput: boolean; givenUsername: string | undefined; givenEmail: string | undefined; passwordEnv: string },
): Promise<NewUserInput> {
  if (!options.noInput) {
    const username = await askUsername(accounts, options.givenUsername, io);
    const email = await askEmail(options.givenEmail, io);
    const password = await promptNewPassword({
      problems: (p) => accounts.passwordProblems(p, { username, email }),
      stderr: io.stderr,
    });
    return { username, email, password };
  }
  const username = options.givenUsername ?? "";
  const email = options.givenEmail ?? "";
  const emailIssue = emailProblem(email);
  if (emailIssue !== null) throw new CliError(`--email: ${emailIssue}`);
  const refusal = await usernameRefusal(accounts, username);
  if (refusal !== null) throw new CliError(`--username "${username}": ${refusal}`);
  const fromEnv = io.env[options.passwordEnv];
  return { username, email, password: fromEnv === undefined || fromEnv === "" ? undefined : fromEnv };
}

export function createsuperuserCommand(io: CliIo): Command {
  return withConfigOptions(
    new Command("createsuperuser")
      .description("create a superuser (staff, all permissions)")
      .option("--username <username>", "the new user's username")
      .option("--email <email>", "the new user's email address")
      .option(
        "--noinput",
        "do not prompt (for scripts): needs --username; the password comes from LATCHKEY_SUPERUSER_PASSWORD",
      )
      .option("--no-input", "same as --noinput"),
  )
    .addHelpText(
      "after",
      `
Environment:
  LATCHKEY_SUPERUSER_PASSWORD  the password with --noinput (checked against the password rules).
                               Unset: the user is created without a usable password.

Examples:
  latchkey createsuperuser
  LATCHKEY_SUPERUSER_PASSWORD='long secret' latchkey createsuperuser --noinput --username admin --email admin@example.com`,
    )
    .action(async (_options: unknown, command: Command) => {
      const noInput = flagOption(command, "noinput") === true || flagOption(command, "input") === false;
      const givenUsername = stringOption(command, "username");
      const givenEmail = stringOption(command, "email");
      if (noInput && givenUsername === undefined) throw usageError("--noinput needs --username.");
      if (!noInput && !io.interactive) {
        throw new CliError(
          "createsuperuser needs a terminal to prompt for the password; use --noinput with --username (and LATCHKEY_SUPERUSER_PASSWORD) in scripts.",
        );
      }
      await withCommandContext(command, io, async ({ latchkey }) => {
        const accounts = latchkey.accounts;
        const { username, email, password } = await newUserInput(accounts, io, {
          noInput,
          givenUsername,
          givenEmail,
          passwordEnv: "LATCHKEY_SUPERUSER_PASSWORD",
        });
        const created = await accounts.createUser({
          username,
          email,
          isStaff: true,
          isSuperuser: true,
          // An operator typed this address: it is the user's.
          emailVerified: true,
          ...(password === undefined ? {} : { password }),
        });
        if (!created.ok)
          throw new CliError(`the superuser was not created:\n${created.problems.map((p) => `  - ${p}`).join("\n")}`);
        io.stdout(
          password === undefined
            ? `Superuser "${created.value.username}" created without a usable password (set one with "latchkey changepassword").\n`
            : `Superuser "${created.value.username}" created successfully.\n`,
        );
      });
    });
}
