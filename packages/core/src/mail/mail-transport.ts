/** One email, as handed to a transport. */
export interface MailEnvelope {
  from: string;
  to: string;
  subject: string;
  /** Plain-text part. */
  text: string;
  /** HTML part. */
  html: string;
}

/**
 * The mailer port: where the outbox worker hands messages. The ready server provides SMTP
 * (nodemailer), console and file transports; an app may pass its own. `send` resolves once
 * the message was accepted (an SMTP 250) and rejects otherwise; the outbox then retries.
 */
export interface MailTransport {
  /** What the transport is, for logs and the production check: `"smtp"`, `"console"`, `"file"`, … */
  readonly kind: string;
  send(mail: MailEnvelope): Promise<void>;
  /** Releases connections. */
  close?(): Promise<void>;
}
