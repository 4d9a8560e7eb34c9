/**
 * Summarises a V8 CPU profile (from `--cpu-prof`) as the functions with the most self time
 * and the most total time: `node bench/dist/profile-summary.js <file.cpuprofile> [count]`.
 * Profile a server under load with
 * `BENCH_SERVER_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench -- --only whoami`.
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function isProfile(value: unknown): value is Profile {
  return (
    typeof value === "object" &&
    value !== null &&
    "nodes" in value &&
    Array.isArray(value.nodes) &&
    "samples" in value &&
    Array.isArray(value.samples) &&
    "timeDeltas" in value &&
    Array.isArray(value.timeDeltas)
  );
}

function nameOf(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url === "" ? "" : ` ${relative(process.cwd(), url.replace(/^file:\/\//, ""))}:${lineNumber + 1}`;
  return `${functionName === "" ? "(anonymous)" : functionName}${where}`;
}

function main(): void {
  const file = process.argv[2];
  if (file === undefined) {
    console.error("usage: node bench/dist/profile-summary.js <file.cpuprofile> [count]");
    process.exitCode = 2;
    return;
  }
  const count = Number(process.argv[3] ?? "25");
  const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
  if (!isProfile(parsed)) throw new Error(`${file} is not a V8 CPU profile.`);
  const byId = new Map(parsed.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of parsed.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let all = 0;
  let idle = 0;
  parsed.samples.forEach((id, i) => {
    const dt = parsed.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (node === undefined) return;
    const name = nameOf(node);
    all += dt;
    if (node.callFrame.functionName === "(idle)") {
      idle += dt;
      return;
    }
    self.set(name, (self.get(name) ?? 0) + dt);
    // Total time: once per distinct function on the stack (recursion counted once).
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at);
      if (frame === undefined) break;
      const frameName = nameOf(frame);
      if (seen.has(frameName)) continue;
      seen.add(frameName);
      total.set(frameName, (total.get(frameName) ?? 0) + dt);
    }
  });
  const busy = all - idle;
  const top = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, us]) => `${((us / busy) * 100).toFixed(1).padStart(5)}%  ${name}`)
      .join("\n");
  console.log(
    `busy ${(busy / 1e6).toFixed(2)} s of ${(all / 1e6).toFixed(2)} s sampled\n\nself time:\n${top(self)}\n\ntotal time:\n${top(total)}`,
  );
}

main();
