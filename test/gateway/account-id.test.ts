import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import { accountIdOf } from "../../gateway/proxy/account-id.js";

/** The id as docs/contract.md §10 defines it, computed afresh every time. */
function expectedId(secret: string, apiKey: string): string {
  const derived = createHmac("sha256", secret).update("openrouter-auth/proxy-account").digest();
  return createHmac("sha256", derived).update(apiKey).digest("base64url");
}

describe("the proxy's account ids (remembered per key)", () => {
  it("is every key's own HMAC, asked again and again, in any order, past the memo's size", () => {
    const secret = "a-session-secret-of-enough-length-for-the-test";
    const accountId = accountIdOf(secret);
    const keys = Array.from({ length: 9_000 }, (_, index) => `sk-or-v1-${index.toString(16).padStart(64, "0")}`);
    // Each key asked for several times, keys interleaved and the memo overrun, so that a memo
    // handing out another key's id, or a stale one, is caught.
    for (const round of [0, 1, 2]) {
      for (let index = round; index < keys.length; index += 7) {
        const key = keys[index]!;
        assert.equal(accountId(key), expectedId(secret, key), `key ${index}, round ${round}`);
        assert.equal(accountId(key), expectedId(secret, key), `key ${index} asked twice, round ${round}`);
      }
    }
    assert.notEqual(accountId(keys[0]!), accountId(keys[1]!));
  });

  it("differs under another secret, and never holds the key", () => {
    const key = "sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab";
    const one = accountIdOf("first-secret-of-enough-length-for-the-test")(key);
    const other = accountIdOf("other-secret-of-enough-length-for-the-test")(key);
    assert.notEqual(one, other);
    assert.ok(!one.includes(key.slice(10, 30)));
  });
});
