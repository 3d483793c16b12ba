import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import express, { type ErrorRequestHandler, type RequestHandler } from "express";
import { inSeries } from "../../gateway/http/in-series.js";

const servers: Server[] = [];
after(() => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
});

/** GET / through `middleware` on a real Express app: the answer's `x-ran` header and body, or the error that reached Express's error handler. */
async function through(middleware: RequestHandler): Promise<{ ran: string | null; body: string }> {
  const app = express();
  app.use(middleware);
  app.get("/", (_req, res) => {
    res.send("route");
  });
  const onError: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
    res.status(500).send(`error: ${error instanceof Error ? error.message : String(error)}`);
  };
  app.use(onError);
  const server = createServer(app).listen(0, "127.0.0.1");
  servers.push(server);
  await once(server, "listening");
  const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  return { ran: response.headers.get("x-ran"), body: await response.text() };
}

const mark =
  (name: string): RequestHandler =>
  (_req, res, next) => {
    res.setHeader("x-ran", [res.getHeader("x-ran"), name].filter(Boolean).join(","));
    next();
  };

describe("middlewares in series", () => {
  it("run in order, then the route", async () => {
    assert.deepEqual(await through(inSeries(mark("a"), mark("b"), mark("c"))), { ran: "a,b,c", body: "route" });
  });

  it("stop at an error passed on, thrown, or a rejected promise, which reaches Express's error handler", async () => {
    const passed: RequestHandler = (_req, _res, next) => next(new Error("passed"));
    const thrown: RequestHandler = () => {
      throw new Error("thrown");
    };
    const rejected: RequestHandler = async () => {
      throw new Error("rejected");
    };
    for (const [failing, message] of [
      [passed, "passed"],
      [thrown, "thrown"],
      [rejected, "rejected"],
    ] as const) {
      const answer = await through(inSeries(mark("a"), failing, mark("c")));
      assert.equal(answer.body, `error: ${message}`);
      assert.equal(answer.ran, "a", "nothing after the failing one ran");
    }
  });
});
