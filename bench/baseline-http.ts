/** Baseline (e): raw `node:http` answering a constant: the floor of any Node HTTP server on this machine. */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { LOOPBACK, portFromEnv, serveParent } from "./child.js";

const BODY = JSON.stringify({ authenticated: true });

const server = createServer((_req, res) => {
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(BODY) });
  res.end(BODY);
});
await new Promise<void>((resolve) => server.listen(portFromEnv(), LOOPBACK, resolve));

serveParent({ port: (server.address() as AddressInfo).port }, async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
