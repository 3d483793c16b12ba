import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import type { SessionData } from "express-session";
import { FernetKeyring } from "../../gateway/crypto/fernet.js";
import { fernetSerializer, storedTokenOf } from "../../gateway/session/fernet-serializer.js";

const keyring = FernetKeyring.fromString(randomBytes(32).toString("base64url"));
const fixedCookie = Object.freeze({ httpOnly: true, path: "/", sameSite: "lax", partitioned: false } as const);

/** A signed-in record as express-session hands it to the store, the cookie as its toJSON gives it. */
function signedInRecord(): SessionData {
  return {
    cookie: { httpOnly: true, path: "/", sameSite: "lax", partitioned: false, expires: new Date("2026-12-08T00:00:00.000Z"), originalMaxAge: 86_400_000 },
    auth: { method: "api_key", apiKey: `sk-or-v1-${"a".repeat(64)}`, user: { label: "sk-or-v1-aaa...aaa", usage: 1 } },
    oauth: [],
  } as unknown as SessionData;
}

describe("the session records' serializer", () => {
  it("gives every request that only reads a session one record per token, which none of them can change", () => {
    const serializer = fernetSerializer(keyring, fixedCookie);
    const token = serializer.stringify(signedInRecord());
    const first = serializer.read(token)!;
    assert.equal(serializer.read(token), first, "a second read of the same token makes nothing new");
    assert.equal(first.auth?.user.label, "sk-or-v1-aaa...aaa");
    assert.equal(first.cookie.httpOnly, true, "the shared cookie attributes are put back");
    assert.equal(storedTokenOf(first), undefined, "the memo keeps no token beside its record");
    // ES modules are strict: a write to a frozen object throws rather than passing silently.
    assert.throws(() => ((first.auth!.user as { usage: number }).usage = 99), TypeError);
    assert.throws(() => (first.oauth as unknown[]).push({}), TypeError);
    assert.throws(() => ((first as { renewedAt?: number }).renewedAt = 1), TypeError);
    assert.equal(serializer.read(token)!.auth?.user.usage, 1);
  });

  it("gives a request that changes the session a copy of its own, which leaves what the readers see as it was", () => {
    const serializer = fernetSerializer(keyring, fixedCookie);
    const token = serializer.stringify(signedInRecord());
    const shared = serializer.read(token)!;
    const own = serializer.parse(token)!;
    assert.notEqual(own, shared);
    assert.equal(storedTokenOf(own), token, "a conditional write still knows what it must find stored");
    (own.oauth as unknown[]).push({ state: "s" });
    (own.auth!.user as { usage: number }).usage = 2;
    assert.deepEqual(serializer.read(token)!.oauth, []);
    assert.equal(serializer.read(token)!.auth?.user.usage, 1);
    assert.notEqual(serializer.parse(token), own, "each writer gets a copy of its own");
  });

  it("reads a token that is not a record of this gateway's keys, or not a record at all, as no session", () => {
    const serializer = fernetSerializer(keyring, fixedCookie);
    const token = serializer.stringify(signedInRecord());
    const tampered = token.slice(0, -2) + (token.endsWith("AA") ? "BB" : "AA");
    assert.equal(serializer.read(tampered), null);
    assert.equal(serializer.parse(tampered), null);
    assert.equal(serializer.read(keyring.encrypt("42")), null);
    assert.equal(serializer.read("signed-out"), null);
  });

  it("reads a token again from its ciphertext once it is forgotten (a sign-out)", () => {
    const serializer = fernetSerializer(keyring, fixedCookie);
    const token = serializer.stringify(signedInRecord());
    const before = serializer.read(token);
    serializer.forget(token);
    const after = serializer.read(token);
    assert.notEqual(after, before);
    assert.deepEqual(after, before);
  });
});
