import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RecentValues } from "../../gateway/util/recent-values.js";

describe("RecentValues, the memo of verified cookies, decrypted session records and model lists", () => {
  it("keeps at most its limit, dropping the entry set longest ago", () => {
    const memo = new RecentValues<number>({ limit: 2 });
    memo.set("a", 1);
    memo.set("b", 2);
    memo.set("a", 3); // set again: now the newest
    memo.set("c", 4);
    assert.equal(memo.size, 2);
    assert.equal(memo.get("b"), undefined);
    assert.equal(memo.get("a"), 3);
    assert.equal(memo.get("c"), 4);
  });

  it("never returns an entry past its age, and deletes it soon after even if nobody asks again", async () => {
    const memo = new RecentValues<string>({ limit: 10, maxAgeMs: 30 });
    memo.set("token", "plaintext");
    assert.equal(memo.get("token"), "plaintext");
    // The sweep runs within about a second of the entry's expiry, with no further use.
    for (let attempt = 0; attempt < 100 && memo.size > 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(memo.size, 0);
    assert.equal(memo.get("token"), undefined);
  });
});
