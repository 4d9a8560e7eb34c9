/**
 * The load of `login-profile.ts`, in a child process of its own (pinned to another core by
 * its parent): `node login-profile-load.js <origin> '<LoadRequest JSON>' <connections>
 * <warm-up seconds> <seconds>`. Each keep-alive connection posts the request again as soon
 * as the answer came; the child tells its parent over IPC when the measured window starts
 * (`{ type: "start" }`) and ends (`{ type: "end", ok, statuses }`), then stops.
 */
import { Agent, request } from "node:http";
import type { LoadRequest } from "./messages.js";

function send(message: unknown): void {
  process.send?.(message);
}

function main(): void {
  const [origin = "", json = "{}", connectionsText = "8", warmupText = "3", secondsText = "10"] = process.argv.slice(2);
  const spec = JSON.parse(json) as LoadRequest;
  const url = new URL(origin);
  const connections = Number(connectionsText);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const statuses: Record<string, number> = {};
  let counting = false;
  let stopping = false;
  let ok = 0;

  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, path: spec.path, method: spec.method, headers: spec.headers, agent },
        (res) => {
          res.resume();
          res.on("end", () => {
            if (counting) {
              const status = String(res.statusCode ?? 0);
              statuses[status] = (statuses[status] ?? 0) + 1;
              if (res.statusCode === 200) ok += 1;
            }
            resolve();
          });
        },
      );
      req.on("error", reject);
      req.end(spec.body);
    });

  const loops = Array.from({ length: connections }, async () => {
    while (!stopping) await one();
  });
  const warmupMs = Number(warmupText) * 1000;
  setTimeout(() => {
    counting = true;
    send({ type: "start" });
  }, warmupMs);
  setTimeout(
    () => {
      counting = false;
      stopping = true;
      send({ type: "end", ok, statuses });
    },
    warmupMs + Number(secondsText) * 1000,
  );
  Promise.all(loops).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

main();
