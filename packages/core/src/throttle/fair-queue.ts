/**
 * Runs tasks at most `concurrency` at a time; waiting tasks are grouped by source and served
 * round-robin: one task of each waiting source in turn, so a source's position in line does not
 * depend on how many tasks it has queued.
 */
export interface FairQueue {
  /**
   * Runs `task` once a slot is free and it is `source`'s turn; resolves or rejects as the task
   * does. When a task settles, the next waiting task starts at once, and the settled task's
   * caller resumes on the next turn of the event loop, after the next task has run up to its
   * first wait on I/O or on the thread pool.
   */
  run<T>(source: string, task: () => Promise<T>): Promise<T>;
  /** Tasks running now and tasks waiting, for tests and metrics. */
  size(): { running: number; waiting: number };
}

/**
 * A {@link FairQueue} in front of the password hasher's pool.
 *
 * Attack stopped: hashing-queue starvation. A plain FIFO in front of a small pool lets one
 * client who sends a burst of guesses (or a burst of slow requests) put every other client's
 * login behind all of them: 200 queued guesses made a legitimate login take seconds. With
 * one line per source served in turn, a legitimate login waits for at most one task of each
 * other active source, however many each has queued.
 */
export function createFairQueue(concurrency: number): FairQueue {
  // The Map's insertion order is the rotation: the first source is served next, and a source
  // that still has waiters after being served goes to the back.
  const lines = new Map<string, (() => void)[]>();
  let running = 0;
  let waiting = 0;

  function startNext(): void {
    while (running < concurrency) {
      const first = lines.entries().next();
      if (first.done === true) return;
      const [source, line] = first.value;
      const start = line.shift();
      lines.delete(source);
      if (line.length > 0) lines.set(source, line);
      if (start === undefined) continue;
      waiting -= 1;
      running += 1;
      start();
    }
  }

  return {
    run<T>(source: string, task: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        // The slot is handed on the moment the task settles, and the settled task's caller
        // resumes only on the next turn of the event loop: by then the next task has run as far
        // as it can without waiting (for a password check: into the hashing pool), so the
        // caller's follow-up (a login's throttle and session writes, its answer) runs while the
        // pool works, instead of the pool waiting for it.
        const release = (): void => {
          running -= 1;
          startNext();
        };
        const start = (): void => {
          let settled: Promise<T>;
          try {
            settled = task();
          } catch (error) {
            settled = Promise.reject(error);
          }
          settled.then(
            (value) => {
              release();
              setImmediate(resolve, value);
            },
            (error: unknown) => {
              release();
              setImmediate(reject, error);
            },
          );
        };
        const line = lines.get(source);
        if (line === undefined) lines.set(source, [start]);
        else line.push(start);
        waiting += 1;
        startNext();
      });
    },
    size: () => ({ running, waiting }),
  };
}
