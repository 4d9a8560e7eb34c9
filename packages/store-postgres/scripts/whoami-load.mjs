// Load child of whoami-cpu.mjs: autocannon against ORIGIN for SECONDS with CONNECTIONS keep-alive
// connections, cycling through the cookies given on stdin (JSON); prints the 2xx count as JSON.
import autocannon from "autocannon";

const [origin, seconds, connections] = process.argv.slice(2);
let input = "";
for await (const chunk of process.stdin) input += chunk;
const cookies = JSON.parse(input);
let ok = 0;
let other = 0;
const instance = autocannon(
  {
    url: origin,
    connections: Number(connections),
    duration: Number(seconds),
    requests: cookies.map((cookie) => ({ method: "GET", path: "/api/whoami/", headers: { cookie } })),
  },
  (error, result) => {
    if (error) throw error;
    process.stdout.write(`${JSON.stringify({ ok, other, seconds: result.duration, errors: result.errors })}\n`);
  },
);
instance.on("response", (_client, status) => {
  if (status >= 200 && status < 300) ok++;
  else other++;
});
