import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { topologyOf } from "./probe.js";

const topology = (spa: string, api: string) => topologyOf(new URL(spa), new URL(api));

describe("the doctor's topology, by the public suffix list", () => {
  it("calls one scheme, host and port the same origin", () => {
    assert.equal(topology("https://example.com/app", "https://example.com/api"), "same-origin");
  });

  it("calls sibling subdomains of one registrable domain, and two ports of localhost, the same site", () => {
    assert.equal(topology("https://app.example.com/", "https://api.example.com/api"), "same-site");
    assert.equal(topology("https://app.example.co.uk/", "https://api.example.co.uk/api"), "same-site");
    assert.equal(topology("http://localhost:5173/", "http://localhost:8000/api"), "same-site");
  });

  it("calls different registrable domains, public-suffix neighbours, localhost vs 127.0.0.1, and http vs https cross-site", () => {
    assert.equal(topology("https://app.example.com/", "https://api.example.net/api"), "cross-site");
    assert.equal(
      topology("https://alice.github.io/", "https://bob.github.io/api"),
      "cross-site",
      "github.io is a public suffix",
    );
    assert.equal(topology("http://localhost:5173/", "http://127.0.0.1:8000/api"), "cross-site");
    assert.equal(
      topology("http://app.example.com/", "https://api.example.com/api"),
      "cross-site",
      "a site includes its scheme",
    );
  });
});
