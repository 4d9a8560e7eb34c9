/**
 * The revocation scenario's load (run inside the revocation child, pinned to the load core):
 * keep-alive whoami clients on every server process cycling through the sessions, while
 * the sessions are logged out one at a time through a rotating process. Every whoami
 * answer is checked against the client's own clock: one SENT after its session's logout
 * 200 had arrived must be refused, on every process.
 */
import { Agent } from "node:http";
import type { RevocationLoadResult, RevocationSpec } from "./revocation-messages.js";
import { csrfPair, requestStatus as send } from "./http-check.js";

/** The whoami load runs alone for this share of the run before the first logout. */
const LEAD_SHARE = 0.1;
/** The last logout is sent at this share of the run, so its session is checked for the rest. */
const LAST_LOGOUT_SHARE = 0.9;
/** The nearest-rank percentile of sorted values; null for none. */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? null;
}

/** What is known about one session while the load runs. */
interface SessionState {
  /** When its logout was sent (performance.now()), or null before. */
  logoutSentAt: number | null;
  /** When its logout's 200 had arrived, or null before (or when the logout failed). */
  revokedAt: number | null;
  acceptedBefore: boolean;
  /** Processes that refused a whoami sent after the logout's 200. */
  refusedAfterBy: Set<number>;
  acceptedAfter: boolean;
}

