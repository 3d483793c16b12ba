import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clientNetwork } from "../../gateway/http/caller.js";

describe("the client network an attempt is counted against", () => {
  it("is the address itself for IPv4", () => {
    assert.equal(clientNetwork("203.0.113.7"), "203.0.113.7");
    assert.equal(clientNetwork("127.0.0.1"), "127.0.0.1");
  });

  it("is the /64 prefix for IPv6, however the address is written", () => {
    for (const address of ["2001:db8:5:6::1", "2001:0db8:0005:0006:ffff:ffff:ffff:ffff", "2001:DB8:5:6:a:b:c:d", "2001:db8:5:6::", "2001:db8:5:6:0:0:1.2.3.4"]) {
      assert.equal(clientNetwork(address), "2001:db8:5:6::/64", address);
    }
    assert.equal(clientNetwork("2001:db8:5:7::1"), "2001:db8:5:7::/64");
    assert.equal(clientNetwork("2001:db8::5:6:7:8"), "2001:db8:0:0::/64");
    assert.equal(clientNetwork("::1"), "0:0:0:0::/64");
    assert.equal(clientNetwork("fe80::1%eth0"), "fe80:0:0:0::/64");
  });

  it("is the IPv4 address for an IPv4-mapped IPv6 address, as a dual-stack socket reports one", () => {
    assert.equal(clientNetwork("::ffff:198.51.100.4"), "198.51.100.4");
    assert.equal(clientNetwork("::FFFF:198.51.100.4"), "198.51.100.4");
    assert.equal(clientNetwork("::ffff:c633:6404"), "198.51.100.4");
    assert.equal(clientNetwork("0:0:0:0:0:ffff:127.0.0.1"), "127.0.0.1");
  });

  it("leaves anything that is not an address as it is", () => {
    assert.equal(clientNetwork("unknown"), "unknown");
  });
});
