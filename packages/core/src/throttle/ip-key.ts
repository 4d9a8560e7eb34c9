import { isIPv6 } from "node:net";

/** The 8 16-bit groups of an IPv6 address (as hex strings), or null if it is not one. */
function ipv6Groups(ip: string): string[] | null {
  let address = ip.split("%")[0] ?? ip;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (v4 !== null) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    address = address.slice(0, v4.index) + ((a << 8) | b).toString(16) + ":" + ((c << 8) | d).toString(16);
  }
  const halves = address.split("::");
  const split = (part: string | undefined): string[] => (part === undefined || part === "" ? [] : part.split(":"));
  if (halves.length === 1) {
    const groups = split(halves[0]);
    return groups.length === 8 ? groups : null;
  }
  if (halves.length !== 2) return null;
  const head = split(halves[0]);
  const tail = split(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return null;
  return [...head, ...Array<string>(missing).fill("0"), ...tail];
}

/**
 * The throttle key for a client IP. IPv6 clients are counted per /64: one subscriber
 * usually gets a whole /64, so counting single addresses would let them rotate through
 * 2^64 addresses and never be throttled.
 */
export function ipThrottleKey(ip: string | null): string {
  if (ip === null) return "unknown";
  // Every IPv6 spelling has a colon: an IPv4 client (most logins) skips node:net's long IPv6
  // regular expression, which ran on every login.
  if (!ip.includes(":") || !isIPv6(ip)) return ip;
  const groups = ipv6Groups(ip.toLowerCase());
  if (groups === null) return ip;
  // An IPv4-mapped address (::ffff:a.b.c.d, in dotted or hex form) is an IPv4 client: key it
  // by that address. Its /64 is ::, which every mapped client (and ::1) would otherwise share.
  const values = groups.map((g) => parseInt(g, 16));
  if (values.slice(0, 5).every((v) => v === 0) && values[5] === 0xffff) {
    const [high = 0, low = 0] = values.slice(6);
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}
