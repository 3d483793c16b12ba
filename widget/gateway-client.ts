import type { TypedDocumentString } from "./__generated__/graphql.js";
import type { OpenRouterAuthErrorCode } from "./error-codes.js";

/**
 * A failed gateway call: a GraphQL error's `extensions.code`, or one of the element's own codes
 * for what never reached GraphQL (`NETWORK_ERROR`, `BAD_RESPONSE`). Named apart from the gateway's
 * own `GatewayError`, which is the server's class for the same codes.
 */
export class GatewayCallError extends Error {
  constructor(
    readonly code: OpenRouterAuthErrorCode,
    message = "",
  ) {
    super(message || code);
    this.name = "GatewayCallError";
  }
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message?: string; extensions?: { code?: unknown } }[];
}

/**
 * Sends one operation to the gateway. Plain `fetch`, no GraphQL client: the element needs five
 * operations and a bundle under 12 KB. `credentials: "include"` sends the session cookie when the
 * gateway is on another origin; `application/json` makes it a request no HTML form could send,
 * which the gateway requires of every POST.
 *
 * Rejects with the signal's reason when aborted, with a `GatewayCallError` otherwise.
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
    throw new GatewayCallError((await originAllowed(endpoint)) === false ? "ORIGIN_NOT_ALLOWED" : "NETWORK_ERROR", String(error));
  }
  signal?.throwIfAborted();
  const first = body?.errors?.[0];
  if (first) {
    const code = first.extensions?.code;
    // A newer gateway's code is passed on as it is; the element shows its generic message for it.
    throw new GatewayCallError(typeof code === "string" ? (code as OpenRouterAuthErrorCode) : "INTERNAL_SERVER_ERROR", first.message);
  }
  if (!body?.data) throw new GatewayCallError(status === 429 ? "RATE_LIMITED" : "BAD_RESPONSE", `HTTP ${status}`);
  return body.data;
}

/**
 * After a call failed as a network error, whether the gateway is up but does not allow this page's
 * origin: the browser hides a refused CORS request behind the same error as an unreachable server.
 * The gateway's origin probe answers any page (a plain fetch: no cookie goes to another origin).
 * Undefined when it cannot tell.
 */
async function originAllowed(endpoint: string): Promise<boolean | undefined> {
  try {
    return ((await (await fetch(new URL("api/v1/openrouter/auth/origin", endpoint))).json()) as { allowed?: boolean }).allowed;
  } catch {
    return undefined;
  }
}
