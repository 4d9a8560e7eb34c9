import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger, MailTransport } from "@latchkey/core";
import { nodemailerMessage, withNodemailer } from "./lazy-nodemailer.js";

/**
 * Development: prints each message (its plain-text part carries the link) to the log
 * instead of sending it. Refused in production, where mail must reach people.
 */
export function consoleTransport(logger: Logger): MailTransport {
  return {
    kind: "console",
    async send(mail) {
      logger.info(
        { event: "mail_console", to: mail.to, subject: mail.subject, text: mail.text },
        `mail to ${mail.to}: ${mail.subject}\n${mail.text}`,
      );
    },
  };
}

/**
 * Development: writes each message as an RFC 5322 `.eml` file (open it in a mail client)
 * into `directory`, named by time and a counter so the newest sorts last. nodemailer, which
 * builds the message, is imported when the transport is made (see withNodemailer).
 */
export function fileTransport(directory: string): MailTransport {
  const builder = withNodemailer(({ createTransport }) =>
    createTransport({ streamTransport: true, buffer: true, newline: "unix" }),
  );
  let counter = 0;
  return {
    kind: "file",
    async send(mail) {
      const info = await (await builder).sendMail(nodemailerMessage(mail));
      const raw: unknown = info.message;
      if (!Buffer.isBuffer(raw)) throw new Error("nodemailer did not build the message");
      mkdirSync(directory, { recursive: true });
      counter += 1;
      const name = `${new Date().toISOString().replace(/[:.]/g, "-")}-${process.pid}-${counter}.eml`;
      writeFileSync(join(directory, name), raw, { mode: 0o600 });
    },
  };
}
