import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { requireProgram } from "./programs.js";
import { startPostgres } from "./postgres.js";
import { startRedis } from "./redis.js";
import { redisCommand } from "./resp.js";

/** Runs `body` with the CI variable set to `value` (or unset), restoring it afterwards. */
function withCi<T>(value: string | undefined, body: () => T): T {
  const saved = process.env["CI"];
  if (value === undefined) delete process.env["CI"];
  else process.env["CI"] = value;
  try {
    return body();
  } finally {
    if (saved === undefined) delete process.env["CI"];
    else process.env["CI"] = saved;
  }
}

describe("requireProgram()", () => {
  it("returns false when every program is installed", () => {
    assert.equal(
      withCi(undefined, () => requireProgram("sh")),
      false,
    );
  });

  it("returns a skip reason naming the missing program outside CI", () => {
    const reason = withCi(undefined, () => requireProgram("sh", "latchkey-no-such-program"));
    assert.equal(typeof reason, "string");
    assert.match(String(reason), /latchkey-no-such-program/);
  });

  it("throws under CI=true, so a missing program fails the run instead of skipping", () => {
    assert.throws(() => withCi("true", () => requireProgram("latchkey-no-such-program")), /CI=true/);
  });
});

describe("startRedis()", { skip: requireProgram("redis-server") }, () => {
  it("starts a server that answers PING, and kill() and restart() take it down and back on the same port", async () => {
    const server = await startRedis();
    try {
      assert.equal(await redisCommand(server.port, ["PING"]), "PONG");
      await server.kill();
      await assert.rejects(redisCommand(server.port, ["PING"]), /ECONNREFUSED/);
      await server.restart();
      assert.equal(await redisCommand(server.port, ["PING"]), "PONG");
    } finally {
      await server.dispose();
    }
    await assert.rejects(redisCommand(server.port, ["PING"]), /ECONNREFUSED/);
  });
});

describe("startPostgres()", { skip: requireProgram("initdb", "postgres", "pg_isready", "createdb") }, () => {
  it("starts a server on a loopback port and names the database it created", async () => {
    const server = await startPostgres({ database: "kit_check" });
    try {
      assert.equal(server.host, "127.0.0.1");
      assert.equal(server.url, `postgres://postgres@127.0.0.1:${server.port}/kit_check`);
    } finally {
      await server.dispose();
    }
  });
});
