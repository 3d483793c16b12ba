/**
 * `npm run demo` (docs/contract.md §9): the whole product on this machine, with no OpenRouter account and no
 * network. Starts the OpenRouter stand-in (127.0.0.1, `OPENROUTER_STUB_PORT`, default 8090), then
 * the standalone gateway on `PORT` (8080) with `OPENROUTER_API_BASE` and `OPENROUTER_AUTH_URL`
 * pointing at the stand-in, and prints the demo page's URL and the stand-in's test keys. The
 * stand-in streams chat answers at a visible pace (`DEMO_CHAT_INTERVAL_MS` between chunks,
 * default 60). Sessions live in this process unless `REDIS_URL` is set. Ctrl-C stops both.
 */
import { existsSync } from "node:fs";
import { ConfigError, loadConfig, type Config } from "../gateway/config.js";
import { serve } from "../gateway/server/listen.js";
import { createLogger } from "../gateway/logging/logger.js";
import { createStandaloneApp } from "../gateway/server/standalone-app.js";
import { demoChatPace } from "./demo-chat-pace.js";
import { startOpenRouterStub, type OpenRouterStub } from "./openrouter-stub.js";

const DEFAULT_STUB_PORT = 8090;

function fail(message: string): never {
  console.error(`openrouter-auth demo: ${message}`);
  process.exit(1);
}

function stubPort(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === "") return DEFAULT_STUB_PORT;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) > 65535) fail(`OPENROUTER_STUB_PORT must be a port number from 0 to 65535 (got "${raw}")`);
  return Number(raw);
}

if (existsSync(".env")) process.loadEnvFile(".env");

const chatPace = demoChatPace(process.env.DEMO_CHAT_INTERVAL_MS);
if (typeof chatPace === "string") fail(chatPace);

let stub: OpenRouterStub;
try {
  stub = await startOpenRouterStub({ port: stubPort(process.env.OPENROUTER_STUB_PORT), host: "127.0.0.1" });
} catch (error) {
  fail(`the OpenRouter stand-in cannot listen on 127.0.0.1:${stubPort(process.env.OPENROUTER_STUB_PORT)}: ${(error as Error).message}`);
}
stub.setChatPace(chatPace);

let config: Config;
try {
  config = loadConfig({
    // Request logs would bury the instructions below; LOG_LEVEL=info brings them back.
    LOG_LEVEL: "warn",
    // Local by default: the demo signs anyone in with the stand-in's keys.
    HOST: "127.0.0.1",
    ...process.env,
    OPENROUTER_API_BASE: stub.apiBase,
    OPENROUTER_AUTH_URL: stub.authUrl,
  });
} catch (error) {
  await stub.close();
  if (error instanceof ConfigError) fail(`invalid configuration: ${error.message}`);
  throw error;
}

const logger = createLogger(config.logLevel);
const { app, gateway } = createStandaloneApp(config, logger);
try {
  await serve({
    app,
    gateway,
    port: config.port,
    host: config.host,
    logger,
    onStopped: async () => {
      await stub.close();
      console.log("openrouter-auth demo stopped.");
    },
  });
} catch (error) {
  await stub.close();
  fail(`the gateway cannot listen on ${config.host ?? "all interfaces"}:${config.port}: ${(error as Error).message} (set PORT to use another port)`);
}

// The OAuth callback is on OPENROUTER_REDIRECT_URI's origin (http://localhost:PORT by default):
// the page must be opened there, so that the popup and the page share the session cookie.
const demoUrl = `${new URL(config.redirectUri).origin}/`;
const { valid, unlimited, disabled } = stub.testKeys;
// The start-up warnings (generated secrets, in-process sessions) go first, the instructions last.
await new Promise<void>((resolve) => logger.flush(() => resolve()));
console.log(`
openrouter-auth demo: open ${demoUrl}

  Sessions: ${config.redisUrl === undefined ? "in this process (set REDIS_URL to use Redis)" : "Redis"}
  OpenRouter stand-in: ${stub.origin} (nothing reaches openrouter.ai)

  Test keys (paste one into "Connect to OpenRouter" > API key):
    valid, $100 limit, $25.50 used  ${valid}
    unlimited, free tier            ${unlimited}
    disabled (OpenRouter refuses)   ${disabled}

  Or choose "Sign in with OpenRouter" and click Authorize on the stand-in's consent page.

  Chat: once connected with the valid or unlimited key, pick a model and send a message. The
  answer (the stand-in echoes it) streams through the gateway's proxy, one chunk every
  ${chatPace.intervalMs} ms (DEMO_CHAT_INTERVAL_MS); Stop aborts it.

Press Ctrl-C to stop.
`);
