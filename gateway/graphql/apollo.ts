import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import type { GraphQLFormattedError } from "graphql";
import { ErrorCode, GatewayError, causeForLog, errorBody, redactSecrets } from "../errors.js";
import type { Logger } from "../logging/logger.js";
import type { ThrottledErrorLog } from "../logging/throttled-error-log.js";
import { packageRoot } from "../util/package-root.js";
import type { GraphQLContext } from "./context.js";
import { ARMOR_REJECTION, FIELD_SUGGESTION, MAX_TOKENS, armorProtection } from "./armor.js";
import { resolvers } from "./resolvers.js";

export const typeDefs = readFileSync(join(packageRoot, "schema.graphql"), "utf8");

/** Apollo's own codes for a request the client got wrong; their messages are about the query. */
const CLIENT_ERROR_CODES = new Set(["GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT", "BAD_REQUEST", "OPERATION_RESOLUTION_FAILURE", "PERSISTED_QUERY_NOT_FOUND", "PERSISTED_QUERY_NOT_SUPPORTED"]);

export function createApolloServer(options: {
  production: boolean;
  logger: Logger;
  /** Where SESSION_STORE_UNAVAILABLE is logged: every request meets it while Redis is down. */
  storeErrors: ThrottledErrorLog;
  plugins?: ApolloServerPlugin<GraphQLContext>[];
}): ApolloServer<GraphQLContext> {
  const { production, logger, storeErrors } = options;
  const armor = armorProtection();
  return new ApolloServer<GraphQLContext>({
    typeDefs,
    resolvers,
    // Apollo's defaults follow NODE_ENV; set explicitly so a misnamed environment cannot turn them on.
    introspection: !production,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    // Signals belong to the process: to the host's own shutdown, or to server/listen.ts. Apollo's
    // handler would stop GraphQL while the host still drains, re-send the signal, and its stop()
    // racing ours would never return (a concurrent stop() waits on a barrier Apollo 5 never resolves).
    stopOnTerminationSignals: false,
    // The gateway guards /graphql itself, in front of Apollo: POSTs must be JSON and pass the
    // origin guard; GETs (queries only: Apollo never runs a mutation over GET) must not have been
    // caused by another site without CORS (http/cross-site-reads.ts). Apollo's own check would
    // refuse every GET without its preflight header, i.e. urql's and graphql-request's defaults.
    csrfPrevention: false,
    validationRules: armor.validationRules,
    parseOptions: { maxTokens: MAX_TOKENS },
    plugins: [
      ...armor.plugins,
      // No answer here may be cached (every one depends on the caller's session), and the cache
      // control plugin would otherwise wrap every field resolver of every request to compute hints.
      ApolloServerPluginCacheControlDisabled(),
      // Inline traces are for federated subgraphs, which this schema is not; Apollo would
      // otherwise install the plugin anyway and call it on every request to find that out.
      ApolloServerPluginInlineTraceDisabled(),
      ...(production ? [ApolloServerPluginLandingPageDisabled()] : []),
      ...(options.plugins ?? []),
    ],
    formatError(formatted, error): GraphQLFormattedError {
      const original = unwrapResolverError(error);
      if (original instanceof GatewayError) {
        const fields = { code: original.code, err: causeForLog(original.cause) };
        if (original.code === ErrorCode.INTERNAL_SERVER_ERROR) logger.error(fields, "GraphQL operation failed");
        if (original.code === ErrorCode.SESSION_STORE_UNAVAILABLE) storeErrors.error(fields, "GraphQL operation failed");
        return { ...errorBody(original, "graphql"), ...(formatted.path ? { path: formatted.path } : {}) };
      }
      const code = formatted.extensions?.code;
      if (typeof code === "string" && CLIENT_ERROR_CODES.has(code) && ARMOR_REJECTION.test(formatted.message)) {
        return { message: "The query is too large or too complex.", extensions: { code: "GRAPHQL_VALIDATION_FAILED" } };
      }
      if (typeof code === "string" && CLIENT_ERROR_CODES.has(code)) {
        // A key pasted into the wrong variable would otherwise come back inside a coercion message;
        // "Did you mean …?" maps the schema for a stranger, so developers see it outside production only.
        const message = redactSecrets(production ? formatted.message.replace(FIELD_SUGGESTION, "") : formatted.message);
        return { message, extensions: { code }, ...(formatted.locations ? { locations: formatted.locations } : {}) };
      }
      // Anything else is our fault, and its text (a host:port, a stack) is for the log only.
      logger.error({ err: causeForLog(original) }, "GraphQL operation failed");
      return { ...errorBody(new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR), "graphql"), ...(formatted.path ? { path: formatted.path } : {}) };
    },
  });
}
