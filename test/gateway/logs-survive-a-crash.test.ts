import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const FIXTURE = fileURLToPath(new URL("../fixtures/processes/dies-right-after-logging.ts", import.meta.url));

/** Runs the fixture to its death (bounded by the test's timeout) and returns what reached its stdout, by line. */
async function stdoutOfACrash(): Promise<{ signal: NodeJS.Signals | null; lines: Array<{ event?: string; level: number }> }> {
  const child = spawn(process.execPath, ["--import", "tsx", FIXTURE], { env: { ...process.env, REDIS_URL: "", OPENROUTER_ENCRYPTION_KEY: "", SESSION_SECRET: "", LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "inherit"] });
  let stdout = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on("close", (_code, signal) => resolve(signal)));
  return { signal, lines: stdout.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line)) };
}

describe("log lines that matter", () => {
  it("reach stdout even when the process dies right after writing them: start-up warnings and an error", { timeout: 20_000 }, async () => {
    const { signal, lines } = await stdoutOfACrash();
    assert.equal(signal, "SIGKILL", "the process died without running exit handlers");
    const events = lines.map((line) => line.event);
    assert.ok(events.includes("session.store"), `the warning that sessions live in the process: ${JSON.stringify(events)}`);
    assert.deepEqual(events.filter((event) => event === "config.generated").length, 2, "one warning per made-up secret");
    const dying = lines.find((line) => line.event === "fixture.dying");
    assert.equal(dying?.level, 50, "the error line, written in the same tick as the kill");
  });
});
