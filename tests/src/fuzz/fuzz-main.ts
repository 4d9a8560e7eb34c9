/**
 * `npm run fuzz`: the long fuzzing run. Sends generated requests to every server of
 * FUZZ_SERVERS in turn (an equal share each) and checks every answer as the suite does,
 * printing progress as it goes; stops at the first broken rule (exit code 1, with the
 * seed and the smallest failing request), at the request count, or at the time limit.
 *
 *   npm run fuzz                                   # 10^6 requests, at most 180 minutes
 *   npm run fuzz -- --requests 50000 --minutes 10 --servers node,ready --seed 42
 */
import { parseArgs } from "node:util";
import { runFuzz } from "./fuzz-run.js";
import { FUZZ_SERVERS } from "./fuzz-servers.js";
import { createFuzzTarget } from "./fuzz-target.js";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "1000000" },
    minutes: { type: "string", default: "180" },
    servers: { type: "string", default: Object.keys(FUZZ_SERVERS).join(",") },
    seed: { type: "string" },
  },
});
const total = Number(values.requests);
const deadline = Date.now() + Number(values.minutes) * 60_000;
const names = values.servers.split(",").filter((n) => n !== "");
for (const name of names)
  if (FUZZ_SERVERS[name] === undefined)
    throw new Error(`unknown server ${name}; known: ${Object.keys(FUZZ_SERVERS).join(", ")}`);
const share = Math.ceil(total / names.length);
const started = Date.now();
const cpuStart = process.cpuUsage();
let sent = 0;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(0)} s`;
}

for (const [index, name] of names.entries()) {
  const start = FUZZ_SERVERS[name];
  if (start === undefined) continue;
  const remaining = deadline - Date.now();
  if (remaining <= 0) break;
  // Each server gets an equal share of the time left.
  const timeLimitMs = Math.floor(remaining / (names.length - index));
  const target = await createFuzzTarget(await start());
  console.log(`${name}: up to ${share.toLocaleString("en")} requests in at most ${seconds(timeLimitMs)}`);
  try {
    const report = await runFuzz(target, {
      numRuns: share,
      timeLimitMs,
      ...(values.seed === undefined ? {} : { seed: Number(values.seed) }),
      progressEvery: 10_000,
      onProgress: (n, statuses) => {
        const counts = [...statuses]
          .sort(([a], [b]) => a - b)
          .map(([s, c]) => `${s}×${c}`)
          .join(" ");
        console.log(
          `  ${name}: ${n.toLocaleString("en")} / ${share.toLocaleString("en")} requests, ${seconds(Date.now() - started)} in all; ${counts}`,
        );
      },
    });
    sent += report.requests;
    console.log(`${name}: ${report.requests.toLocaleString("en")} requests, every rule kept (seed ${report.seed})`);
    await target.close();
  } catch (error) {
    console.error(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    await target.close().catch((closeError: unknown) => console.error(String(closeError)));
    process.exitCode = 1;
    break;
  }
}
const cpu = process.cpuUsage(cpuStart);
console.log(
  `${sent.toLocaleString("en")} requests in ${seconds(Date.now() - started)} (CPU ${seconds((cpu.user + cpu.system) / 1000)})`,
);
