import type { ApolloServerPlugin, BaseContext, GraphQLRequestListener } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import { Kind, type GraphQLError, type OperationDefinitionNode } from "graphql";
import { GatewayError, type ErrorCode } from "../errors.js";
import { GRAPHQL_OUTCOMES, REFUSAL_CODES, type GraphQLOutcome } from "./labels.js";
import type { CounterSeries, LabelledCounter } from "./series.js";

const DONE = Promise.resolve();

/** Apollo's codes for a request the client got wrong (parse, validation, variables): refusals, not failures. */
const CLIENT_ERROR_CODES = new Set(["GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT", "BAD_REQUEST", "OPERATION_RESOLUTION_FAILURE", "PERSISTED_QUERY_NOT_FOUND", "PERSISTED_QUERY_NOT_SUPPORTED"]);

/**
 * Counts each GraphQL operation by what it asked (its root field, a name from the schema, never
 * the operation name the client chose) and how it went, and each refusal of the vocabulary by code.
 */
export function graphqlPlugin(metrics: { operations: LabelledCounter; refused: (code: ErrorCode) => void }): ApolloServerPlugin<BaseContext> {
  /** The schema's root fields: the only operation labels besides multiple, introspection and unknown. */
  let rootFields: ReadonlySet<string> = new Set();

  const operationOf = (operation: OperationDefinitionNode | undefined): string => {
    const selections = operation?.selectionSet.selections;
    if (selections === undefined || selections.length === 0) return "unknown";
    if (selections.length > 1) return "multiple";
    const only = selections[0]!;
    if (only.kind !== Kind.FIELD) return "unknown";
    const name = only.name.value;
    if (name.startsWith("__")) return "introspection";
    return rootFields.has(name) ? name : "unknown";
  };

  const outcomeOf = (errors: readonly GraphQLError[] | undefined): GraphQLOutcome => {
    if (errors === undefined || errors.length === 0) return "success";
    let failed = false;
    for (const error of errors) {
      const original = unwrapResolverError(error);
      if (original instanceof GatewayError) {
        if (REFUSAL_CODES.has(original.code)) metrics.refused(original.code);
        else failed = true;
      } else if (!CLIENT_ERROR_CODES.has(String(error.extensions?.code))) {
        failed = true;
      }
    }
    return failed ? "failed" : "refused";
  };

  // Each operation's series by outcome, made once: an operation then pays a Map read and an increment.
  const series = new Map<string, ReadonlyMap<GraphQLOutcome, CounterSeries>>();
  const seriesOf = (operation: string) => {
    let byOutcome = series.get(operation);
    if (byOutcome === undefined) series.set(operation, (byOutcome = new Map(GRAPHQL_OUTCOMES.map((outcome) => [outcome, metrics.operations.labels(operation, outcome)]))));
    return byOutcome;
  };

  // One listener for every request, and the hooks answer with promises made once: nothing is
  // made per operation (Apollo awaits whatever a hook returns).
  const listener: GraphQLRequestListener<BaseContext> = {
    willSendResponse({ operation, errors }) {
      seriesOf(operationOf(operation)).get(outcomeOf(errors))!.inc();
      return DONE;
    },
  };
  const listening = Promise.resolve(listener);

  return {
    async serverWillStart({ schema }) {
      rootFields = new Set([...Object.keys(schema.getQueryType()?.getFields() ?? {}), ...Object.keys(schema.getMutationType()?.getFields() ?? {})]);
    },
    requestDidStart() {
      return listening;
    },
  };
}
