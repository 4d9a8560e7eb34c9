import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`, 100 nearly everywhere). */
let ticksPerSecond: number | undefined;

export function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      const value = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
      ticksPerSecond = Number.isFinite(value) && value > 0 ? value : 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * A /proc stat file (`/proc/<pid>/stat`, `/proc/<pid>/task/<tid>/stat`): the command name
 * (which may hold spaces and parentheses) and the fields after it. Throws if it cannot be read.
 */
export function statOf(path: string): { name: string; fields: string[] } {
  const text = readFileSync(path, "utf8");
  return {
    name: text.slice(text.indexOf("(") + 1, text.lastIndexOf(")")),
    fields: text.slice(text.lastIndexOf(")") + 2).split(" "),
  };
}

/** Fields of /proc/<pid>/stat after the command name, or null when it cannot be read. */
function statFields(pid: number): string[] | null {
  try {
    return statOf(`/proc/${pid}/stat`).fields;
  } catch {
    return null;
  }
}

/** CPU time (user + system) a process has used, in seconds, or null when /proc cannot tell (not Linux, gone). */
export function cpuSecondsOf(pid: number): number | null {
  const fields = statFields(pid);
  // After the name: state(0) ppid(1) ... utime(11) stime(12).
  if (fields === null || fields.length < 13) return null;
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

/**
 * CPU seconds of a process, of every live process whose parent it is (PostgreSQL's backends and
 * helpers), and of its children that have exited and been waited for (`cutime` + `cstime`), so
 * a backend that exits between two reads still counts: its time moves from the live children
 * to the waited-for ones. Null when /proc cannot tell.
 */
export function familyCpuSecondsOf(pid: number): number | null {
  const fields = statFields(pid);
  // After the name: ... utime(11) stime(12) cutime(13) cstime(14).
  if (fields === null || fields.length < 15) return null;
  let ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  for (const child of childPids(pid)) {
    const own = statFields(child);
    if (own !== null && own.length >= 13) ticks += Number(own[11]) + Number(own[12]);
  }
  return ticks / clockTicks();
}

/** Pids whose parent is `pid`. */
export function childPids(pid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields !== null && Number(fields[1]) === pid) found.push(Number(entry));
  }
  return found;
}

/** Resident memory of a process (VmRSS), in bytes, or null when /proc cannot tell. */
export function rssBytesOf(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match === null ? null : Number(match[1]) * 1024;
  } catch {
    return null;
  }
}
