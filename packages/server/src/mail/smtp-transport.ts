import type { MailTransport } from "@latchkey/core";

/**
 * A {@link MailTransport} over SMTP with nodemailer: `smtp://` upgrades with STARTTLS whenever
 * the server offers it, `smtps://` speaks TLS from the first byte. Connections are pooled.
 * Timeouts are short so an unreachable server fails the attempt (and the outbox retries)
 * instead of holding a message for minutes.
 *
 * nodemailer is imported when the transport is made, not when `@latchkey/server` is: a server
 * without `mail.url` never loads it (about 2 MiB of heap and 3 MiB of RSS in every process).
 */
export function smtpTransport(url: string): MailTransport {
  const transporter = import("nodemailer").then(({ createTransport }) =>
    createTransport({
      url,
      pool: true,
      maxConnections: 2,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    }),
  );
  // Should the import fail, each send rejects with its error (and the outbox retries); it is not
  // an unhandled rejection in the meantime.
  transporter.catch(() => undefined);
  return {
    kind: "smtp",
    async send(mail) {
      await (await transporter).sendMail({
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
      });
    },
    async close() {
      (await transporter.catch(() => null))?.close();
    },
  };
}
