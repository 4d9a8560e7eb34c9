import { join } from "node:path";
import type { Latchkey, Logger, MailTransport } from "@latchkey/core";
import type { ServerConfig } from "../server-config.js";
import { ServerConfigError } from "../server-config.js";
import { consoleTransport, fileTransport } from "./dev-transports.js";
import { parseMailUrl } from "./mail-url.js";
import { smtpTransport } from "./smtp-transport.js";

/** The transport `mail.url` names, or null when it is unset. */
export function createServerMailTransport(
  config: Pick<ServerConfig, "mailUrl" | "dataDir" | "sources">,
  logger: Logger,
): MailTransport | null {
  if (config.mailUrl === null) return null;
  const parsed = parseMailUrl(config.mailUrl);
  if ("problem" in parsed)
    throw new ServerConfigError([`${config.sources["mail.url"] ?? "mail.url"}: ${parsed.problem}`]);
  const target = parsed.target;
  if (target.kind === "smtp") return smtpTransport(target.url);
  if (target.kind === "console") return consoleTransport(logger);
  return fileTransport(target.directory ?? join(config.dataDir, "mail"));
}

/** The routes of `latchkey` that send mail and are on. */
function mailingRoutes(latchkey: Latchkey): string[] {
  const routes = latchkey.config.routes;
  return (["signup", "emailVerifyResend", "passwordReset", "emailChange"] as const).filter(
    (name) => routes[name].length > 0,
  );
}

/**
 * In production, mail that people must receive cannot go to the console or a file: refuse to
 * start when a route that sends mail is on and `mail.url` is not SMTP. In development, say
 * once where mail goes.
 */
export function checkServerMail(
  config: Pick<ServerConfig, "mode" | "sources">,
  latchkey: Latchkey,
  transport: MailTransport | null,
  logger: Logger,
): void {
  const sending = mailingRoutes(latchkey);
  if (sending.length === 0) return;
  if (config.mode === "production" && transport?.kind !== "smtp") {
    throw new ServerConfigError([
      `${config.sources["mail.url"] ?? "mail.url"}: production needs an SMTP transport (smtp://user:pass@host:587 or smtps://…) because these routes send mail: ${sending.join(", ")}; turn them off (routes.<name>: false) or configure SMTP`,
    ]);
  }
  if (transport === null)
    logger.warn(
      { event: "mail_unconfigured", routes: sending },
      "mail.url is unset: account mail waits in the outbox until a transport is configured",
    );
  else
    logger.info(
      { event: "mail_transport", transport: transport.kind },
      `account mail goes to the ${transport.kind} transport`,
    );
}
