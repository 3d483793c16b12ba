import type { RequestHandler } from "express";
import type { OAuthService } from "../auth/oauth-service.js";
import { ErrorCode, messageOf, toGatewayError } from "../errors.js";
import { callerOf } from "../http/caller.js";
import { sendCallbackPage } from "./callback-page.js";
import { parseCallbackQuery } from "./callback-query.js";

/**
 * `GET .../oauth/callback?state=&code=`, where OpenRouter sends the popup (docs/contract.md §5 step 3).
 * When this browser session started the flow, the sign-in completes here; when the popup's
 * cookies are kept apart from the element's, the code and state are relayed to the origin that
 * started the flow, which completes it in its own session.
 */
export function oauthCallbackPage(oauth: OAuthService): RequestHandler {
  return async (req, res) => {
    const session = req.sessionHandle!;
    const { state, code } = parseCallbackQuery(req.originalUrl);
    if (state === undefined) return sendFailure(ErrorCode.OAUTH_STATE_INVALID, null, 400);

    let targetOrigin: string | null;
    try {
      targetOrigin = await oauth.originOf(state);
    } catch (error) {
      return sendFailure(toGatewayError(error).code, null, 503);
    }

    if (oauth.holds(session, state)) {
      if (code === undefined) return sendFailure(ErrorCode.OAUTH_EXCHANGE_FAILED, targetOrigin, 400, state);
      try {
        const { returnTo } = await oauth.completeFlow(session, callerOf(req), { code, state });
        return sendCallbackPage(res, {
          title: "Connected to OpenRouter",
          text: "You can close this window and return to the page you came from.",
          message: { type: "openrouter-auth", ok: true },
          targetOrigin,
          returnTo,
          state,
        });
      } catch (error) {
        const coded = toGatewayError(error);
        return sendFailure(coded.code, targetOrigin, coded.httpStatus, state);
      }
    }

    if (targetOrigin !== null && code !== undefined) {
      return sendCallbackPage(res, {
        title: "Finishing sign-in…",
        text: "Return to the page where you started: it finishes connecting your OpenRouter account.",
        message: { type: "openrouter-auth", code, state },
        targetOrigin,
        returnTo: null,
      });
    }
    return sendFailure(ErrorCode.OAUTH_STATE_INVALID, null, 400);

    function sendFailure(errorCode: ErrorCode, origin: string | null, status: number, flowState?: string) {
      sendCallbackPage(
        res,
        {
          title: "Could not connect to OpenRouter",
          text: `${messageOf(errorCode)} You can close this window.`,
          message: { type: "openrouter-auth", ok: false, error: errorCode },
          targetOrigin: origin,
          returnTo: null,
          state: flowState,
        },
        status,
      );
    }
  };
}
