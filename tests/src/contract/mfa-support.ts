import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createLatchkey, type Latchkey, type LatchkeyOptions, type Stores } from "@latchkey/core";
import { nodeLatchkey } from "@latchkey/node";
import { createTestClient, type TestClient, type TestResponse } from "@latchkey/testkit";
import { createTestClock, type TestClock } from "../harness/test-clock.js";
import { fastHasher } from "../harness/test-latchkey.js";
import { send } from "./account-support.js";

/** An AES-256 key for the tests (32 bytes, base64). */
export const MFA_KEY = Object.freeze({ id: "test-2026", key: Buffer.alloc(32, 7).toString("base64") });
export const STEP_MS = 30_000;

/** RFC 4648 base32 without padding → bytes. */
function base32Decode(text: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of text.replace(/=+$/, "").toUpperCase()) {
    const index = alphabet.indexOf(ch);
    assert.ok(index >= 0, `not base32: ${ch}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/**
 * The RFC 6238 code of `secret` (base32) at `ms`, computed here independently of the library
 * under test: HMAC-SHA-1 of the 30-second counter, dynamic truncation, 6 digits (RFC 4226 §5.3).
 */
export function totpCode(secret: string, ms: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(ms / STEP_MS)));
  const mac = createHmac("sha1", base32Decode(secret)).update(counter).digest();
  const offset = (mac[mac.length - 1] as number) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, "0");
}

/** A latchkey over `stores` on plain node:http with a test clock, and how to stop it. */
export interface MfaServer {
  readonly baseUrl: string;
  readonly latchkey: Latchkey;
  readonly clock: TestClock;
  readonly stores: Stores;
  close(): Promise<void>;
}

/**
 * Starts latchkey with MFA on (a key configured) over `stores`. A clock starting at a step boundary keeps window
 * arithmetic exact.
 */
export async function startMfaServer(
  stores: Stores,
  options: Partial<LatchkeyOptions> = {},
  clock: TestClock = createTestClock(Math.ceil(Date.now() / STEP_MS) * STEP_MS + 1_000),
): Promise<MfaServer> {
  const latchkey = createLatchkey({
    throttle: { enabled: false },
    mfa: { encryptionKeys: [MFA_KEY] },
    ...options,
    passwords: { hasher: fastHasher },
    stores,
    clock,
  });
  const auth = nodeLatchkey(latchkey);
  const server: Server = createServer(async (req, res) => {
    if (await auth.handle(req, res)) return;
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    latchkey,
    clock,
    stores,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let counter = 0;

/** A new user (unique name, with an address) and its password. */
export async function mfaUser(
  latchkey: Latchkey,
  prefix: string,
): Promise<{ id: string; username: string; password: string }> {
  counter += 1;
  const username = `${prefix}${counter}x${process.pid}`;
  const password = "a long and unusual passphrase 42";
  const created = await latchkey.accounts.createUser({ username, password, email: `${username}@example.com` });
  assert.ok(created.ok);
  return { id: String(created.value.id), username, password };
}

/**
 * Logs in (a user without a factor) and sets up and confirms TOTP; resolves to the client, the secret and the recovery
 * codes.
 */
export async function enrolTotp(
  baseUrl: string,
  clock: TestClock,
  user: { username: string; password: string },
): Promise<{ client: TestClient; secret: string; recoveryCodes: string[] }> {
  const client = createTestClient(baseUrl);
  assert.equal((await client.login(user.username, user.password)).status, 200);
  const setup = await send(client, "POST", "/api/mfa/totp/setup/");
  assert.equal(setup.status, 200, setup.text);
  const secret = String(setup.json.secret);
  const confirmed = await send(client, "POST", "/api/mfa/totp/confirm/", { code: totpCode(secret, clock.now()) });
  assert.equal(confirmed.status, 200, confirmed.text);
  // The confirmation used this step: the next code must come from a later one.
  clock.advance(STEP_MS);
  return { client, secret, recoveryCodes: confirmed.json.recoveryCodes as string[] };
}

/** A new browser-like client whose password login answered `mfa_required` (its pending cookie is in its jar). */
export async function pendingClient(
  baseUrl: string,
  user: { username: string; password: string },
): Promise<{ client: TestClient; res: TestResponse }> {
  const client = createTestClient(baseUrl);
  const res = await client.login(user.username, user.password);
  assert.equal(res.status, 401, res.text);
  assert.equal(res.json.code, "mfa_required");
  return { client, res };
}

/** `POST /api/mfa/authenticate/` with `code` as the SPA sends it. */
export function authenticate(client: TestClient, code: string): Promise<TestResponse> {
  return send(client, "POST", "/api/mfa/authenticate/", { code });
}
