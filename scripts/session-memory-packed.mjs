// Measures the proposed compact Redis session layout (issue #11, item 2) on a real
// redis-server, next to today's layout written through the real store, so the design in
// docs/production.md ("Redis memory per session") rests on figures, not estimates.
//
// Today:    one hash per session `latchkey:{s:<id>}` + the user's set + two global sorted sets.
// Proposed: one string per session `latchkey:{b<16 raw id bytes>}` holding a packed value,
//           native expiry; the user's index is a small hash (field: 16 raw id bytes, value:
//           absolute end in seconds); no global sorted sets (purge relies on TTLs; the admin
//           listing SCANs). The store does NOT use this layout yet: this script writes it
//           with raw commands to measure it, and checks that every field decodes back.
//
// Usage: npx tsc -b && node scripts/session-memory-packed.mjs [count] [users]   (default 10000 1000)
import { randomBytes } from "node:crypto";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { isIPv4, isIPv6 } from "node:net";
import { Redis } from "ioredis";
import { recommendedRedisOptions, redisStores } from "@latchkey/store-redis";
import { startRedis } from "@latchkey/testkit";

const count = Number(process.argv[2] ?? 10_000);
/** Distinct users the sessions belong to (1000, as in scripts/session-memory.mjs: ten sessions each). */
const users = Number(process.argv[3] ?? 1000);
const now = Date.now();
const userAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

/** A session as latchkey writes it on login: 22-char id, SHA-256 hex, IPv4, a common User-Agent. */
function session(i) {
  return {
    id: randomBytes(16).toString("base64url"),
    secretHash: randomBytes(32).toString("hex"),
    userId: String(1 + (i % users)),
    kind: "cookie",
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + 14 * 24 * 3600 * 1000,
    absoluteExpiresAt: now + 30 * 24 * 3600 * 1000,
    ip: `10.0.${(i >> 8) & 255}.${i & 255}`,
    userAgent,
    label: null,
  };
}

// ---- The proposed packed value ------------------------------------------------------------
// byte 0 version (1); byte 1 flags; then four big-endian 48-bit ms times at fixed offsets
// (expiresAt, absoluteExpiresAt, lastSeenAt, createdAt: Lua reads and rewrites the first
// three with struct.unpack/pack('>I6')); then secretHash (32 raw bytes when it is lowercase
// SHA-256 hex, else length-prefixed text), userId, ip (4 or 16 raw bytes when canonical),
// user agent (raw DEFLATE with a preset dictionary of common User-Agent tokens, kept as text
// when that is not shorter), label. Lengths are one-byte or varint prefixes.
const UA_DICTIONARY = Buffer.from(
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) (Macintosh; Intel Mac OS X 10_15_7) (X11; Linux x86_64) " +
    "(iPhone; CPU iPhone OS 17_5 like Mac OS X) (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) " +
    "Chrome/126.0.0.0 Mobile Safari/537.36 Version/17.5 Safari/605.1.15 Firefox/128.0 Gecko/20100101 Edg/126.0.0.0 OPR/",
);
const F = { bearer: 1, rawHash: 2, ip: 4, rawIp: 8, ua: 16, deflatedUa: 32, label: 64 };

