import type { MailEnvelope } from "@latchkey/core";

type Nodemailer = typeof import("nodemailer");

/**
 * Builds something with nodemailer, imported now rather than when `@latchkey/server` is: a
 * server without `mail.url` never loads it (about 2 MiB of heap and 3 MiB of RSS in every
 * process). Should the import fail, whoever awaits the result gets its error (a send rejects
 * and the outbox retries); the failure is not an unhandled rejection in the meantime.
 */
export function withNodemailer<T>(make: (nodemailer: Nodemailer) => T): Promise<T> {
  const made = import("nodemailer").then(make);
  made.catch(() => undefined);
  return made;
}

/** The message fields nodemailer sends, from one of latchkey's mails. */
export function nodemailerMessage(mail: MailEnvelope): {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
} {
  return { from: mail.from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html };
}
