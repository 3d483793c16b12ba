/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "fragment AuthUser on OpenRouterUser {\n  label\n  userId\n  usage\n  limit\n  limitRemaining\n  isFreeTier\n  totalCredits\n  refreshedAt\n  limitReset\n  keyExpiresAt\n  usageDaily\n  usageWeekly\n  usageMonthly\n}\n\nfragment AuthState on AuthStatus {\n  authenticated\n  method\n  expiresAt\n  user {\n    ...AuthUser\n  }\n}\n\nquery Status {\n  status {\n    ...AuthState\n  }\n}\n\nmutation ValidateKey($apiKey: String!) {\n  validateKey(apiKey: $apiKey) {\n    valid\n    status {\n      ...AuthState\n    }\n  }\n}\n\nmutation InitiateOAuth($returnTo: String) {\n  initiateOAuth(returnTo: $returnTo) {\n    authUrl\n    state\n    expiresAt\n  }\n}\n\nmutation CompleteOAuth($code: String!, $state: String!) {\n  completeOAuth(code: $code, state: $state) {\n    ...AuthState\n  }\n}\n\nmutation Logout {\n  logout {\n    ...AuthState\n  }\n}\n\nquery ProxyBudget {\n  proxyBudget {\n    spent\n    limit\n  }\n}": typeof types.AuthUserFragmentDoc,
};
const documents: Documents = {
    "fragment AuthUser on OpenRouterUser {\n  label\n  userId\n  usage\n  limit\n  limitRemaining\n  isFreeTier\n  totalCredits\n  refreshedAt\n  limitReset\n  keyExpiresAt\n  usageDaily\n  usageWeekly\n  usageMonthly\n}\n\nfragment AuthState on AuthStatus {\n  authenticated\n  method\n  expiresAt\n  user {\n    ...AuthUser\n  }\n}\n\nquery Status {\n  status {\n    ...AuthState\n  }\n}\n\nmutation ValidateKey($apiKey: String!) {\n  validateKey(apiKey: $apiKey) {\n    valid\n    status {\n      ...AuthState\n    }\n  }\n}\n\nmutation InitiateOAuth($returnTo: String) {\n  initiateOAuth(returnTo: $returnTo) {\n    authUrl\n    state\n    expiresAt\n  }\n}\n\nmutation CompleteOAuth($code: String!, $state: String!) {\n  completeOAuth(code: $code, state: $state) {\n    ...AuthState\n  }\n}\n\nmutation Logout {\n  logout {\n    ...AuthState\n  }\n}\n\nquery ProxyBudget {\n  proxyBudget {\n    spent\n    limit\n  }\n}": types.AuthUserFragmentDoc,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment AuthUser on OpenRouterUser {\n  label\n  userId\n  usage\n  limit\n  limitRemaining\n  isFreeTier\n  totalCredits\n  refreshedAt\n  limitReset\n  keyExpiresAt\n  usageDaily\n  usageWeekly\n  usageMonthly\n}\n\nfragment AuthState on AuthStatus {\n  authenticated\n  method\n  expiresAt\n  user {\n    ...AuthUser\n  }\n}\n\nquery Status {\n  status {\n    ...AuthState\n  }\n}\n\nmutation ValidateKey($apiKey: String!) {\n  validateKey(apiKey: $apiKey) {\n    valid\n    status {\n      ...AuthState\n    }\n  }\n}\n\nmutation InitiateOAuth($returnTo: String) {\n  initiateOAuth(returnTo: $returnTo) {\n    authUrl\n    state\n    expiresAt\n  }\n}\n\nmutation CompleteOAuth($code: String!, $state: String!) {\n  completeOAuth(code: $code, state: $state) {\n    ...AuthState\n  }\n}\n\nmutation Logout {\n  logout {\n    ...AuthState\n  }\n}\n\nquery ProxyBudget {\n  proxyBudget {\n    spent\n    limit\n  }\n}"): typeof import('./graphql.js').AuthUserFragmentDoc;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
