import type { ResolvedConfig, ResolvedWorld } from "../config/resolved-config.js";
import type { AccountStore } from "../ports/account-store.js";
import type { MailTransport } from "./mail-transport.js";

/** Sends what waits in the durable outbox. */
export interface OutboxWorker {
  /** One pass: claims due messages and hands each to the transport. Resolves to how many were sent. */
  runOnce(): Promise<number>;
  /** Polls every `mail.pollIntervalMs` until {@link OutboxWorker.stop}. Calling it twice does nothing. */
  start(): void;
  /** Stops polling and waits for the pass in progress. */
  stop(): Promise<void>;
}

/**
 * The outbox worker. Each message is claimed under a lease (so with several processes each
 * message goes to one sender), handed to the transport, and deleted only once the transport
 * accepted it; a failure schedules a retry with exponential backoff capped at
 * `mail.retryMaxMs`. A message is never dropped: an SMTP outage delays mail, never loses it.
 */
export function createOutboxWorker(
  config: ResolvedConfig,
  world: ResolvedWorld,
  store: AccountStore,
  transport: MailTransport,
): OutboxWorker {
  const { mail } = config;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: Promise<number> | null = null;
  let stopped = true;

  function backoff(attempts: number): number {
    return Math.min(mail.retryMaxMs, mail.retryBaseMs * 2 ** Math.min(30, Math.max(0, attempts - 1)));
  }

  async function pass(): Promise<number> {
    const now = world.clock.now();
    const claimed = await store.claimMessages({ now, leaseMs: mail.leaseMs, limit: mail.batchSize });
    let sent = 0;
    for (const message of claimed) {
      try {
        await transport.send({
          from: mail.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
        });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        const retryAt = world.clock.now() + backoff(message.attempts);
        world.logger.warn(
          { event: "mail_failed", messageId: message.id, attempts: message.attempts, retryAt, reason },
          "mail not sent; will retry",
        );
        await store.retryMessage(message.id, retryAt, reason);
        continue;
      }
      await store.completeMessage(message.id);
      sent += 1;
      world.logger.info(
        { event: "mail_sent", messageId: message.id, attempts: message.attempts, transport: transport.kind },
        "mail sent",
      );
    }
    return sent;
  }

  function runOnce(): Promise<number> {
    // One pass at a time per process: a pass started while another runs waits for it.
    const next = (running ?? Promise.resolve(0)).catch(() => 0).then(pass);
    running = next;
    return next.finally(() => {
      if (running === next) running = null;
    });
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = null;
      runOnce()
        .then((sent) => {
          // A full batch means more may be waiting: go again at once.
          if (sent >= mail.batchSize && !stopped) return runOnce();
          return 0;
        })
        .catch((error: unknown) => {
          world.logger.error(
            { event: "outbox_unavailable", reason: error instanceof Error ? error.message : String(error) },
            "outbox pass failed; retrying",
          );
        })
        .finally(schedule);
    }, mail.pollIntervalMs);
    timer.unref?.();
  }

  return {
    runOnce,
    start() {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await running?.catch(() => 0);
    },
  };
}
