import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";
import { waitUntil } from "./wait-until.js";

/** A message the sink received, parsed with mailparser. */
export interface ReceivedMail {
  /** The envelope recipient (RCPT TO). */
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  /** The first `?key=` value of a link in the plain-text part, or null. */
  key: string | null;
  /** The first http(s) link in the plain-text part, or null. */
  link: string | null;
  parsed: ParsedMail;
}

/** A real SMTP server on a loopback port that keeps what it receives. */
export interface SmtpSink {
  /** `smtp://127.0.0.1:<port>` (no TLS, no auth): a `mail.url`. */
  readonly url: string;
  readonly port: number;
  /** Every message received so far, in order. */
  readonly messages: readonly ReceivedMail[];
  /** Waits (bounded) until a message to `to` matching `predicate` arrived, and returns it. */
  waitForMail(
    to: string,
    options?: { timeoutMs?: number; predicate?: (mail: ReceivedMail) => boolean },
  ): Promise<ReceivedMail>;
  /** Stops listening (an SMTP outage). Connections in progress are cut. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
  /** Stops for good. */
  close(): Promise<void>;
}

function firstLink(text: string): string | null {
  return /https?:\/\/\S+/.exec(text)?.[0]?.replace(/[.,;:!?)]+$/, "") ?? null;
}

function keyOf(link: string | null): string | null {
  if (link === null) return null;
  try {
    return new URL(link).searchParams.get("key");
  } catch {
    return null;
  }
}

/**
 * Starts an SMTP sink on 127.0.0.1 (port 0: the kernel picks a free one), accepting any
 * sender and recipient without authentication. Each message is parsed with mailparser, so
 * tests assert what a real mail client would show.
 */
export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  let port = 0;
  let server: SMTPServer | null = null;

  function create(): SMTPServer {
    return new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS", "AUTH"],
      logger: false,
      // Stopping (an outage) must not wait for connected clients to say QUIT.
      closeTimeout: 500,
      onData(stream, session, callback) {
        simpleParser(stream)
          .then((parsed) => {
            const text = parsed.text ?? "";
            const link = firstLink(text);
            const key = keyOf(link);
            const from = session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address;
            for (const rcpt of session.envelope.rcptTo) {
              messages.push({
                to: rcpt.address.toLowerCase(),
                from,
                subject: parsed.subject ?? "",
                text,
                html: typeof parsed.html === "string" ? parsed.html : "",
                key,
                link,
                parsed,
              });
            }
            callback();
          })
          .catch((error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
      },
    });
  }

  async function listen(): Promise<void> {
    const next = create();
    await new Promise<void>((resolve, reject) => {
      next.once("error", reject);
      next.listen(port, "127.0.0.1", () => {
        next.off("error", reject);
        resolve();
      });
    });
    next.on("error", () => {});
    const address = next.server.address();
    if (address === null || typeof address === "string") throw new Error("the SMTP sink has no TCP address");
    port = address.port;
    server = next;
  }

  async function stop(): Promise<void> {
    const current = server;
    server = null;
    if (current === null) return;
    await new Promise<void>((resolve) => current.close(() => resolve()));
  }

  await listen();
  return {
    get url() {
      return `smtp://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    messages,
    async waitForMail(to, options = {}) {
      const wanted = to.toLowerCase();
      const match = (m: ReceivedMail): boolean => m.to === wanted && (options.predicate?.(m) ?? true);
      await waitUntil(`a mail to ${to}`, async () => messages.some(match), { timeoutMs: options.timeoutMs ?? 10_000 });
      const found = messages.find(match);
      if (found === undefined) throw new Error(`no mail to ${to}`);
      return found;
    },
    stop,
    restart: listen,
    close: stop,
  };
}
