import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createTestClient } from "@latchkey/testkit";
import { ADAPTERS } from "../harness/adapters.js";
import type { AppUnderTest } from "../harness/app-under-test.js";
import { rawExchange } from "../server/raw-http.js";

const RUNS = 10;
/** Large enough that loopback's kernel buffers cannot hide a reset (see tests/src/server/http-framing.test.ts). */
const PIECES = 4 * 16;

for (const [adapter, start] of Object.entries(ADAPTERS)) {
  describe(`an oversized body gets its 413, never a reset (${adapter} adapter)`, () => {
    let app: AppUnderTest;
    let head: (framing: string) => string;
    before(async () => {
      app = await start();
      const client = createTestClient(app.baseUrl);
      const token = await client.fetchCsrf();
      const host = new URL(app.baseUrl).host;
      head = (framing) =>
        `POST /api/login/ HTTP/1.1\r\nHost: ${host}\r\nCookie: csrftoken=${client.cookie("csrftoken") ?? ""}\r\nX-CSRFToken: ${token}\r\nContent-Type: application/json\r\n${framing}\r\n\r\n`;
    });
    after(() => app.close());

    it(`answers a 4 MiB body with Content-Length with 413 body_too_large, ${RUNS} times in a row`, {
      timeout: 60_000,
    }, async () => {
      const body = Array.from({ length: PIECES }, () => Buffer.alloc(64 * 1024, 0x20));
      for (let run = 1; run <= RUNS; run++) {
        const answer = await rawExchange(app.baseUrl, head(`Content-Length: ${PIECES * 64 * 1024}`), body).catch(
          (error: unknown) => assert.fail(`run ${run}: ${String(error)}`),
        );
        assert.equal(answer.status, 413, `run ${run}: ${answer.body}`);
        assert.equal(answer.json.code, "body_too_large");
      }
    });

    it(`answers a 4 MiB chunked body with 413 body_too_large, ${RUNS} times in a row`, {
      timeout: 60_000,
    }, async () => {
      const piece = Buffer.alloc(64 * 1024, 0x20);
      const chunk = Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from("\r\n")]);
      const body = [...Array.from({ length: PIECES }, () => chunk), Buffer.from("0\r\n\r\n")];
      for (let run = 1; run <= RUNS; run++) {
        const answer = await rawExchange(app.baseUrl, head("Transfer-Encoding: chunked"), body).catch(
          (error: unknown) => assert.fail(`run ${run}: ${String(error)}`),
        );
        assert.equal(answer.status, 413, `run ${run}: ${answer.body}`);
        assert.equal(answer.json.code, "body_too_large");
      }
    });
  });
}
