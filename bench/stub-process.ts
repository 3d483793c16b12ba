/**
 * The OpenRouter stand-in in a process of its own, so that (c) `validateKey` loads it like a
 * remote upstream. BENCH_CHAT_CHUNKS and BENCH_CHAT_INTERVAL_MS pace its streamed completions
 * (content chunks per answer, and the pause before each after the first). BENCH_ACCOUNTS makes that
 * many more accounts, whose keys the bench signs in with to spread streams over many accounts.
 */
import { startOpenRouterStub } from "../dev/openrouter-stub.js";
import { LOOPBACK, portFromEnv, serveParent } from "./child.js";

const stub = await startOpenRouterStub({ host: LOOPBACK, port: portFromEnv() });
const chunks = process.env.BENCH_CHAT_CHUNKS;
const intervalMs = process.env.BENCH_CHAT_INTERVAL_MS;
stub.setChatPace({ ...(chunks === undefined ? {} : { chunks: Number(chunks) }), ...(intervalMs === undefined ? {} : { intervalMs: Number(intervalMs) }) });

const accountKeys = Array.from({ length: Number(process.env.BENCH_ACCOUNTS ?? 0) }, () => stub.addAccount().key);

serveParent({ apiBase: stub.apiBase, authUrl: stub.authUrl, validKey: stub.testKeys.valid, accountKeys: accountKeys.join(",") }, () => stub.close());
