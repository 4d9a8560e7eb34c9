import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A test's temp folder and everything it started, undone in reverse order by `cleanup()`. */
export interface Fixture {
  readonly dir: string;
  /** `dir/<parts>`, created as a folder. */
  folder(...parts: string[]): string;
  /** Registers an undo step (stop a server, close a context), run by `cleanup()`, last first. */
  defer(step: () => unknown): void;
  /** Runs every undo step (all of them, even if some fail), then deletes `dir`. */
  cleanup(): Promise<void>;
}

/**
 * A fresh temp folder, readable by other users: when the tests run as root, nginx's workers
 * run as `nobody` and must read the SPA files and traverse the folders above them.
 */
export function createFixture(name: string): Fixture {
  const dir = mkdtempSync(join(tmpdir(), `latchkey-browser-${name}-`));
  chmodSync(dir, 0o755);
  const steps: (() => unknown)[] = [];
  return {
    dir,
    folder(...parts) {
      const path = join(dir, ...parts);
      mkdirSync(path, { recursive: true, mode: 0o755 });
      return path;
    },
    defer(step) {
      steps.push(step);
    },
    async cleanup() {
      const errors: unknown[] = [];
      for (const step of steps.splice(0).reverse()) {
        try {
          await step();
        } catch (error) {
          errors.push(error);
        }
      }
      rmSync(dir, { recursive: true, force: true });
      if (errors.length > 0) throw new AggregateError(errors, `cleanup of the ${name} fixture failed`);
    },
  };
}
