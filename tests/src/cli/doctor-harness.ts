import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before } from "node:test";

/** One check of `latchkey doctor --json`, as the tests read it. */
export interface DoctorCheck {
  id: string;
  status: string;
  message: string;
  fix?: string;
}

/** The report `latchkey doctor --json` prints. */
export interface DoctorReport {
  ok: boolean;
  topology: string;
  checks: DoctorCheck[];
}

/**
 * A stand-in SPA page for the describe block it is called in: a tiny HTML page on 127.0.0.1,
 * addressed as `http://localhost:<port>`, so it is another site than an API on
 * `http://127.0.0.1:<port>`. `origin()` is valid once the block's `before` hooks ran.
 */
export function spaPage(): { origin(): string } {
  const spa = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end("<!doctype html><title>SPA</title><p>The SPA</p>");
  });
  let origin = "";
  before(async () => {
    await new Promise<void>((resolve) => spa.listen(0, "127.0.0.1", resolve));
    origin = `http://localhost:${(spa.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => spa.close(() => resolve())));
  return { origin: () => origin };
}
