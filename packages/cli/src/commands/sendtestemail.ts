import { hostname } from "node:os";
import { Command } from "commander";
import { createServerMailTransport } from "@latchkey/server";
import { silentLogger } from "@latchkey/core";
import { CliError, usageError } from "../cli-error.js";
import type { CliIo } from "../cli-io.js";
import { loadCommandConfig } from "../command-context.js";
import { withConfigOptions } from "../command-options.js";

/**
 * `latchkey sendtestemail ADDRESS`, as Django's: sends one message straight through the
 * configured transport (not the outbox), so an operator sees at once whether `mail.url` works.
 */
export function sendtestemailCommand(io: CliIo): Command {
  return withConfigOptions(
    new Command("sendtestemail").description("send a test message through mail.url").argument("<address>", "recipient"),
  )
    .addHelpText(
      "after",
      "\nExample:\n  LATCHKEY_MAIL_URL=smtp://user:pass@smtp.example.com:587 latchkey sendtestemail me@example.com",
    )
    .action(async (address: string, _options: unknown, command: Command) => {
      if (!/^[^\s@]+@[^\s@]+$/.test(address)) throw usageError(`"${address}" is not an email address.`);
      const config = loadCommandConfig(command, io);
      if (config.mailUrl === null)
        throw new CliError("mail.url is not set (LATCHKEY_MAIL_URL): there is no transport to test.");
      const transport = createServerMailTransport(config, silentLogger);
      if (transport === null) throw new CliError("mail.url is not set.");
      const product = config.latchkey.mail?.productName ?? "latchkey";
      try {
        await transport.send({
          from: config.latchkey.mail?.from ?? "latchkey <no-reply@localhost>",
          to: address,
          subject: `Test email from ${product} on ${hostname()}`,
          text: `If you are reading this, ${product} can send mail through its ${transport.kind} transport.\n`,
          html: `<p>If you are reading this, ${product} can send mail through its ${transport.kind} transport.</p>`,
        });
      } catch (error) {
        throw new CliError(`the test message was not sent: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        await transport.close?.();
      }
      io.stdout(`Test message sent to ${address} (${transport.kind}).\n`);
    });
}
