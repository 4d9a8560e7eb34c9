import type { ChildRegistry } from "./children.js";
import type { BenchOptions } from "./options.js";
import type { Services } from "./services.js";

/** What every scenario gets. */
export interface BenchContext {
  readonly options: BenchOptions;
  readonly registry: ChildRegistry;
  readonly services: Services;
  /** A temp directory for databases and logs, deleted at the end. */
  readonly workDir: string;
  /** Progress output (stderr), so stdout keeps only the table. */
  log(line: string): void;
}
