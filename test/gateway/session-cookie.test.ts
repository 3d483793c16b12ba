import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sign } from "cookie-signature";
import { sessionIdReader } from "../../gateway/session/session-cookie.js";

const NAME = "openrouter-auth.sid";
const SECRET = "a-secret-long-enough-for-the-tests-0123456789";
const header = (id: string, secret = SECRET) => `${NAME}=${encodeURIComponent(`s:${sign(id, secret)}`)}; other=1`;

describe("the session cookie reader", () => {
  it("reads each header for itself, whatever header it read just before (a header read twice in a row is read once)", () => {
    const read = sessionIdReader(NAME, [SECRET]);
    const alice = header("alice-session-id");
    const forged = header("alice-session-id", "another-secret-of-the-same-length-0123456");
    assert.equal(read(alice), "alice-session-id");
    assert.equal(read(alice), "alice-session-id");
    assert.equal(read(forged), undefined, "a forged signature right after the genuine header names no session");
    assert.equal(read(forged), undefined);
    assert.equal(read(header("bob-session-id")), "bob-session-id");
    assert.equal(read(alice), "alice-session-id");
    assert.equal(read(undefined), undefined);
    assert.equal(read("other=1"), undefined);
    assert.equal(read(alice), "alice-session-id");
  });
});
