/**
 * Baseline (d): the stock stack the gateway is built on, with nothing of ours: Express 5,
 * express-session and connect-redis over ioredis with its default JSON serializer, and a route
 * that returns the session. `POST /login` puts a record of the gateway's shape in the session.
 *
 * Baseline (f) is the same app served as the gateway is, with `expressServerOptions(app)`
 * (SERVE_WITH_APP_PROTOTYPES=1): how much of the gateway's lead over (d) that alone explains.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { RedisStore } from "connect-redis";
import express from "express";
import session from "express-session";
import { Redis } from "ioredis";
import { expressServerOptions } from "../gateway/http/express-server-options.js";
import { LOOPBACK, portFromEnv, serveParent } from "./child.js";

declare module "express-session" {
  interface SessionData {
    user: Record<string, unknown>;
  }
}

const redisUrl = process.env.REDIS_URL;
if (redisUrl === undefined) throw new Error("baseline-express: REDIS_URL is required");
const redis = new Redis(redisUrl);

const app = express();
app.disable("x-powered-by");
app.use(
  session({
    store: new RedisStore({ client: redis }),
    secret: "bench-baseline-secret-of-at-least-32-characters",
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: "lax", maxAge: 86_400_000 },
  }),
);
app.post("/login", (req, res, next) => {
  req.session.regenerate((error) => {
    if (error) return next(error);
    // About what the gateway keeps for a signed-in user, in the clear.
    req.session.user = {
      method: "API_KEY",
      apiKey: `sk-or-v1-${"0".repeat(64)}`,
      label: "sk-or-v1-abc...123",
      userId: null,
      usage: 25.5,
      limit: 100,
      limitRemaining: 74.5,
      isFreeTier: false,
      totalCredits: 50,
      refreshedAt: new Date().toISOString(),
      signedInAt: Date.now(),
    };
    res.json({ ok: true });
  });
});
app.get("/session", (req, res) => {
  res.json(req.session);
});

// (d) is served as app.listen() serves it, (f) as the gateway is.
const server = createServer(process.env.SERVE_WITH_APP_PROTOTYPES === "1" ? expressServerOptions(app) : {}, app).listen(portFromEnv(), LOOPBACK);
await new Promise<void>((resolve, reject) => server.once("listening", resolve).once("error", reject));
await new Promise<void>((resolve) => (redis.status === "ready" ? resolve() : redis.once("ready", () => resolve())));

serveParent({ port: (server.address() as AddressInfo).port }, async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await redis.quit();
});
