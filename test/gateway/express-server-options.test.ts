import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setFlagsFromString } from "node:v8";
import { describe, it } from "node:test";
import express from "express";
import { expressServerOptions } from "../../gateway/http/express-server-options.js";

// V8's own test of an object's layout, for this file only: whether its properties are fields
// (fast) or a hash table (dictionary mode).
setFlagsFromString("--allow-natives-syntax");
const hasFastProperties = new Function("object", "return %HasFastProperties(object)") as (object: object) => boolean;

describe("expressServerOptions", () => {
  it("makes requests and responses with the app's prototypes, whose properties stay fields, not a hash table, through a request", async () => {
    const app = express();
    const seen: Array<{ where: string; req: boolean; res: boolean }> = [];
    app.use((req, res, next) => {
      seen.push({ where: "first middleware", req: hasFastProperties(req), res: hasFastProperties(res) });
      assert.equal(Object.getPrototypeOf(req), app.request);
      assert.equal(Object.getPrototypeOf(res), app.response);
      assert.ok(req instanceof IncomingMessage && res instanceof ServerResponse);
      // What the gateway's middlewares add on their way.
      Object.assign(req, { id: "request-id", sessionHandle: {} });
      Object.assign(res, { accessLogNote: {}, errorCode: undefined });
      next();
    });
    app.post("/", express.json(), (req, res) => {
      res.setHeader("x-one", "1");
      res.once("close", () => seen.push({ where: "closed", req: hasFastProperties(req), res: hasFastProperties(res) }));
      seen.push({ where: "handler", req: hasFastProperties(req), res: hasFastProperties(res) });
      res.json(req.body);
    });
    const server = createServer(expressServerOptions(app), app).listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      // Several requests: V8 settles an object's size over its first few objects.
      for (let index = 0; index < 20; index++) {
        const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ index }) });
        assert.deepEqual(await response.json(), { index });
      }
    } finally {
      server.closeAllConnections();
      server.close();
    }
    assert.ok(seen.length >= 60);
    assert.deepEqual(
      seen.filter((entry) => !entry.req || !entry.res),
      [],
    );
  });
});
