/**
 * `npm run bench`: measures latchkey against bare servers and writes bench/results/.
 * See `npm run bench -- --help`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createChildRegistry } from "./children.js";
import { BenchUsageError, HELP, parseOptions } from "./options.js";
import { writeReports } from "./report-files.js";
import { runBench } from "./runner.js";
import { stdoutTable } from "./stdout-table.js";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

async function main(): Promise<number> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2), REPO_ROOT);
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    console.error(`${error.message}\n\n${HELP}`);
    return 2;
  }
  if (options.help) {
    console.log(HELP);
    return 0;
  }
  const registry = createChildRegistry({ pin: options.pin, cores: availableParallelism() });
  const workDir = mkdtempSync(join(tmpdir(), "latchkey-bench-"));
  const log = (line: string) => console.error(line);
  // Whatever way we leave: every child we started is killed by pid (Redis and PostgreSQL by
  // @latchkey/testkit's own exit hook), and the databases and logs are deleted.
  const cleanUp = () => {
    registry.killAllNow();
    rmSync(workDir, { recursive: true, force: true });
  };
  const interrupt = (signal: NodeJS.Signals) => {
    log(`\n${signal}: stopping every process the bench started`);
    cleanUp();
    process.exit(130);
  };
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  process.once("exit", cleanUp);

  log(
    `latchkey bench: ${options.only.join(", ")}; ${options.runs} round(s); scenarios 1-3 in slices of ${options.sliceSeconds} s, ${options.slicesPerRound} per server per round, alternating with the baseline; other runs ${options.durationSeconds} s; ${options.connections} connections; pinning ${registry.pinned ? "on (servers on core 0, load on core 1)" : "off"}`,
  );
  const report = await runBench(options, registry, workDir, log);
  const files = writeReports(report, options.outDir);
  console.log(`\n${stdoutTable(report)}`);
  log(`Wrote ${files.join(", ")}`);
  for (const failure of report.failures) log(`Scenario ${failure.scenario} failed: ${failure.message}`);
  return report.failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  },
);
