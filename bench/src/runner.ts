import type { ChildRegistry } from "./children.js";
import type { BenchContext } from "./context.js";
import { duration } from "./format.js";
import { machineInfo } from "./machine.js";
import { SCENARIOS, type BenchOptions, type ScenarioName } from "./options.js";
import type { BenchReport } from "./results.js";
import { adaptersScenario } from "./scenarios/adapters.js";
import { flatCostScenario } from "./scenarios/flat-cost.js";
import { guessBurstScenario } from "./scenarios/guess-burst.js";
import { enumerationTimingScenario } from "./scenarios/enumeration-timing.js";
import { loginStormScenario } from "./scenarios/login-storm.js";
import { loginScenario } from "./scenarios/login.js";
import { memoryScenario } from "./scenarios/memory.js";
import { revocationScenario } from "./scenarios/revocation.js";
import { whoamiScenario } from "./scenarios/whoami.js";
import { createServices } from "./services.js";
import { checkTargets } from "./targets.js";

const TITLES: Record<ScenarioName, string> = {
  whoami: "1. authenticated whoami vs bare node:http",
  adapters: "2. Express, Fastify, Hono and node:http adapters",
  flat: "3. flat cost: small vs large store",
  login: "4. login throughput and argon2id alone",
  storm: "5. whoami during a login storm",
  memory: "6. memory",
  burst: "7. a legitimate login during a guess burst from one IP",
  timing: "8. answer times for known vs unknown addresses (no enumeration)",
  revocation: "9. revocation under load: 3 processes, logouts one at a time",
};

/** Runs one scenario and stores its result. */
async function runScenario(name: ScenarioName, ctx: BenchContext, scenarios: BenchReport["scenarios"]): Promise<void> {
  switch (name) {
    case "whoami":
      scenarios.whoami = await whoamiScenario(ctx);
      return;
    case "adapters":
      scenarios.adapters = await adaptersScenario(ctx);
      return;
    case "flat":
      scenarios.flat = await flatCostScenario(ctx);
      return;
    case "login":
      scenarios.login = await loginScenario(ctx);
      return;
    case "storm":
      scenarios.storm = await loginStormScenario(ctx);
      return;
    case "memory":
      scenarios.memory = await memoryScenario(ctx);
      return;
    case "burst":
      scenarios.burst = await guessBurstScenario(ctx);
      return;
    case "timing":
      scenarios.timing = await enumerationTimingScenario(ctx);
      return;
    case "revocation":
      scenarios.revocation = await revocationScenario(ctx);
      return;
  }
}

/** The command that reproduces a run with these options. */
function commandOf(options: BenchOptions): string {
  const flags: string[] = [];
  if (options.quick) flags.push("--quick");
  if (!options.quick && options.durationSeconds !== 10) flags.push(`--duration ${options.durationSeconds}`);
  if (options.connections !== 50) flags.push(`--connections ${options.connections}`);
  if (!options.quick && options.runs !== 3) flags.push(`--runs ${options.runs}`);
  if (!options.quick && options.sliceSeconds !== 3) flags.push(`--slice ${options.sliceSeconds}`);
  if (!options.quick && options.slicesPerRound !== 3) flags.push(`--slices ${options.slicesPerRound}`);
  if (options.only.length !== SCENARIOS.length) flags.push(`--only ${options.only.join(",")}`);
  if (!options.pin) flags.push("--no-pin");
  if (options.peers) flags.push("--peers");
  return flags.length === 0 ? "npm run bench" : `npm run bench -- ${flags.join(" ")}`;
}

/**
 * Runs the chosen scenarios one after another and returns the report. Every child process
 * (servers, load generators, Redis, PostgreSQL) is stopped before it returns or throws.
 * `workDir` holds the databases and logs; the caller deletes it.
 */
export async function runBench(
  options: BenchOptions,
  registry: ChildRegistry,
  workDir: string,
  log: (line: string) => void,
): Promise<BenchReport> {
  const startedAt = new Date();
  const services = createServices(registry, log);
  const ctx: BenchContext = { options, registry, services, workDir, log };
  const scenarios: BenchReport["scenarios"] = {};
  const failures: BenchReport["failures"] = [];
  try {
    for (const name of options.only) {
      const began = Date.now();
      log(`\n${TITLES[name]}`);
      try {
        await runScenario(name, ctx, scenarios);
      } catch (error) {
        // One broken scenario must not cost the figures of the others: it is reported and the run goes on.
        const message = error instanceof Error ? error.message : String(error);
        failures.push({ scenario: name, message });
        log(`  FAILED: ${message}`);
        await registry.stopAll();
      }
      log(`  (${duration((Date.now() - began) / 1000)})`);
    }
  } finally {
    await registry.stopAll();
    await services.dispose();
  }
  return {
    schema: 1,
    machine: machineInfo(startedAt),
    settings: {
      durationSeconds: options.durationSeconds,
      sliceSeconds: options.sliceSeconds,
      slicesPerRound: options.slicesPerRound,
      settleSeconds: options.settleSeconds,
      primedSlices: true,
      warmupSeconds: options.warmupSeconds,
      runs: options.runs,
      connections: options.connections,
      loginConnections: options.loginConnections,
      quick: options.quick,
      peers: options.peers,
      scenarios: [...options.only],
      pinning: registry.pinned
        ? {
            used: true,
            serverCore: 0,
            loadCore: 1,
            note: "yes (taskset): each server, its thread pool and its store (Redis, PostgreSQL) on core 0; load generators on core 1.",
          }
        : {
            used: false,
            serverCore: null,
            loadCore: null,
            note: "no (taskset unavailable, fewer than 2 cores, or --no-pin): servers and load generators share every core.",
          },
      loadGenerator: "autocannon 8 (programmatic API)",
      command: commandOf(options),
    },
    elapsedSeconds: (Date.now() - startedAt.getTime()) / 1000,
    scenarios,
    failures,
    targets: checkTargets(scenarios),
  };
}
