import { ApolloArmor } from "@escape.tech/graphql-armor";
import type { GraphQLContext } from "./context.js";

/**
 * Limits on what one GraphQL document may ask (graphql-armor). The schema is small and shallow,
 * so honest queries sit far below these; anything near them is an attempt to make the server work.
 * The rejections' own texts name the limits, so formatError answers them with a plain sentence.
 * @see https://escape.tech/graphql-armor/docs/getting-started
 */
export function armorProtection(production: boolean) {
  const armor = new ApolloArmor({
    maxDepth: { n: 8 },
    maxAliases: { n: 15 },
    maxDirectives: { n: 10 },
    maxTokens: { n: 1_000 },
    costLimit: { maxCost: 2_000 },
    // "Did you mean …?" maps the schema for a stranger; developers keep it outside production.
    blockFieldSuggestion: { enabled: production },
  });
  return armor.protect() as unknown as { plugins: import("@apollo/server").ApolloServerPlugin<GraphQLContext>[]; validationRules: import("graphql").ValidationRule[] };
}

/** Whether a validation message comes from one of the limits above. */
export const ARMOR_REJECTION = /(Token limit|Query depth limit|Aliases limit|Directives limit|Query Cost limit|max depth|Cost limit)/i;
