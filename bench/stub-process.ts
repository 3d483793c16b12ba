/** The OpenRouter stand-in in a process of its own, so that (c) `validateKey` loads it like a remote upstream. */
import { startOpenRouterStub } from "../dev/openrouter-stub.js";
import { LOOPBACK, portFromEnv, serveParent } from "./child.js";

const stub = await startOpenRouterStub({ host: LOOPBACK, port: portFromEnv() });

serveParent({ apiBase: stub.apiBase, authUrl: stub.authUrl, validKey: stub.testKeys.valid }, () => stub.close());
