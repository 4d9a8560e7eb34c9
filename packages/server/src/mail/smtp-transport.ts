import type { MailTransport } from "@latchkey/core";
import { createTransport } from "nodemailer";

/**
 * A {@link MailTransport} over SMTP with nodemailer: `smtp://` upgrades with STARTTLS whenever
 * the server offers it, `smtps://` speaks TLS from the first byte. Connections are pooled.
 * Timeouts are short so an unreachable server fails the attempt (and the outbox retries)
 * instead of holding a message for minutes.
 */
export function smtpTransport(url: string): MailTransport {
  const transporter = createTransport({
    url,
    pool: true,
    maxConnections: 2,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    kind: "smtp",
    async send(mail) {
      await transporter.sendMail({
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
      });
    },
    async close() {
      transporter.close();
    },
  };
}
