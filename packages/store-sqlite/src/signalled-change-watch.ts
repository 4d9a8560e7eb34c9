import type Database from "better-sqlite3";
import { createChangeWatch, type ChangeWatch } from "./change-watch.js";
import { ownChangesOf } from "./connection-writes.js";

/**
 * A {@link ChangeWatch} for a process that is told about other processes' writes instead of
 * probing for them: the exact single-process path of the ready server on SQLite.
 *
 * While the process is the only server on its database file, a lookup costs no
 * `PRAGMA data_version` probe (that pragma takes the WAL read lock and was about a tenth of
 * the server's time under whoami load), and no statement at all: this connection's own
 * writes to the cached tables are counted in JavaScript by temporary triggers
 * (`connection-writes.ts`), so an application's own SQL on the same connection is still
 * noticed, on the very next lookup. Writes by other processes arrive through
 * {@link listenForSqliteChanges}: a `latchkey` command announces its writes and waits until
 * this process has called {@link SignalledChangeWatch.changed} before it returns, so a
 * session it revoked is refused on the very next request (the attack this stops: a
 * revoked or stolen cookie, or a deactivated user, kept alive by a stale cache).
 *
 * As soon as another server opens the same file (several `latchkey serve` processes, or
 * `--workers`), {@link SignalledChangeWatch.probeEveryLookup} turns the probe back on for
 * good: those servers write without announcing, and the probe keeps every cache exact.
 */
export interface SignalledChangeWatch extends ChangeWatch {
  /** Another process committed to the file: entries cached so far are dropped. */
  changed(): void;
  /** Another server shares the file: probe `data_version` on every lookup from now on. */
  probeEveryLookup(): void;
  /** Whether lookups probe `data_version` (another server was seen, or the listener could not start). */
  readonly probing: boolean;
}

/** A watch of `database` that starts without per-lookup probes (see {@link SignalledChangeWatch}). */
export function createSignalledChangeWatch(database: Database.Database): SignalledChangeWatch {
  const ownChanges = ownChangesOf(database);
  const probe = createChangeWatch(database);
  let probing = false;
  let changes = ownChanges();
  // The probing watch's generations are offset past ours when it takes over, so no entry
  // cached before the switch survives it.
  let generation = 0;
  let offset = 0;

  return {
    generation() {
      if (probing) return offset + probe.generation();
      const c = ownChanges();
      if (c !== changes) {
        changes = c;
        generation += 1;
      }
      return generation;
    },
    ownWrite() {
      if (probing) probe.ownWrite();
      else changes = ownChanges();
    },
    changed() {
      if (probing) offset += 1;
      else generation += 1;
    },
    probeEveryLookup() {
      if (probing) return;
      offset = generation + 1;
      probing = true;
    },
    get probing() {
      return probing;
    },
  };
}
