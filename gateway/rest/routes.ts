import type { RequestHandler, Router } from "express";
import type { AuthService } from "../auth/service.js";
import type { OAuthService } from "../auth/oauth-service.js";
import { arrivalOf } from "../http/arrival.js";
import { callerOf } from "../http/caller.js";
import { inSeries } from "../http/in-series.js";
import { sendJson } from "../http/send-json.js";
import { objectBody, optionalBoolean, optionalString } from "../input-checks.js";
import type { ProxyBudgetReader } from "../proxy/spend-budget.js";
import { oauthCallbackPage } from "./oauth-callback.js";
import { restInitiation, restMethod, restStatus, restUser } from "./rest-shapes.js";

/** Where the contract's §4 (docs/contract.md) compatibility paths live. */
export const REST_BASE = "/api/v1/openrouter/auth";

/** The proxy's spend budget for the signed-in account (docs/contract.md §10), beside the proxy's base URL. */
export const PROXY_BUDGET_PATH = "/api/v1/openrouter/proxy-budget";

/**
 * docs/contract.md §4: the REST compatibility paths, each a thin adapter over the same services as GraphQL,
 * added to the gateway's router under REST_BASE. `jsonBody` refuses POST bodies that are not JSON and parses the rest; the GET
 * paths, polled by old clients, go straight to their handler, but for `user-info`, which may ask
 * OpenRouter and write the session, and so runs only for requests no other site caused without
 * CORS (`crossSiteReads`, as GraphQL queries over GET). Errors thrown here reach the error
 * responder, which writes `{"error","code"}`.
 */
export function addRestRoutes(
  router: Router,
  services: { auth: AuthService; oauth: OAuthService; budget: ProxyBudgetReader; jsonBody: RequestHandler; crossSiteReads: RequestHandler },
): void {
  const { auth, oauth } = services;
  // The body reader and the handler as one of the route's handlers: one step of the route's dispatch, not two.
  const post = (path: string, handler: RequestHandler) => router.post(REST_BASE + path, inSeries(services.jsonBody, handler));
  const get = (path: string, handler: RequestHandler) => router.get(REST_BASE + path, handler);

  get("/status", (req, res) => {
    sendJson(res, restStatus(auth.status(req.sessionHandle!)));
  });

  post("/validate-key", async (req, res) => {
    const body = objectBody(req.body);
    const validateOnly = optionalBoolean(body.validate_only, "validate_only");
    const result = await auth.validateKey(req.sessionHandle!, callerOf(req), body.api_key, validateOnly);
    sendJson(res, { valid: true, user: restUser(result.user) });
  });

  post("/oauth/initiate", async (req, res) => {
    const body = objectBody(req.body);
    const initiation = await oauth.initiate(req.sessionHandle!, callerOf(req), { returnTo: optionalString(body.return_to, "return_to"), origin: req.get("origin"), arrival: arrivalOf(req), limit: body.limit });
    sendJson(res, restInitiation(initiation));
  });

  // For hosts that receive OpenRouter's redirect themselves. An old client's `code_verifier` is
  // ignored: the verifier this server made never left it.
  post("/oauth/callback", async (req, res) => {
    const body = objectBody(req.body);
    const status = await oauth.complete(req.sessionHandle!, callerOf(req), { code: body.code, state: body.state });
    sendJson(res, { success: true, user: restUser(status.user) });
  });

  get("/oauth/callback", oauthCallbackPage(oauth));

  router.get(`${REST_BASE}/user-info`, services.crossSiteReads, async (req, res) => {
    const user = await auth.userInfo(req.sessionHandle!);
    sendJson(res, { user: restUser(user), auth_method: restMethod(auth.status(req.sessionHandle!).method) });
  });

  // `{"budget": {"spent","limit","resets_at"}}`, or `{"budget": null}` when the gateway sets none.
  router.get(PROXY_BUDGET_PATH, services.crossSiteReads, async (req, res) => {
    const budget = await services.budget.of(req.sessionHandle!);
    sendJson(res, { budget: budget === null ? null : { spent: budget.spent, limit: budget.limit, resets_at: budget.resetsAt } });
  });

  post("/logout", async (req, res) => {
    await auth.logout(req.sessionHandle!);
    sendJson(res, { message: "Logged out" });
  });
}
