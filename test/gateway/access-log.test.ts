import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestStack, type TestStack } from "../support/gateway.js";
import { waitFor } from "../support/wait-for.js";

const REST = "/api/v1/openrouter/auth";

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(async () => {
  await stack.close();
});

interface AccessLine {
  readonly msg: string;
  readonly reqId: string;
  readonly path: string;
  readonly status: number;
}

/** Sends a raw GET (the path exactly as written, no client normalising it) and returns the answer and its access-log line. */
async function request(path: string, headers: Record<string, string> = {}): Promise<{ response: Response; line: AccessLine; raw: string }> {
  const response = await fetch(`${stack.gatewayUrl}${path}`, { headers });
  await response.arrayBuffer();
  const id = response.headers.get("x-request-id");
  assert.ok(id, "every answer carries a request id");
  const find = () => stack.gateway.logs.find((line) => line.includes('"msg":"request"') && (JSON.parse(line) as AccessLine).reqId === id);
  await waitFor(() => find() !== undefined);
  const raw = find()!;
  return { response, line: JSON.parse(raw) as AccessLine, raw };
}

/** Every character percent-encoded, as a client may send any of them. */
const percentEncoded = (text: string) => [...text].map((char) => `%${char.charCodeAt(0).toString(16).padStart(2, "0")}`).join("");

describe("the access log", () => {
  it("keeps no query string at all", async () => {
    for (const path of [`${REST}/status?probe=visible`, `${REST}/status?`]) {
      const { line, raw } = await request(path);
      assert.equal(line.path, `${REST}/status`);
      assert.equal(raw.includes("probe"), false, raw);
    }
    // A `?` encoded into the path is part of the path, and logged so that it cannot pass for a query.
    const { line } = await request(`${REST}/status%3Fprobe=visible`);
    assert.equal(line.path, `${REST}/status%3Fprobe=visible`);
  });

  describe("with a key pasted into the path in an encoding", () => {
    const key = `sk-or-v1-${"0123456789abcdef".repeat(4)}`;
    const tail = key.slice(-20);

    for (const [name, path] of [
      ["its first letter percent-encoded", `/%73k-or-v1-${key.slice(9)}`],
      ["every letter percent-encoded", `${REST}/${percentEncoded(key)}`],
      ["percent-encoded twice", `${REST}/${percentEncoded(key).replaceAll("%", "%25")}`],
      ["its dashes encoded in lower case", `/graphql/sk%2dor%2dv1%2d${key.slice(9)}`],
      ["a byte that is not UTF-8 before it", `${REST}/%ff%73k-or-v1-${key.slice(9)}`],
      ["percent-encoded five times", `${REST}/x/${percentEncoded(key).replaceAll("%", "%25252525")}`],
    ] as const) {
      it(`logs it redacted when it has ${name}`, async () => {
        const { line, raw } = await request(path);
        assert.equal(raw.includes(tail), false, raw);
        assert.equal(raw.includes(percentEncoded(tail)), false, raw);
        assert.match(line.path, /\[redacted\]/, "the line says something was taken out");
      });
    }

    it("keeps the rest of the path readable, decoded", async () => {
      const { line } = await request(`${REST}/%73k-or-v1-${key.slice(9)}`);
      assert.equal(line.path, `${REST}/sk-or-[redacted]`);
    });

    it("logs a path with a broken percent-encoding as it came, without failing", async () => {
      const { response, line } = await request(`${REST}/%zz/%73k-or-v1-${key.slice(9)}%`);
      assert.equal(response.status, 404);
      assert.equal(line.path, `${REST}/%zz/sk-or-[redacted]`);
    });
  });

  describe("request ids", () => {
    it("takes a client's X-Request-Id in a safe form, echoes it and logs it", async () => {
      const { response, line } = await request(`${REST}/status`, { "x-request-id": "trace-42_a.B" });
      assert.equal(response.headers.get("x-request-id"), "trace-42_a.B");
      assert.equal(line.reqId, "trace-42_a.B");
    });

    for (const [name, offered] of [
      ["too long", "a".repeat(65)],
      ["with a space", "trace 42"],
      ["with markup", "<script>alert(1)</script>"],
      ["with a slash and a colon", "a/b:c"],
      ["with a percent-encoding", "trace%0A42"],
      ["empty", ""],
    ] as const) {
      it(`makes its own id for one ${name}`, async () => {
        const { response, line, raw } = await request(`${REST}/status`, { "x-request-id": offered });
        const id = response.headers.get("x-request-id")!;
        assert.notEqual(id, offered);
        assert.match(id, /^[0-9a-f-]{36}$/);
        assert.equal(line.reqId, id);
        if (offered !== "") assert.equal(raw.includes(offered), false);
      });
    }

    for (const offered of [`sk-or-v1-${"ab12".repeat(10)}`, `SK-OR-V1-${"AB12".repeat(10)}`, `sk-or-${"x".repeat(30)}`, `gAAAAA${"B".repeat(50)}`]) {
      it(`makes its own id for a key-shaped one (${offered.slice(0, 9)}…), and neither echoes nor logs it`, async () => {
        const logsBefore = stack.gateway.logs.length;
        const { response, line } = await request(`${REST}/status`, { "x-request-id": offered });
        assert.notEqual(response.headers.get("x-request-id"), offered);
        assert.equal(line.reqId, response.headers.get("x-request-id"));
        for (const logged of stack.gateway.logs.slice(logsBefore)) assert.equal(logged.toLowerCase().includes(offered.slice(-20).toLowerCase()), false, logged);
      });
    }
  });
});
