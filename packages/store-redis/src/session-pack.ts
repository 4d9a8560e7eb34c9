import { isIPv4 } from "node:net";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { SessionRecord } from "@latchkey/core";

/**
 * The compact encoding of one session, the value of its Redis string (sessions written as a
 * hash by earlier versions are still read, see `session-hash.ts`). Two layouts, told apart by
 * the first byte; they differ only in how the four times are stored:
 *
 * | offset (v2) | offset (v1) | bytes | holds |
 * |---|---|---|---|
 * | 0 | 0 | 1 | version: 2 (times as integers), or 1 (times as doubles) |
 * | 1 | 1 | 1 | flags: 1 bearer, 2 raw SHA-256, 4 IP, 8 raw IPv4, 16 user agent, 32 deflated user agent, 64 label |
 * | 2 | 2 | 6 or 8 | `expiresAt`: v2 a big-endian unsigned 48-bit integer (ms), v1 a big-endian double (ms) |
 * | 8 | 10 | 6 or 8 | `absoluteExpiresAt` |
 * | 14 | 18 | 6 or 8 | `lastSeenAt` |
 * | 20 | 26 | 6 or 8 | `createdAt` |
 * | 26 | 34 | 2 + n | `userId`: big-endian length, UTF-8 |
 * | … | … | 32 or varint + n | `secretHash`: raw bytes when it is lowercase SHA-256 hex, else text |
 * | … | … | 4 or varint + n | `ip` (if flag 4): raw bytes for a canonical IPv4 address, else text |
 * | … | … | varint + n | `userAgent` (if flag 16): raw DEFLATE with {@link UA_DICTIONARY} when shorter, else text |
 * | … | … | varint + n | `label` (if flag 64) |
 *
 * A session is written as v2 whenever its four times are whole milliseconds from 0 to
 * 2^48 - 1 (until the year 10889: every time core makes from a real clock), else as v1, whose
 * doubles keep any JavaScript number exactly, as the other stores do. v1 is also what the
 * previous version wrote: both are read. v2 exists for memory: with a browser's 105-character
 * User-Agent and an IPv4 a v1 value is 96 bytes, which Redis keeps in a 112-byte allocation
 * (a 3-byte string header and a NUL on top, rounded up to jemalloc's size class); the same
 * session in v2 is 88 bytes and fits the 96-byte class, 16 bytes less a session.
 *
 * The times and the user id sit at fixed offsets of each layout, so the Lua scripts read
 * them with `struct.unpack('>BBI6I6I6I6H', value)` or `'>BBddddH'` and a touch rewrites two of
 * them in place (SETRANGE); a touch whose times do not fit v2 widens the value to v1 first.
 */
const VERSION_WIDE = 1;
const VERSION = 2;
const FLAG = { bearer: 1, rawHash: 2, ip: 4, rawIp: 8, userAgent: 16, deflatedUserAgent: 32, label: 64 } as const;
/** Bytes before the user id in each layout: version, flags, four times, the user id's length. */
const HEADER = { [VERSION]: 28, [VERSION_WIDE]: 36 } as const;
/** Bytes of one time in each layout. */
const TIME_BYTES = { [VERSION]: 6, [VERSION_WIDE]: 8 } as const;
/** The largest time v2 holds: 2^48 - 1 ms. */
const MAX_NARROW_TIME = 2 ** 48 - 1;

/** True when `time` is a whole number of ms that v2 stores exactly (-0 is not: it would come back as 0). */
function isNarrowTime(time: number): boolean {
  return Number.isInteger(time) && time >= 0 && time <= MAX_NARROW_TIME && !Object.is(time, -0);
}

/**
 * A preset DEFLATE dictionary of common User-Agent tokens: a 101-byte Chrome User-Agent packs
 * into 13 bytes. Changing it would make stored values unreadable: a new dictionary needs a
 * new version byte.
 */
const UA_DICTIONARY = Buffer.from(
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) (Macintosh; Intel Mac OS X 10_15_7) (X11; Linux x86_64) " +
    "(iPhone; CPU iPhone OS 17_5 like Mac OS X) (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) " +
    "Chrome/126.0.0.0 Mobile Safari/537.36 Version/17.5 Safari/605.1.15 Firefox/128.0 Gecko/20100101 Edg/126.0.0.0 OPR/",
);

/**
 * Deflated User-Agents already inflated, by their packed bytes: inflating one costs about
 * 15 µs, on every session read, while a site sees few distinct User-Agents. The bytes fully
 * determine the text, so a hit is always exact. Bounded: emptied when full.
 */
const inflated = new Map<string, string>();
const INFLATED_MAX = 1_000;

function inflateUserAgent(bytes: Buffer): string {
  const key = bytes.toString("latin1");
  const known = inflated.get(key);
  if (known !== undefined) return known;
  const text = inflateRawSync(bytes, { dictionary: UA_DICTIONARY }).toString();
  if (inflated.size >= INFLATED_MAX) inflated.clear();
  inflated.set(key, text);
  return text;
}

