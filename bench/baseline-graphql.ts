/**
 * Baseline (j): GraphQL on the design's stack and nothing else. Express 5 and Apollo Server, the
 * gateway's schema, its lean HTTP handler (`graphqlHandler`) and `express.json()`, served with
 * `expressServerOptions`, answering (a)'s query from a resolver that returns a constant
 * signed-in status: no session, no cookie, no Redis, no log line, no security headers, no limits
 * on the document. What any status over GraphQL costs on this stack before the gateway does
 * anything of its own, so (a) can be no faster than (j) (docs/performance.md).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import express from "express";
import { graphqlHandler } from "../gateway/graphql/http-handler.js";
import { expressServerOptions } from "../gateway/http/express-server-options.js";
import { packageRoot } from "../gateway/util/package-root.js";
import { LOOPBACK, portFromEnv, serveParent } from "./child.js";

/** What the gateway answers (a) with for the bench's signed-in key, in the schema's shape. */
const SIGNED_IN = {
  authenticated: true,
  method: "API_KEY",
  expiresAt: "2026-12-08T00:00:00.000Z",
  user: { label: "sk-or-v1-abc...123", usage: 25.5, limit: 100, limitRemaining: 74.5, isFreeTier: false, totalCredits: 50 },
};

const apollo = new ApolloServer({
  typeDefs: readFileSync(join(packageRoot, "schema.graphql"), "utf8"),
  resolvers: { Query: { status: () => SIGNED_IN } },
  introspection: false,
  csrfPrevention: false,
  plugins: [ApolloServerPluginCacheControlDisabled(), ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginLandingPageDisabled()],
});
await apollo.start();

const app = express();
app.disable("x-powered-by");
app.post("/graphql", express.json({ limit: "16kb" }), graphqlHandler(apollo, async () => ({})));

const server = createServer(expressServerOptions(app), app).listen(portFromEnv(), LOOPBACK);
await new Promise<void>((resolve, reject) => server.once("listening", resolve).once("error", reject));

serveParent({ port: (server.address() as AddressInfo).port }, async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await apollo.stop();
});