function varint(n) {
  const out = [];
  do {
    out.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  return Buffer.from(out);
}
function withLength(bytes) {
  return Buffer.concat([varint(bytes.length), bytes]);
}
function rawIp(ip) {
  if (isIPv4(ip)) {
    const bytes = Buffer.from(ip.split(".").map(Number));
    return bytes.join(".") === ip ? bytes : null;
  }
  return null; // IPv6 canonical form check omitted in the prototype: kept as text.
}

export function pack(s) {
  let flags = s.kind === "bearer" ? F.bearer : 0;
  const parts = [];
  const times = Buffer.alloc(24);
  [s.expiresAt, s.absoluteExpiresAt, s.lastSeenAt, s.createdAt].forEach((t, i) => times.writeUIntBE(t, i * 6, 6));
  if (/^[0-9a-f]{64}$/.test(s.secretHash)) {
    flags |= F.rawHash;
    parts.push(Buffer.from(s.secretHash, "hex"));
  } else parts.push(withLength(Buffer.from(s.secretHash)));
  parts.push(withLength(Buffer.from(s.userId)));
  if (s.ip !== null) {
    flags |= F.ip;
    const raw = rawIp(s.ip);
    if (raw !== null) {
      flags |= F.rawIp;
      parts.push(raw);
    } else parts.push(withLength(Buffer.from(s.ip)));
  }
  if (s.userAgent !== null) {
    flags |= F.ua;
    const text = Buffer.from(s.userAgent);
    const deflated = deflateRawSync(text, { dictionary: UA_DICTIONARY, level: 9 });
    if (deflated.length < text.length) flags |= F.deflatedUa;
    parts.push(withLength(deflated.length < text.length ? deflated : text));
  }
  if (s.label !== null) {
    flags |= F.label;
    parts.push(withLength(Buffer.from(s.label)));
  }
  return Buffer.concat([Buffer.from([1, flags]), times, ...parts]);
}

export function unpack(id, value) {
  let at = 26;
  const flags = value[1];
  const time = (i) => value.readUIntBE(2 + i * 6, 6);
  const readVarint = () => {
    let n = 0;
    for (let shift = 0; ; shift += 7) {
      const b = value[at++];
      n += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return n;
    }
  };
  const take = (n) => value.subarray(at, (at += n));
  const chunk = () => take(readVarint());
  const secretHash = flags & F.rawHash ? take(32).toString("hex") : chunk().toString();
  const userId = chunk().toString();
  const ip = flags & F.ip ? (flags & F.rawIp ? [...take(4)].join(".") : chunk().toString()) : null;
  let ua = null;
  if (flags & F.ua) {
    const bytes = chunk();
    ua = (flags & F.deflatedUa ? inflateRawSync(bytes, { dictionary: UA_DICTIONARY }) : bytes).toString();
  }
  const label = flags & F.label ? chunk().toString() : null;
  return {
    id, secretHash, userId, kind: flags & F.bearer ? "bearer" : "cookie",
    createdAt: time(3), lastSeenAt: time(2), expiresAt: time(0), absoluteExpiresAt: time(1),
    ip, userAgent: ua, label,
  };
}

/**
 * The touch of the proposed layout, as the store would run it: KEYS[1] the packed session;
 * ARGV lastSeenAt, expiresAt, now, grace (ms). Nothing written when the key is gone (no
 * resurrection); SETRANGE keeps the key's expiry, PEXPIRE renews it. Returns the new end.
 */
const TOUCH_PACKED = `
local v = redis.call('GET', KEYS[1])
if not v then return false end
local version, flags, expiresAt, absoluteExpiresAt = struct.unpack('>BBI6I6', v)
redis.call('SETRANGE', KEYS[1], 2, struct.pack('>I6', tonumber(ARGV[2])))
redis.call('SETRANGE', KEYS[1], 14, struct.pack('>I6', tonumber(ARGV[1])))
local ends = math.min(tonumber(ARGV[2]), absoluteExpiresAt)
redis.call('PEXPIRE', KEYS[1], string.format('%d', math.max(ends - tonumber(ARGV[3]), 0) + tonumber(ARGV[4])))
return string.format('%d', ends)
`;

const idBytes = (id) => Buffer.from(id, "base64url");
const packedKey = (id) => Buffer.concat([Buffer.from("latchkey:{b"), idBytes(id), Buffer.from("}")]);
const userKey = (userId) => `latchkey:{u:${userId}}:s`;

async function inBatches(total, write) {
  for (let i = 0; i < total; i += 200) await Promise.all(Array.from({ length: Math.min(200, total - i) }, (_, j) => write(i + j)));
}

async function writePacked(client, s) {
  const ends = Math.min(s.expiresAt, s.absoluteExpiresAt);
  await client.hset(userKey(s.userId), idBytes(s.id), String(Math.ceil(s.absoluteExpiresAt / 1000)));
  await client.set(packedKey(s.id), pack(s), "PX", Math.max(ends - Date.now(), 0) + 300_000, "NX");
}

async function measure(label, write, sampleUsage) {
  const redis = await startRedis({ extraArgs: [] });
  try {
    const client = new Redis(redis.url, { ...recommendedRedisOptions, lazyConnect: true });
    await client.connect();
    const memory = async () => Number(/used_memory:(\d+)/.exec(await client.info("memory"))?.[1]);
    const writer = write(client);
    await writer(session(0)); // Warm up: scripts loaded, indexes created.
    const before = await memory();
    await inBatches(count, (i) => writer(session(i + 1)));
    const after = await memory();
    const version = (await client.info("server")).match(/redis_version:(\S+)/)?.[1];
    const detail = await sampleUsage(client, writer);
    console.log(`Redis ${version}, ${label}: ${count} sessions of ${users} users: used_memory +${after - before} bytes = ${Math.round((after - before) / count)} bytes per session (${detail})`);
    client.disconnect();
  } finally {
    await redis.dispose();
  }
}

await measure(
  "today's layout (through the store)",
  (client) => {
    const { sessions } = redisStores({ client });
    return (s) => sessions.createSession(s);
  },
  async (client, writer) => {
    const s = session(count + 1);
    await writer(s);
    return `session hash: MEMORY USAGE ${await client.memory("USAGE", `latchkey:{s:${s.id}}`)} bytes`;
  },
);

await measure(
  "proposed packed layout (raw commands)",
  (client) => (s) => writePacked(client, s),
  async (client, writer) => {
    const s = session(count + 1);
    await writer(s);
    const value = await client.getBuffer(packedKey(s.id));
    const back = unpack(s.id, value);
    if (JSON.stringify(back) !== JSON.stringify(s)) throw new Error(`The packed value does not decode back: ${JSON.stringify(back)}`);
    const usage = await client.memory("USAGE", packedKey(s.id));
    // A touch stays one atomic single-key script: read the fixed-offset times, rewrite two in place.
    const touched = { ...s, lastSeenAt: s.lastSeenAt + 1234, expiresAt: s.expiresAt + 1234 };
    const ends = await client.eval(TOUCH_PACKED, 1, packedKey(s.id), touched.lastSeenAt, touched.expiresAt, Date.now(), 300_000);
    const after = unpack(s.id, await client.getBuffer(packedKey(s.id)));
    if (JSON.stringify(after) !== JSON.stringify(touched) || ends !== String(Math.min(touched.expiresAt, touched.absoluteExpiresAt))) {
      throw new Error(`The Lua touch of a packed value went wrong: ${JSON.stringify(after)}, ${ends}`);
    }
    return `packed value ${value.length} bytes, decodes back to every field, a Lua touch rewrites it in place; session string: MEMORY USAGE ${usage} bytes`;
  },
);
