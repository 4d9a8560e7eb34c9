import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HttpError } from "../errors.js";
import type { LatchkeyRequest } from "../http/request.js";
import { cryptoRandom } from "../ports/world.js";
import { configFor, fakeRequest } from "../test-fixtures.test.helper.js";
import { enforceCsrf, type CsrfGuardOptions } from "./csrf-guard.js";
import { generateCsrfSecret } from "./csrf-token.js";

const SECRET = generateCsrfSecret(cryptoRandom);
const config = configFor();
const good = { cookie: `csrftoken=${SECRET}`, "x-csrftoken": SECRET };
const evil = { origin: "http://evil.example", "sec-fetch-site": "cross-site" };

function request(headers: Record<string, string>, body?: string): LatchkeyRequest & { reads: number } {
  const base = fakeRequest({ headers: { host: "app.example.com", origin: "http://app.example.com", ...headers } });
  const req = {
    ...base,
    reads: 0,
    readBody: async () => {
      req.reads += 1;
      return new TextEncoder().encode(body ?? "");
    },
  };
  return req;
}

/** The code enforceCsrf refuses with, or null when it lets the request through. */
async function codeOf(
  req: LatchkeyRequest,
  cfg = config,
  options: CsrfGuardOptions = { body: "latchkey" },
): Promise<string | null> {
  try {
    await enforceCsrf(req, cfg, options);
    return null;
  } catch (error) {
    assert.ok(error instanceof HttpError, String(error));
    return error.code;
  }
}

describe("enforceCsrf() and the csrf.mode setting", () => {
  it('"origin+token" needs both layers', async () => {
    assert.equal(await codeOf(request(good)), null);
    assert.equal(await codeOf(request({ ...good, ...evil })), "csrf_cross_site");
    assert.equal(await codeOf(request({})), "csrf_cookie_missing");
  });

  it('"origin" needs no token, and refuses a request whose origin cannot be told', async () => {
    const originOnly = configFor({ csrf: { mode: "origin" } });
    assert.equal(await codeOf(request({}), originOnly), null);
    assert.equal(await codeOf(request(evil), originOnly), "csrf_cross_site");
    assert.equal(
      await codeOf(fakeRequest({ headers: { host: "app.example.com" } }), originOnly),
      "csrf_origin_missing",
    );
  });

  it('"token" ignores the origin', async () => {
    const tokenOnly = configFor({ csrf: { mode: "token" } });
    assert.equal(await codeOf(request({ ...good, ...evil }), tokenOnly), null);
    assert.equal(await codeOf(request(evil), tokenOnly), "csrf_cookie_missing");
  });
});

describe("enforceCsrf() and the csrfmiddlewaretoken form field", () => {
  const FORM = { cookie: `csrftoken=${SECRET}`, "content-type": "application/x-www-form-urlencoded" };

  it("reads the token from a form body on latchkey's routes, once", async () => {
    const req = request(FORM, `a=1&csrfmiddlewaretoken=${SECRET}`);
    assert.equal(await codeOf(req), null);
    assert.equal(req.reads, 1);
    assert.equal(
      await codeOf(request(FORM, `csrfmiddlewaretoken=${generateCsrfSecret(cryptoRandom)}`)),
      "csrf_token_incorrect",
    );
  });

  it("prefers the header and then reads no body", async () => {
    const req = request({ ...FORM, "x-csrftoken": SECRET }, "csrfmiddlewaretoken=wrong");
    assert.equal(await codeOf(req), null);
    assert.equal(req.reads, 0);
  });

  it("never reads the app's body, and never a JSON body", async () => {
    const app = request(FORM, `csrfmiddlewaretoken=${SECRET}`);
    assert.equal(await codeOf(app, config, { body: "app" }), "csrf_token_missing");
    assert.equal(app.reads, 0);
    const json = request(
      { cookie: `csrftoken=${SECRET}`, "content-type": "application/json" },
      JSON.stringify({ csrfmiddlewaretoken: SECRET }),
    );
    assert.equal(await codeOf(json), "csrf_token_missing");
    assert.equal(json.reads, 0);
  });

  it("takes the field from a body the app's parser already read", async () => {
    const parsed = { ...request({ cookie: `csrftoken=${SECRET}` }), parsedBody: { csrfmiddlewaretoken: SECRET } };
    assert.equal(await codeOf(parsed, config, { body: "app" }), null);
  });

  it("refuses a cross-site form before reading its body", async () => {
    const req = request({ ...FORM, ...evil }, `csrfmiddlewaretoken=${SECRET}`);
    assert.equal(await codeOf(req), "csrf_cross_site");
    assert.equal(req.reads, 0);
  });
});
