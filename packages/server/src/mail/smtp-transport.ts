import type { MailTransport } from "@latchkey/core";
import { nodemailerMessage, withNodemailer } from "./lazy-nodemailer.js";

/**
 * A {@link MailTransport} over SMTP with nodemailer: `smtp://` upgrades with STARTTLS whenever
 * the server offers it, `smtps://` speaks TLS from the first byte. Connections are pooled.
 * Timeouts are short so an unreachable server fails the attempt (and the outbox retries)
 * instead of holding a message for minutes. nodemailer is imported when the transport is made (see withNodemailer).
 */
export function smtpTransport(url: string): MailTransport {
  const transporter = withNodemailer(({ createTransport }) =>
    createTransport({
      url,
      pool: true,
      maxConnections: 2,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    }),
  );
  return {
    kind: "smtp",
    async send(mail) {
      await (await transporter).sendMail(nodemailerMessage(mail));
    },
    async close() {
      (await transporter.catch(() => null))?.close();
    },
  };
}
