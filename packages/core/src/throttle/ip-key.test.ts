import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ipThrottleKey } from "./ip-key.js";

describe("ipThrottleKey", () => {
  it("keys an IPv4 address by itself", () => {
    assert.equal(ipThrottleKey("203.0.113.5"), "203.0.113.5");
  });

  it("groups an IPv6 address by its /64, whatever its interface identifier", () => {
    const key = ipThrottleKey("2001:db8:1:2:3:4:5:6");
    assert.equal(key, "2001:db8:1:2::/64");
    for (const ip of ["2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::"])
      assert.equal(ipThrottleKey(ip), key, ip);
    assert.notEqual(ipThrottleKey("2001:db8:1:3::1"), key);
  });

  it("gives one key for every spelling of an address: leading zeros, upper case, compressed forms", () => {
    const key = ipThrottleKey("2001:db8:0:2::1");
    for (const ip of ["2001:0db8:0000:0002::1", "2001:DB8:0:2::1", "2001:db8::2:0:0:0:1", "2001:db8:0:2:0:0:0:1"])
      assert.equal(ipThrottleKey(ip), key, ip);
  });

  it("handles the loopback and unspecified addresses", () => {
    assert.equal(ipThrottleKey("::1"), "0:0:0:0::/64");
    assert.equal(ipThrottleKey("::"), "0:0:0:0::/64");
  });

  it("keys an IPv4-mapped IPv6 address as its IPv4 address, in dotted or hex form", () => {
    assert.equal(ipThrottleKey("::ffff:1.2.3.4"), "1.2.3.4");
    assert.equal(ipThrottleKey("::ffff:0102:0304"), "1.2.3.4");
    assert.equal(ipThrottleKey("::FFFF:1.2.3.4"), "1.2.3.4");
    assert.notEqual(
      ipThrottleKey("::ffff:1.2.3.4"),
      ipThrottleKey("::ffff:5.6.7.8"),
      "mapped clients are not all one bucket",
    );
    assert.notEqual(ipThrottleKey("::ffff:1.2.3.4"), ipThrottleKey("::1"));
  });

  it("drops a zone index", () => {
    assert.equal(ipThrottleKey("fe80::1%eth0"), "fe80:0:0:0::/64");
  });

  it("keys the unknown and the malformed as they are", () => {
    assert.equal(ipThrottleKey(null), "unknown");
    assert.equal(ipThrottleKey("not-an-ip"), "not-an-ip");
    assert.equal(ipThrottleKey("1:2:3:4:5:6:7:8:9"), "1:2:3:4:5:6:7:8:9");
  });
});
