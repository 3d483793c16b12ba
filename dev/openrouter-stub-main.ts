/**
 * Runs the OpenRouter stand-in on its own: `OPENROUTER_STUB_PORT` (default 8090) on 127.0.0.1,
 * streaming chat answers at the demo's pace (`DEMO_CHAT_INTERVAL_MS`, default 60 ms a chunk).
 * Prints what to point the gateway at and the ready-made test keys; stops on SIGINT/SIGTERM.
 */
import { demoChatPace } from "./demo-chat-pace.js";
import { startOpenRouterStub } from "./openrouter-stub.js";

const DEFAULT_PORT = 8090;
const SHUTDOWN_GRACE_MS = 5_000;

function readPort(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === "") return DEFAULT_PORT;
  const port = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`OPENROUTER_STUB_PORT must be a port number from 0 to 65535, got "${raw}"`);
    process.exit(1);
  }
  return port;
}

const port = readPort(process.env.OPENROUTER_STUB_PORT);
const chatPace = demoChatPace(process.env.DEMO_CHAT_INTERVAL_MS);
if (typeof chatPace === "string") {
  console.error(chatPace);
  process.exit(1);
}
let stub: Awaited<ReturnType<typeof startOpenRouterStub>>;
try {
  stub = await startOpenRouterStub({ port, host: "127.0.0.1" });
} catch (error) {
  console.error(`OpenRouter stand-in could not listen on 127.0.0.1:${port}: ${(error as Error).message}`);
  process.exit(1);
}
stub.setChatPace(chatPace);

console.log(`OpenRouter stand-in listening on ${stub.origin}
  OPENROUTER_API_BASE=${stub.apiBase}
  OPENROUTER_AUTH_URL=${stub.authUrl}
Test keys (paste one into "Connect to OpenRouter"):
  valid (limit $100, usage $25.50)  ${stub.testKeys.valid}
  unlimited (free tier)             ${stub.testKeys.unlimited}
  disabled (answers 401)            ${stub.testKeys.disabled}
Chat: POST ${stub.apiBase}/chat/completions with the valid or unlimited key echoes the last user
message, streamed one chunk every ${chatPace.intervalMs} ms (DEMO_CHAT_INTERVAL_MS).`);

let stopping = false;
function stop(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  console.log(`OpenRouter stand-in stopping (${signal})`);
  // close() ends every connection at once; the timer only guards against the unexpected.
  const force = setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS);
  force.unref();
  stub.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
}
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
