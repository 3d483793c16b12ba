/**
 * Baseline (i): the least a proxy that keeps its sessions in Redis adds to a streamed completion,
 * whoever writes it. Raw `node:http`, one Redis GET per completion of a value the size of the
 * gateway's session record (the read every proxied completion needs, to find its key), the
 * request's body passed on as it came, and the answer written on as it arrives. No Express, no
 * decryption, no policy, no log line: a floor to set (g) against, not a product.
 */
import { createServer, request, Agent } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { LOOPBACK, portFromEnv, serveParent } from "./child.js";

const { UPSTREAM_URL: upstreamUrl, UPSTREAM_AUTHORIZATION: authorization, REDIS_URL: redisUrl } = process.env;
if (upstreamUrl === undefined || authorization === undefined || redisUrl === undefined) {
  throw new Error("baseline-proxy: UPSTREAM_URL, UPSTREAM_AUTHORIZATION and REDIS_URL are required");
}
const upstream = new URL(upstreamUrl);
// As the gateway's pool (gateway/openrouter/upstream-connections.ts): an idle connection is closed
// before the stand-in would close it (its 5 s keep-alive), so that no request goes out on one the
// stand-in is closing ("socket hang up", a failed stream of this baseline's, in earlier runs).
const agent = new Agent({ keepAlive: true, timeout: 4_000, scheduling: "lifo" });
const redis = new Redis(redisUrl);
const SESSION_KEY = "bench:baseline-proxy:session";
/** About the length of the gateway's stored session token (the bench reports it as "Redis per session"). */
await redis.set(SESSION_KEY, "x".repeat(700));

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    redis.get(SESSION_KEY).then(
      () => {
        const body = Buffer.concat(chunks);
        const outgoing = request(
          { hostname: upstream.hostname, port: upstream.port, path: upstream.pathname, method: "POST", agent, headers: { authorization, "content-type": "application/json", "content-length": body.length } },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, { "content-type": answer.headers["content-type"] ?? "application/json" });
            answer.pipe(res);
          },
        );
        outgoing.on("error", () => res.destroy());
        outgoing.end(body);
      },
      () => res.writeHead(503).end(),
    );
  });
});
await new Promise<void>((resolve) => server.listen(portFromEnv(), LOOPBACK, resolve));

serveParent({ port: (server.address() as AddressInfo).port }, async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  agent.destroy();
  redis.disconnect();
});
