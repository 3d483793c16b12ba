import type { Request, RequestHandler, Router } from "express";
import type { AuthService } from "../auth/service.js";
import type { OAuthService } from "../auth/oauth-service.js";
import { ErrorCode, GatewayError } from "../errors.js";
import { callerOf } from "../http/caller.js";
import { sendJson } from "../http/send-json.js";
import { oauthCallbackPage } from "./oauth-callback.js";
import { restInitiation, restMethod, restStatus, restUser } from "./rest-shapes.js";

/** Where SPEC §4's compatibility paths live. */
export const REST_BASE = "/api/v1/openrouter/auth";

/**
 * SPEC §4: the REST compatibility paths, each a thin adapter over the same services as GraphQL,
 * added to the gateway's router under REST_BASE. `jsonBody` parses the POST bodies; the GET
 * paths, polled by old clients, go straight to their handler. Errors thrown here reach the error
 * responder, which writes `{"error","code"}`.
 */
export function addRestRoutes(router: Router, services: { auth: AuthService; oauth: OAuthService; jsonBody: RequestHandler[] }): void {
  const { auth, oauth } = services;
  const post = (path: string, handler: RequestHandler) => router.post(REST_BASE + path, ...services.jsonBody, handler);
  const get = (path: string, handler: RequestHandler) => router.get(REST_BASE + path, handler);

  get("/status", (req, res) => {
    sendJson(res, restStatus(auth.status(req.sessionHandle!)));
  });

  post("/validate-key", async (req, res) => {
    const body = objectBody(req);
    const validateOnly = optionalBoolean(body.validate_only, "validate_only");
    const result = await auth.validateKey(req.sessionHandle!, callerOf(req), body.api_key, validateOnly);
    sendJson(res, { valid: true, user: restUser(result.user) });
  });

  post("/oauth/initiate", async (req, res) => {
    const body = objectBody(req);
    if (body.return_to !== undefined && body.return_to !== null && typeof body.return_to !== "string") {
      throw new GatewayError(ErrorCode.BAD_USER_INPUT, "return_to must be a string.");
    }
    const initiation = await oauth.initiate(req.sessionHandle!, { returnTo: (body.return_to as string | null | undefined) ?? null, origin: req.get("origin") });
    sendJson(res, restInitiation(initiation));
  });

  // For hosts that receive OpenRouter's redirect themselves. An old client's `code_verifier` is
  // ignored: the verifier this server made never left it.
  post("/oauth/callback", async (req, res) => {
    const body = objectBody(req);
    const status = await oauth.complete(req.sessionHandle!, callerOf(req), { code: body.code, state: body.state });
    sendJson(res, { success: true, user: restUser(status.user) });
  });

  get("/oauth/callback", oauthCallbackPage(oauth));

  get("/user-info", async (req, res) => {
    const user = await auth.userInfo(req.sessionHandle!);
    sendJson(res, { user: restUser(user), auth_method: restMethod(auth.status(req.sessionHandle!).method) });
  });

  post("/logout", async (req, res) => {
    await auth.logout(req.sessionHandle!);
    sendJson(res, { message: "Logged out" });
  });
}

function objectBody(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  if (body === undefined || body === null) return {};
  if (typeof body !== "object" || Array.isArray(body)) throw new GatewayError(ErrorCode.BAD_USER_INPUT, "The request body must be a JSON object.");
  return body as Record<string, unknown>;
}

function optionalBoolean(value: unknown, name: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") throw new GatewayError(ErrorCode.BAD_USER_INPUT, `${name} must be true or false.`);
  return value;
}
