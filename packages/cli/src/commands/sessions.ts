import type { Latchkey, SessionRecord } from "@latchkey/core";
import { Command } from "commander";
import { CliError, usageError } from "../cli-error.js";
import type { CliIo } from "../cli-io.js";
import { withCommandContext } from "../command-context.js";
import { flagOption, stringOption, withConfigOptions } from "../command-options.js";
import { formatJson, formatTable, formatTime, isoTime, plural, truncate } from "../format.js";

async function userIdOf(latchkey: Latchkey, username: string): Promise<string> {
  const user = await latchkey.accounts.findUser(username);
  if (user === null) throw new CliError(`user "${username}" does not exist.`);
  return String(user.id);
}

/** Usernames of the sessions' users, looked up once each. */
async function usernames(latchkey: Latchkey, sessions: readonly SessionRecord[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const { userId } of sessions) {
    if (names.has(userId)) continue;
    const user = await latchkey.accounts.getUser(userId);
    names.set(userId, user === null ? `(deleted user ${userId})` : user.username);
  }
  return names;
}

function listCommand(io: CliIo): Command {
  return withConfigOptions(
    new Command("list")
      .description("list sessions and bearer tokens, newest first")
      .option("--user <username>", "only this user's sessions")
      .option("--limit <count>", "at most this many sessions (default 100; all of a user's with --user)")
      .option("--json", "print JSON instead of a table"),
  )
    .addHelpText("after", "\nExamples:\n  latchkey sessions list\n  latchkey sessions list --user alice --json")
    .action(async (_options: unknown, command: Command) => {
      const limitText = stringOption(command, "limit");
      const limit = limitText === undefined ? undefined : Number(limitText);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
        throw usageError(`--limit "${limitText}": must be a positive integer.`);
      await withCommandContext(command, io, async ({ latchkey }) => {
        const username = stringOption(command, "user");
        const userId = username === undefined ? undefined : await userIdOf(latchkey, username);
        const sessions = await latchkey.sessions.list({
          ...(userId === undefined ? {} : { userId }),
          ...(limit === undefined ? {} : { limit }),
        });
        const shown = limit === undefined ? sessions : sessions.slice(0, limit);
        const names = await usernames(latchkey, shown);
        const now = Date.now();
        const rows = shown.map((s) => {
          const expiresAt = Math.min(s.expiresAt, s.absoluteExpiresAt);
          return { session: s, username: names.get(s.userId) ?? s.userId, expiresAt, expired: expiresAt <= now };
        });
        if (flagOption(command, "json") === true) {
          io.stdout(
            formatJson(
              rows.map(({ session: s, username: name, expiresAt, expired }) => ({
                id: s.id,
                userId: s.userId,
                username: name,
                kind: s.kind,
                createdAt: isoTime(s.createdAt),
                lastSeenAt: isoTime(s.lastSeenAt),
                expiresAt: isoTime(expiresAt),
                expired,
                ip: s.ip,
                userAgent: s.userAgent,
                label: s.label,
              })),
            ),
          );
          return;
        }
        if (rows.length === 0) {
          io.stdout("No sessions.\n");
          return;
        }
        io.stdout(
          formatTable(
            ["ID", "USER", "KIND", "CREATED", "LAST SEEN", "EXPIRES", "IP", "USER AGENT"],
            rows.map(({ session: s, username: name, expiresAt, expired }) => [
              s.id,
              name,
              s.kind,
              formatTime(s.createdAt),
              formatTime(s.lastSeenAt),
              `${formatTime(expiresAt)}${expired ? " (expired)" : ""}`,
              s.ip ?? "-",
              truncate(s.label ?? s.userAgent ?? "-", 60),
            ]),
          ),
        );
      });
    });
}

function revokeCommand(io: CliIo): Command {
  return withConfigOptions(
    new Command("revoke")
      .description("end one session (by the ID that `sessions list` shows) or all sessions of a user")
      .argument("[id]", "the session's public ID")
      .option("--user <username>", "end every session and token of this user instead"),
  )
    .addHelpText("after", "\nExamples:\n  latchkey sessions revoke 3q2-7wEe…\n  latchkey sessions revoke --user alice")
    .action(async (id: string | undefined, _options: unknown, command: Command) => {
      const username = stringOption(command, "user");
      if ((id === undefined) === (username === undefined))
        throw usageError("give either a session ID or --user <username>, not both.");
      await withCommandContext(command, io, async ({ latchkey, db }) => {
        if (username !== undefined) {
          const count = await latchkey.sessions.revokeUser(await userIdOf(latchkey, username));
          io.stdout(`Revoked ${plural(count, "session")} of user "${username}".\n`);
          return;
        }
        const sessionId = id ?? "";
        if ((await db.stores.sessions.getSession(sessionId)) === null)
          throw new CliError(`no session with ID "${sessionId}".`);
        await latchkey.sessions.revoke(sessionId);
        io.stdout(`Session ${sessionId} revoked.\n`);
      });
    });
}

/** `latchkey sessions list|revoke`. */
export function sessionsCommand(io: CliIo): Command {
  return new Command("sessions")
    .description("list and revoke sessions")
    .addCommand(listCommand(io))
    .addCommand(revokeCommand(io));
}
