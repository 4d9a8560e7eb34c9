import { setTimeout as delay } from "node:timers/promises";

/** Options of {@link waitUntil}. */
export interface WaitUntilOptions {
  /** Give up after this long. Milliseconds. */
  timeoutMs: number;
  /**
   * Pause between two checks. Milliseconds.
   * @default 25
   */
  intervalMs?: number;
  /** Checked before each attempt: a message means waiting is pointless (say, the server exited). */
  failFast?: () => string | null;
}

/**
 * Polls `check` until it resolves true: a bounded readiness loop, so a server that never
 * comes up fails the test with `what` in the message instead of hanging it.
 */
export async function waitUntil(what: string, check: () => Promise<boolean>, options: WaitUntilOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 25;
  for (;;) {
    const fatal = options.failFast?.() ?? null;
    if (fatal !== null) throw new Error(`Gave up waiting for ${what}: ${fatal}`);
    if (await check()) return;
    if (Date.now() >= deadline) throw new Error(`Timed out after ${options.timeoutMs} ms waiting for ${what}.`);
    await delay(intervalMs);
  }
}
