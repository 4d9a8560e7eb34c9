import { createInterface } from "node:readline/promises";
import password from "@inquirer/password";
import { CliError } from "./cli-error.js";

/** The user pressed Ctrl+C or closed the input: the command stops without changing anything. */
function cancelled(): CliError {
  return new CliError("operation cancelled.");
}

/** Asks for a line of visible text on the terminal. */
export async function promptText(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const controller = new AbortController();
  // Without these, Ctrl+C or Ctrl+D would leave the question pending forever.
  rl.once("SIGINT", () => controller.abort());
  rl.once("close", () => controller.abort());
  try {
    return await rl.question(question, { signal: controller.signal });
  } catch {
    throw cancelled();
  } finally {
    rl.close();
  }
}

/** Asks for a password without echoing it. */
export async function promptHidden(message: string): Promise<string> {
  try {
    return await password({ message });
  } catch (error) {
    if (error instanceof Error && (error.name === "ExitPromptError" || error.name === "AbortPromptError"))
      throw cancelled();
    throw error;
  }
}

/**
 * Asks for a new password twice until it is non-empty, both entries match and
 * `problems(password)` finds nothing, at most `attempts` times (as Django's
 * `changepassword`); each refusal is explained on stderr before asking again.
 */
export async function promptNewPassword(options: {
  problems: (password: string) => string[];
  stderr: (text: string) => void;
  attempts?: number;
}): Promise<string> {
  const attempts = options.attempts ?? Infinity;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const first = await promptHidden("Password:");
    const second = await promptHidden("Password (again):");
    if (first !== second) {
      options.stderr("Error: Your passwords didn't match.\n");
      continue;
    }
    if (first.trim() === "") {
      options.stderr("Error: Blank passwords aren't allowed.\n");
      continue;
    }
    const problems = options.problems(first);
    if (problems.length > 0) {
      for (const problem of problems) options.stderr(`Error: ${problem}\n`);
      continue;
    }
    return first;
  }
  throw new CliError(`no acceptable password after ${attempts} attempts; nothing was changed.`);
}
