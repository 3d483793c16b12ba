/**
 * The `<openrouter-auth>` class and its types, without registering the tag: import
 * `openrouter-auth/define` (or load `/openrouter-auth.js`) for that.
 */
export { OpenRouterAuth, type OpenRouterAuthMethodName } from "./openrouter-auth.js";
export {
  OpenRouterAuthChangeEvent,
  OpenRouterAuthErrorEvent,
  type AuthMethod,
  type OpenRouterAuthChangeDetail,
  type OpenRouterAuthErrorDetail,
  type OpenRouterAuthUser,
} from "./events.js";
export type { ElementErrorCode, GatewayErrorCode, OpenRouterAuthErrorCode } from "./error-codes.js";
export type { OpenRouterAuthStrings } from "./strings.js";
