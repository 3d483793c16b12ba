import type { TypedDocumentString } from "./__generated__/graphql.js";

/**
 * A failed gateway call: a GraphQL error's `extensions.code` (SPEC §3), or one of the element's
 * own codes for what never reached GraphQL (`NETWORK_ERROR`, `BAD_RESPONSE`).
 */
export class GatewayError extends Error {
  constructor(
    readonly code: string,
    message = "",
  ) {
    super(message || code);
    this.name = "GatewayError";
  }
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message?: string; extensions?: { code?: unknown } }[];
}

/**
 * Sends one operation to the gateway. Plain `fetch`, no GraphQL client: the element needs five
 * operations and a bundle under 12 KB. `credentials: "include"` sends the session cookie when the
 * gateway is on another origin of the same site (SPEC §6); `application/json` also satisfies
 * Apollo Server's CSRF prevention, which refuses "simple" requests.
 *
 * Rejects with the signal's reason when aborted, with a `GatewayError` otherwise.
 */
export async function request<TResult, TVariables>(
  endpoint: string,
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  signal?: AbortSignal,
): Promise<TResult> {
  let body: GraphQLResponse<TResult> | undefined;
  let status = 0;
  try {
    const response = await fetch(endpoint, {
      method: "POST",
      credentials: "include",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query: String(document), variables }),
      signal,
    });
    status = response.status;
    body = (await response.json().catch(() => undefined)) as GraphQLResponse<TResult> | undefined;
  } catch (error) {
    signal?.throwIfAborted();
    throw new GatewayError("NETWORK_ERROR", String(error));
  }
  signal?.throwIfAborted();
  const first = body?.errors?.[0];
  if (first) {
    const code = first.extensions?.code;
    throw new GatewayError(typeof code === "string" ? code : "INTERNAL_SERVER_ERROR", first.message);
  }
  if (!body?.data) throw new GatewayError(status === 429 ? "RATE_LIMITED" : "BAD_RESPONSE", `HTTP ${status}`);
  return body.data;
}
