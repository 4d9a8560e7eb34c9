import type { MfaStore, Stores, User } from "@latchkey/core";
import { Command } from "commander";
import { CliError } from "../cli-error.js";
import type { CliIo } from "../cli-io.js";
import { withCommandContext } from "../command-context.js";
import { flagOption, withConfigOptions } from "../command-options.js";
import { formatJson, formatTime, isoTime } from "../format.js";

function mfaOf(stores: Stores): MfaStore {
  if (stores.mfa === undefined)
    throw new CliError("this store keeps no second factors (use SQLite or PostgreSQL for users).");
  return stores.mfa;
}

async function userOrFail(find: (username: string) => Promise<User | null>, username: string): Promise<User> {
  const user = await find(username);
  if (user === null) throw new CliError(`user "${username}" does not exist.`);
  return user;
}

/** The user's factors, as `latchkey users mfa USER` shows them. */
async function factorsOf(stores: Stores, userId: string) {
  const mfa = mfaOf(stores);
  const totp = await mfa.getTotp(userId);
  const passkeys = stores.passkeys === undefined ? [] : await stores.passkeys.listCredentials(userId);
  return {
    totp: totp === null ? "off" : totp.confirmed ? "on" : "set up, not confirmed",
    recoveryCodesRemaining: await mfa.countRecoveryCodes(userId),
    passkeys: passkeys.map((p) => ({ id: p.id, name: p.name, createdAt: p.createdAt, lastUsedAt: p.lastUsedAt })),
  };
}

function resetCommand(io: CliIo): Command {
  return withConfigOptions(
    new Command("reset")
      .description(
        "remove every second factor of a user (authenticator app, recovery codes, passkeys) so a locked-out user can log in with the password alone",
      )
      .argument("<username>", "the user"),
  )
    .addHelpText(
      "after",
      "\nExample:\n  latchkey users mfa reset alice\n\nVerify who is asking first: this removes the protection a stolen password would meet.",
    )
    .action(async (username: string, _options: unknown, command: Command) => {
      await withCommandContext(command, io, async ({ latchkey, db }) => {
        const user = await userOrFail((name) => latchkey.accounts.findUser(name), username);
        const userId = String(user.id);
        const before = await factorsOf(db.stores, userId);
        await mfaOf(db.stores).deleteUserFactors(userId);
        const passkeysRemoved =
          db.stores.passkeys === undefined ? 0 : await db.stores.passkeys.deleteUserCredentials(userId);
        // An audit line on stderr (stdout stays the human summary): who lost which factors, and when.
        io.stderr(
          `${JSON.stringify({ event: "mfa_reset", userId, username: user.username, totp: before.totp, recoveryCodesRemoved: before.recoveryCodesRemaining, passkeysRemoved, at: new Date().toISOString() })}\n`,
        );
        io.stdout(
          `Second factors of "${user.username}" removed: authenticator app ${before.totp === "off" ? "(none)" : "removed"}, ${before.recoveryCodesRemaining} recovery codes, ${passkeysRemoved} passkeys. They now log in with the password alone.\n`,
        );
      });
    });
}

/** `latchkey users mfa USER` and `latchkey users mfa reset USER`. */
export function usersMfaCommand(io: CliIo): Command {
  return withConfigOptions(
    new Command("mfa")
      .description("show a user's second factors; `reset` removes them")
      .argument("[username]", "the user")
      .option("--json", "print JSON")
      .addCommand(resetCommand(io)),
  )
    .addHelpText(
      "after",
      "\nExamples:\n  latchkey users mfa alice\n  latchkey users mfa alice --json\n  latchkey users mfa reset alice",
    )
    .action(async (username: string | undefined, _options: unknown, command: Command) => {
      if (username === undefined) throw new CliError("name the user: latchkey users mfa USERNAME");
      await withCommandContext(command, io, async ({ latchkey, db }) => {
        const user = await userOrFail((name) => latchkey.accounts.findUser(name), username);
        const factors = await factorsOf(db.stores, String(user.id));
        if (flagOption(command, "json") === true) {
          io.stdout(
            formatJson({
              username: user.username,
              ...factors,
              passkeys: factors.passkeys.map((p) => ({
                ...p,
                createdAt: isoTime(p.createdAt),
                lastUsedAt: isoTime(p.lastUsedAt),
              })),
            }),
          );
          return;
        }
        const lines = [
          `User: ${user.username}`,
          `Authenticator app (TOTP): ${factors.totp}`,
          `Recovery codes left: ${factors.recoveryCodesRemaining}`,
          `Passkeys: ${factors.passkeys.length === 0 ? "none" : ""}`,
          ...factors.passkeys.map(
            (p) => `  - ${p.name} (added ${formatTime(p.createdAt)}, last used ${formatTime(p.lastUsedAt)})`,
          ),
        ];
        io.stdout(`${lines.join("\n")}\n`);
      });
    });
}
