import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { createLogger, isoTimeAt } from "../../gateway/logging/logger.js";

const asPino = (epochMs: number) => `,"time":"${new Date(epochMs).toISOString()}"`;

describe("the log lines' time", () => {
  it("is pino's isoTime text for every millisecond, across seconds, minutes, days and years, in any order", () => {
    const starts = [0, 999, Date.UTC(2026, 11, 31, 23, 59, 58, 990), Date.UTC(2024, 1, 29, 12, 0, 0, 0), Date.UTC(1969, 11, 31, 23, 59, 59, 500), Date.now()];
    for (const start of starts) {
      for (let epochMs = start; epochMs < start + 2_500; epochMs++) assert.equal(isoTimeAt(epochMs), asPino(epochMs), String(epochMs));
    }
    // Back and forth between seconds: the second formatted last must not leak into another's.
    for (const epochMs of [1_000_000_123, 2_000_000_007, 1_000_000_999, 1_000_001_000, 999_999_999, 2_000_000_045]) assert.equal(isoTimeAt(epochMs), asPino(epochMs));
  });

  it("is written in every line as an ISO date within the time the line was written", () => {
    const lines: string[] = [];
    const logger = createLogger("info", new Writable({ write: (chunk, _encoding, done) => done(void lines.push(String(chunk))) }) as never);
    const before = Date.now();
    logger.info({ event: "test" }, "a line");
    const after = Date.now();
    const time = Date.parse((JSON.parse(lines[0]!) as { time: string }).time);
    assert.ok(time >= before && time <= after, `${time} in [${before}, ${after}]`);
  });
});
