/** What `mail.url` names. */
export type MailTarget =
  /**
   * SMTP: `smtp://user:pass@host:port` (STARTTLS whenever the server offers it) or `smtps://…` (TLS from the start).
   */
  | { kind: "smtp"; url: string }
  /** Development: each message printed to the log, link included. */
  | { kind: "console" }
  /** Development: each message written as an `.eml` file into `directory` (default `<dataDir>/mail`). */
  | { kind: "file"; directory: string | null };

/** Parses `mail.url`, or returns the problem with it. */
export function parseMailUrl(value: string): { target: MailTarget } | { problem: string } {
  if (value === "console:" || value === "console") return { target: { kind: "console" } };
  if (value === "file:" || value === "file") return { target: { kind: "file", directory: null } };
  if (value.startsWith("file:"))
    return { target: { kind: "file", directory: value.slice("file:".length).replace(/^\/\/(?=\/)/, "") } };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: `"${value}" is not a mail URL (smtp://user:pass@host:587, smtps://…, console: or file:)` };
  }
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:")
    return { problem: `"${url.protocol}" is not a mail transport: use smtp:, smtps:, console: or file:` };
  if (url.hostname === "") return { problem: "the SMTP URL has no host" };
  return { target: { kind: "smtp", url: value } };
}
