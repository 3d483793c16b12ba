/**
 * The OpenRouter stand-in in a process of its own, so that (c) `validateKey` loads it like a
 * remote upstream. BENCH_CHAT_CHUNKS and BENCH_CHAT_INTERVAL_MS pace its streamed completions
 * (content chunks per answer, and the pause before each after the first).
 */
import { startOpenRouterStub } from "../dev/openrouter-stub.js";
import { LOOPBACK, portFromEnv, serveParent } from "./child.js";

const stub = await startOpenRouterStub({ host: LOOPBACK, port: portFromEnv() });
const chunks = process.env.BENCH_CHAT_CHUNKS;
const intervalMs = process.env.BENCH_CHAT_INTERVAL_MS;
stub.setChatPace({ ...(chunks === undefined ? {} : { chunks: Number(chunks) }), ...(intervalMs === undefined ? {} : { intervalMs: Number(intervalMs) }) });

serveParent({ apiBase: stub.apiBase, authUrl: stub.authUrl, validKey: stub.testKeys.valid }, () => stub.close());
