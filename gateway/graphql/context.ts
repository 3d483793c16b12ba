import type { AuthService } from "../auth/service.js";
import type { Arrival, OAuthService } from "../auth/oauth-service.js";
import type { Caller } from "../model.js";
import type { ProxyBudgetReader } from "../proxy/spend-budget.js";
import type { SessionHandle } from "../session/session-handle.js";

/** What every resolver gets: the services, and this request's session and origin. */
export interface GraphQLContext {
  readonly auth: AuthService;
  readonly oauth: OAuthService;
  /** The proxy's spend budget of the signed-in account. */
  readonly budget: ProxyBudgetReader;
  readonly session: SessionHandle;
  /** Who is asking, for the sign-in attempt limits. */
  readonly caller: Caller;
  /** The request's `Origin` header, if any: where an OAuth popup's result is posted back to. */
  readonly origin: string | undefined;
  /** Where the request came in, for an OAuth callback URL built from it (no OPENROUTER_REDIRECT_URI). */
  readonly arrival: Arrival;
}
