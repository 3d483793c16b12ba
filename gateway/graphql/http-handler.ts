import { HeaderMap, type ApolloServer, type BaseContext } from "@apollo/server";
import type { Request, RequestHandler } from "express";

/** The request headers Apollo's HTTP handling reads, with CSRF prevention off (apollo.ts). */
const APOLLO_READS = ["content-type", "accept"] as const;

/**
 * GraphQL over HTTP: Apollo's `executeHTTPGraphQLRequest`, the entry point every Apollo
 * integration wraps, called from Express (after the JSON body reader, http/json-body.ts). It does what
 * `@as-integrations/express5` does, without the two costs that integration adds to every request:
 * Node's legacy `url.parse` of the URL, and `res.send`'s SHA-1 ETag of every answer, which
 * nothing may cache anyway (`no-store`: each answer is about the caller's session).
 * @see https://www.apollographql.com/docs/apollo-server/integrations/building-integrations
 */
export function graphqlHandler<Context extends BaseContext>(apollo: ApolloServer<Context>, context: (req: Request) => Promise<Context>): RequestHandler {
  return async (req, res) => {
    // Apollo reads two request headers (the body's type, and which answer types the client
    // accepts); the resolvers read the request itself, so the rest are not copied.
    const headers = new HeaderMap();
    for (const name of APOLLO_READS) {
      const value = req.headers[name];
      if (value !== undefined) headers.set(name, value);
    }
    const queryStart = req.url.indexOf("?");
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method.toUpperCase(), headers, search: queryStart === -1 ? "" : req.url.slice(queryStart), body: req.body },
      context: () => context(req),
    });
    for (const [name, value] of response.headers) res.setHeader(name, value);
    res.setHeader("cache-control", "no-store");
    res.statusCode = response.status ?? 200;
    if (response.body.kind === "complete") {
      // With its length known, Node sends headers and body in one write, not as chunked encoding
      // (length, body and terminator, gathered into a writev).
      res.setHeader("content-length", Buffer.byteLength(response.body.string));
      res.end(response.body.string);
      return;
    }
    // Incremental delivery (@defer), should a client ask for it.
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}
