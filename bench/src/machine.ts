import { readFileSync } from "node:fs";
import { availableParallelism, cpus, release, totalmem, type as osType } from "node:os";

/** The machine a report was measured on. */
export interface MachineInfo {
  cpuModel: string;
  /** Logical cores the bench may use. */
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  /** ISO date and time the bench started. */
  date: string;
}

/** `PRETTY_NAME` of /etc/os-release (e.g. "Debian GNU/Linux 12 (bookworm)"), or the kernel name and release. */
function osName(): string {
  try {
    const match = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync("/etc/os-release", "utf8"));
    if (match?.[1] !== undefined) return `${match[1]}, ${osType()} ${release()}`;
  } catch {
    // Not Linux, or no os-release: the kernel's name will do.
  }
  return `${osType()} ${release()}`;
}

/** Describes this machine. */
export function machineInfo(startedAt: Date): MachineInfo {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: osName(),
    date: startedAt.toISOString(),
  };
}
