import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import express, { type RequestHandler } from "express";
import helmet from "helmet";
import { securityHeaderOptions, securityHeaders } from "../../gateway/http/security-headers.js";

/** The headers an Express app (X-Powered-By left on, as a host's may be) answers with through `middleware`. */
async function headersThrough(middleware: RequestHandler): Promise<Record<string, string>> {
  const app = express();
  app.use(middleware);
  app.get("/", (_req, res) => {
    res.type("text/plain").send("ok");
  });
  const server: Server = createServer(app).listen(0, "127.0.0.1");
  servers.push(server);
  await once(server, "listening");
  const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  await response.text();
  const headers = Object.fromEntries(response.headers);
  // Set by Node for each answer, not by either middleware.
  delete headers.date;
  return headers;
}

const servers: Server[] = [];
after(() => {
  for (const server of servers) server.closeAllConnections(), server.close();
});

describe("security headers", () => {
  for (const hsts of [false, true]) {
    it(`are exactly helmet's own, X-Powered-By removed (HSTS ${hsts ? "on" : "off"})`, async () => {
      const expected = await headersThrough(helmet(securityHeaderOptions({ hsts })));
      const actual = await headersThrough(securityHeaders({ hsts }));
      assert.deepEqual(actual, expected);
      assert.equal(actual["x-powered-by"], undefined);
      assert.equal(actual["strict-transport-security"] !== undefined, hsts);
      assert.match(actual["content-security-policy"] ?? "", /frame-ancestors 'none'/);
    });
  }
});
