import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createServerLogger } from "./server-logger.js";

const TOKEN = "Zm9vYmFyYmF6cXV4cXV1eA.c2VjcmV0LXNlc3Npb24tc2VjcmV0LW5vdC1mb3ItbG9ncw";
const PASSWORD = "correct horse battery staple";

/** A logger at info writing into memory, and the lines it wrote (raw and parsed). */
function capture() {
  const raw: string[] = [];
  const logger = createServerLogger({ logLevel: "info" }, { write: (line: string) => void raw.push(line) });
  return { logger, raw, lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe("the ready server's logger: credentials never reach a line", () => {
  it("censors a password, a cookie, an Authorization header or a whole headers object at the top of a line", () => {
    const { logger, raw, lines } = capture();
    logger.info(
      {
        event: "oops",
        password: PASSWORD,
        cookie: `sessionid=${TOKEN}`,
        authorization: `Bearer ${TOKEN}`,
        headers: { cookie: `sessionid=${TOKEN}` },
        method: "POST",
      },
      "a careless log call",
    );
    assert.equal(raw.length, 1);
    assert.ok(!raw[0]?.includes(TOKEN) && !raw[0]?.includes(PASSWORD), raw[0]);
    const [line] = lines();
    assert.equal(line?.password, "[redacted]");
    assert.equal(line?.cookie, "[redacted]");
    assert.equal(line?.authorization, "[redacted]");
    assert.equal(line?.headers, "[redacted]");
    assert.equal(line?.method, "POST", "other fields are written as given");
    assert.equal(line?.msg, "a careless log call");
  });

  it("censors them one level down too (a request or a form passed whole), and leaves the caller's objects as they were", () => {
    const { logger, raw, lines } = capture();
    const req = { method: "GET", url: "/api/whoami/", headers: { cookie: `sessionid=${TOKEN}`, host: "a.test" } };
    const form = { username: "ada", password: PASSWORD };
    logger.info({ event: "oops", req, form, status: 200 }, "another careless call");
    assert.ok(!raw[0]?.includes(TOKEN) && !raw[0]?.includes(PASSWORD), raw[0]);
    const [line] = lines();
    assert.deepEqual(line?.req, { method: "GET", url: "/api/whoami/", headers: "[redacted]" });
    assert.deepEqual(line?.form, { username: "ada", password: "[redacted]" });
    assert.equal(line?.status, 200);
    assert.equal(req.headers.cookie, `sessionid=${TOKEN}`, "the request object is not changed");
    assert.equal(form.password, PASSWORD, "the form object is not changed");
  });

  it("writes a line with nothing to censor as given, with pid, level and an ISO time", () => {
    const { logger, lines } = capture();
    logger.info(
      { event: "request", method: "GET", path: "/api/whoami/", status: 200, durationMs: 0.25, list: [1, 2] },
      "GET /api/whoami/ 200",
    );
    const [line] = lines();
    assert.deepEqual(
      { ...line, time: undefined },
      {
        level: 30,
        time: undefined,
        pid: process.pid,
        event: "request",
        method: "GET",
        path: "/api/whoami/",
        status: 200,
        durationMs: 0.25,
        list: [1, 2],
        msg: "GET /api/whoami/ 200",
      },
    );
    assert.match(String(line?.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("censors lines of a child logger as well (latchkey serve --workers logs through one)", () => {
    const { logger, raw } = capture();
    logger.child({ worker: 2 }).warn({ event: "oops", user: { password: PASSWORD } }, "from a worker");
    assert.ok(raw[0]?.includes('"worker":2') && !raw[0]?.includes(PASSWORD), raw[0]);
  });
});