function varint(n: number): Buffer {
  const out: number[] = [];
  let rest = n;
  do {
    out.push((rest & 0x7f) | (rest > 0x7f ? 0x80 : 0));
    rest >>>= 7;
  } while (rest > 0);
  return Buffer.from(out);
}

function withLength(bytes: Buffer): Buffer {
  return Buffer.concat([varint(bytes.length), bytes]);
}

function rawIpv4(ip: string): Buffer | null {
  if (!isIPv4(ip)) return null;
  const bytes = Buffer.from(ip.split(".").map(Number));
  return bytes.join(".") === ip ? bytes : null;
}

/** The packed value of `session` (its id is the key, not part of the value). */
export function packSession(session: SessionRecord): Buffer {
  let flags = session.kind === "bearer" ? FLAG.bearer : 0;
  const times = [session.expiresAt, session.absoluteExpiresAt, session.lastSeenAt, session.createdAt];
  const version = times.every(isNarrowTime) ? VERSION : VERSION_WIDE;
  const head = Buffer.alloc(HEADER[version]);
  head[0] = version;
  times.forEach((time, i) => {
    const at = 2 + i * TIME_BYTES[version];
    if (version === VERSION) head.writeUIntBE(time, at, 6);
    else head.writeDoubleBE(time, at);
  });
  const userId = Buffer.from(session.userId);
  if (userId.length > 0xffff) throw new Error("A user id longer than 65535 bytes cannot be stored in Redis.");
  head.writeUInt16BE(userId.length, HEADER[version] - 2);
  const parts: Buffer[] = [head, userId];
  if (/^[0-9a-f]{64}$/.test(session.secretHash)) {
    flags |= FLAG.rawHash;
    parts.push(Buffer.from(session.secretHash, "hex"));
  } else {
    parts.push(withLength(Buffer.from(session.secretHash)));
  }
  if (session.ip !== null) {
    flags |= FLAG.ip;
    const raw = rawIpv4(session.ip);
    if (raw !== null) flags |= FLAG.rawIp;
    parts.push(raw ?? withLength(Buffer.from(session.ip)));
  }
  if (session.userAgent !== null) {
    flags |= FLAG.userAgent;
    const text = Buffer.from(session.userAgent);
    const deflated = deflateRawSync(text, { dictionary: UA_DICTIONARY, level: 9 });
    if (deflated.length < text.length) flags |= FLAG.deflatedUserAgent;
    parts.push(withLength(deflated.length < text.length ? deflated : text));
  }
  if (session.label !== null) {
    flags |= FLAG.label;
    parts.push(withLength(Buffer.from(session.label)));
  }
  head[1] = flags;
  return Buffer.concat(parts);
}

function corrupt(id: string, why: string): Error {
  return new Error(`The packed Redis value of session ${JSON.stringify(id)} is malformed: ${why}.`);
}

/** The record in a packed value. A value that is not ours fails loudly instead of reaching core. */
export function unpackSession(id: string, value: Buffer): SessionRecord {
  const version = value[0];
  if ((version !== VERSION && version !== VERSION_WIDE) || value.length < HEADER[version]) {
    throw corrupt(id, "unknown version or too short");
  }
  const flags = value[1] ?? 0;
  const time = (i: number): number =>
    version === VERSION ? value.readUIntBE(2 + i * 6, 6) : value.readDoubleBE(2 + i * 8);
  let at = HEADER[version] - 2;
  const take = (n: number): Buffer => {
    if (at + n > value.length) throw corrupt(id, "truncated");
    const bytes = value.subarray(at, at + n);
    at += n;
    return bytes;
  };
  const readVarint = (): number => {
    let n = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = take(1)[0] ?? 0;
      n += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return n;
    }
    throw corrupt(id, "bad length");
  };
  const chunk = (): Buffer => take(readVarint());
  const userId = take(take(2).readUInt16BE()).toString();
  const secretHash = flags & FLAG.rawHash ? take(32).toString("hex") : chunk().toString();
  let ip: string | null = null;
  if (flags & FLAG.ip) ip = flags & FLAG.rawIp ? [...take(4)].join(".") : chunk().toString();
  let userAgent: string | null = null;
  if (flags & FLAG.userAgent) {
    const bytes = chunk();
    userAgent = flags & FLAG.deflatedUserAgent ? inflateUserAgent(bytes) : bytes.toString();
  }
  const label = flags & FLAG.label ? chunk().toString() : null;
  if (at !== value.length) throw corrupt(id, "trailing bytes");
  return {
    id,
    secretHash,
    userId,
    kind: flags & FLAG.bearer ? "bearer" : "cookie",
    createdAt: time(3),
    lastSeenAt: time(2),
    expiresAt: time(0),
    absoluteExpiresAt: time(1),
    ip,
    userAgent,
    label,
  };
}
