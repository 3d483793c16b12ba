import type { ApolloServerPlugin } from "@apollo/server";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import type { GraphQLContext } from "./context.js";

/**
 * Limits on what one GraphQL document may ask (graphql-armor). The schema is small and shallow,
 * so honest queries sit far below these; anything near them is an attempt to make the server work.
 * The rejections' own texts name the limits, so formatError answers them with a plain sentence.
 * @see https://escape.tech/graphql-armor/docs/getting-started
 */
export function armorProtection() {
  const armor = new ApolloArmor({
    maxDepth: { n: 8 },
    maxAliases: { n: 15 },
    maxDirectives: { n: 10 },
    // Tokens are limited by graphql-js's own parser instead (MAX_TOKENS below): armor's token
    // plugin rejects from a hook that Apollo answers with a 500.
    maxTokens: { enabled: false },
    costLimit: { maxCost: 2_000 },
    // "Did you mean …?" maps the schema for a stranger: formatError (apollo.ts) strikes it in
    // production. Armor's own way is a plugin that Apollo calls on every request, errors or not.
    blockFieldSuggestion: { enabled: false },
  });
  return armor.protect() as unknown as { plugins: ApolloServerPlugin<GraphQLContext>[]; validationRules: import("graphql").ValidationRule[] };
}

/** The most tokens a document may have: Apollo passes it to graphql-js's `parse`. */
export const MAX_TOKENS = 1_000;

/** A validation message's suggestion of the schema's own names ("Did you mean …?"). */
export const FIELD_SUGGESTION = / ?Did you mean [^?]*\?/g;

/** Whether a validation message comes from one of the limits above. */
export const ARMOR_REJECTION = /(Token limit|more than \d+ tokens|more that \d+ tokens|Query depth limit|Aliases limit|Directives limit|Query Cost limit|Cost limit)/i;