/** Runs the load and the logouts for `spec.durationSeconds` and counts every answer. */
export async function runRevocationLoad(spec: RevocationSpec): Promise<RevocationLoadResult> {
  const { origins, tokens } = spec;
  const csrf = await Promise.all(origins.map(csrfPair));
  const sessions: SessionState[] = tokens.map(() => ({
    logoutSentAt: null,
    revokedAt: null,
    acceptedBefore: false,
    refusedAfterBy: new Set<number>(),
    acceptedAfter: false,
  }));
  const whoamiAgents = origins.map(() => new Agent({ keepAlive: true, maxSockets: spec.clientsPerProcess }));
  const logoutAgent = new Agent({ keepAlive: true, maxSockets: origins.length });
  const counts = {
    answered: 0,
    accepted: 0,
    refused: 0,
    errors: 0,
    acceptedAfterLogout: 0,
    refusedAfterLogout: 0,
    inFlightAccepted: 0,
    inFlightRefused: 0,
    refusedBeforeLogout: 0,
  };
  const other: Record<string, number> = {};
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const end = started + spec.durationSeconds * 1000;
  // Past the end, the load goes on until every logged-out session has been refused by every
  // process (each is asked about each session after its logout), for at most this much longer.
  const hardEnd = end + Math.max(5_000, spec.durationSeconds * 200);
  let logoutsDone = false;
  let revoked = 0;
  let refusedEverywhere = 0;
  const keepGoing = (): boolean => {
    const now = performance.now();
    if (now < end) return true;
    return now < hardEnd && (!logoutsDone || refusedEverywhere < revoked);
  };
  // One cursor per process, so that every process cycles through every session (a shared one
  // can hand a session to the same process every time when the clients run in step).
  const next = origins.map(() => 0);

  /** Files one whoami answer under the session's state at the moment the request was sent. */
  const check = (index: number, processIndex: number, sentAt: number, status: number): void => {
    const session = sessions[index];
    if (session === undefined) return;
    counts.answered++;
    const accepted = status === 200;
    const refused = status === 401 || status === 403;
    if (accepted) counts.accepted++;
    else if (refused) counts.refused++;
    else other[String(status)] = (other[String(status)] ?? 0) + 1;
    if (session.revokedAt !== null && sentAt > session.revokedAt) {
      // Sent after the logout's 200 had arrived: anything but a refusal is a revoked session accepted.
      if (refused) {
        counts.refusedAfterLogout++;
        const before = session.refusedAfterBy.size;
        session.refusedAfterBy.add(processIndex);
        if (before < origins.length && session.refusedAfterBy.size === origins.length) refusedEverywhere++;
      } else if (accepted) {
        counts.acceptedAfterLogout++;
        session.acceptedAfter = true;
      }
    } else if (session.logoutSentAt !== null) {
      // Answered after its logout was sent, but sent before the logout's 200 arrived: in flight
      // with the logout (the server may have taken the logout first), so either answer is right.
      if (accepted) counts.inFlightAccepted++;
      else if (refused) counts.inFlightRefused++;
    } else if (accepted) {
      session.acceptedBefore = true;
    } else if (refused) {
      counts.refusedBeforeLogout++;
    }
  };

  const client = async (processIndex: number): Promise<void> => {
    const agent = whoamiAgents[processIndex];
    const origin = origins[processIndex];
    if (agent === undefined || origin === undefined) return;
    const url = new URL("/api/whoami/", origin);
    while (keepGoing()) {
      const index = (next[processIndex] ?? 0) % tokens.length;
      next[processIndex] = index + 1;
      const sentAt = performance.now();
      try {
        const status = await send(agent, url, "GET", { cookie: `sessionid=${tokens[index] ?? ""}` });
        check(index, processIndex, sentAt, status);
      } catch {
        counts.errors++;
      }
    }
  };

  const logoutMs: number[] = [];
  const logoutStatuses: Record<string, number> = {};
  const logouts = async (): Promise<void> => {
    const first = started + spec.durationSeconds * 1000 * LEAD_SHARE;
    const interval = (spec.durationSeconds * 1000 * (LAST_LOGOUT_SHARE - LEAD_SHARE)) / Math.max(1, tokens.length - 1);
    for (const [index, token] of tokens.entries()) {
      // Pacing of the schedule (spread over the run), not a wait for readiness.
      const due = first + index * interval;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const processIndex = index % origins.length;
      const origin = origins[processIndex] ?? "";
      const pair = csrf[processIndex];
      const session = sessions[index];
      if (pair === undefined || session === undefined) continue;
      session.logoutSentAt = performance.now();
      let status: number;
      try {
        status = await send(logoutAgent, new URL("/api/logout/", origin), "POST", {
          cookie: `sessionid=${token}; ${pair.cookie}`,
          "x-csrftoken": pair.token,
          origin,
          "sec-fetch-site": "same-origin",
          "content-length": "0",
        });
      } catch {
        status = 0;
      }
      const arrived = performance.now();
      logoutStatuses[String(status)] = (logoutStatuses[String(status)] ?? 0) + 1;
      if (status === 200) {
        session.revokedAt = arrived;
        revoked++;
        logoutMs.push(arrived - session.logoutSentAt);
      }
    }
  };

  await Promise.all([
    logouts().finally(() => {
      logoutsDone = true;
    }),
    ...origins.flatMap((_, processIndex) => Array.from({ length: spec.clientsPerProcess }, () => client(processIndex))),
  ]);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  for (const agent of [...whoamiAgents, logoutAgent]) agent.destroy();
  logoutMs.sort((a, b) => a - b);
  return {
    seconds,
    processes: origins.length,
    clientsPerProcess: spec.clientsPerProcess,
    sessions: tokens.length,
    whoami: {
      answered: counts.answered,
      accepted: counts.accepted,
      refused: counts.refused,
      errors: counts.errors,
      otherStatuses: other,
    },
    acceptedAfterLogout: counts.acceptedAfterLogout,
    sessionsAcceptedAfterLogout: sessions.filter((s) => s.acceptedAfter).length,
    refusedAfterLogout: counts.refusedAfterLogout,
    sessionsRefusedEverywhere: sessions.filter((s) => s.refusedAfterBy.size === origins.length).length,
    inFlightAccepted: counts.inFlightAccepted,
    inFlightRefused: counts.inFlightRefused,
    sessionsAcceptedBefore: sessions.filter((s) => s.acceptedBefore).length,
    refusedBeforeLogout: counts.refusedBeforeLogout,
    logouts: logoutMs.length,
    logoutStatuses,
    logoutMs: {
      p50: percentile(logoutMs, 50),
      p99: percentile(logoutMs, 99),
      max: logoutMs.at(-1) ?? null,
    },
    cpuShare: (cpu.user + cpu.system) / 1e6 / seconds,
  };
}
