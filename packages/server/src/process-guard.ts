import type { Logger } from "@latchkey/core";

/** Options of {@link installProcessGuard}. */
export interface ProcessGuardOptions {
  logger: Logger;
  /**
   * Called once after an uncaught exception has been logged: a graceful shutdown (stop
   * accepting, finish the requests in flight) that ends with exit code 1.
   */
  shutdown(): void;
  /** Ends the process at once (a second uncaught exception during the shutdown). @default process.exit */
  exit?(code: number): void;
}

/** At most this many `unhandled_rejection` lines a second; the rest are counted into the next line. */
const REJECTION_LINES_PER_SECOND = 5;

function describe(reason: unknown): { message: string; stack?: string } {
  if (reason instanceof Error)
    return reason.stack === undefined ? { message: reason.message } : { message: reason.message, stack: reason.stack };
  return { message: String(reason) };
}

/**
 * The ready server's policy for errors nothing handled (installed by `latchkey serve`):
 *
 * - **An unhandled promise rejection** is logged (`unhandled_rejection`, at most 5 lines a
 *   second, the rest counted) and the process keeps serving. Node's default ends the process,
 *   which turned one store hiccup into a fleet-wide outage: every node's timer rejected in the
 *   same second. Continuing is safe here: a rejection nobody awaits belongs to work that has
 *   already been given up on, it interrupts no synchronous code, so no in-memory state is left
 *   half-updated, and every request's outcome is decided by the promise its handler awaits.
 * - **An uncaught exception** is logged (`uncaught_exception`) and ends the process through a
 *   graceful shutdown with exit code 1: a throw that escaped a callback may have stopped an
 *   update of in-memory state (the session cache, the hashing queue) halfway, so serving on is
 *   not safe; the requests in flight finish and the supervisor (`--workers`' primary,
 *   systemd, Kubernetes) starts a fresh process. A second one during that shutdown exits at once.
 *
 * Returns the function that removes both listeners.
 */
export function installProcessGuard(options: ProcessGuardOptions): () => void {
  const { logger } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let windowStart = 0;
  let linesInWindow = 0;
  let suppressed = 0;
  let fatal = false;

  const onRejection = (reason: unknown): void => {
    const now = Date.now();
    if (now - windowStart >= 1_000) {
      windowStart = now;
      linesInWindow = 0;
    }
    if (linesInWindow >= REJECTION_LINES_PER_SECOND) {
      suppressed += 1;
      return;
    }
    linesInWindow += 1;
    const fields = {
      event: "unhandled_rejection",
      err: describe(reason),
      ...(suppressed > 0 ? { suppressedBefore: suppressed } : {}),
    };
    suppressed = 0;
    logger.error(fields, "a promise rejected with nothing handling it; the server keeps serving");
  };

  const onException = (error: unknown): void => {
    logger.error(
      { event: "uncaught_exception", err: describe(error) },
      fatal
        ? "a second uncaught exception during the shutdown: exiting now"
        : "an uncaught exception: shutting down gracefully (exit code 1) so a fresh process takes over",
    );
    if (fatal) {
      exit(1);
      return;
    }
    fatal = true;
    options.shutdown();
  };

  process.on("unhandledRejection", onRejection);
  process.on("uncaughtException", onException);
  return () => {
    process.off("unhandledRejection", onRejection);
    process.off("uncaughtException", onException);
  };
}
