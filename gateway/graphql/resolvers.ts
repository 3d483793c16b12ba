import type { Resolvers } from "./__generated__/resolvers.js";

/** Thin by design: arguments in, service call, result out. The rules live in the services. */
export const resolvers: Resolvers = {
  Query: {
    status: (_parent, _args, { auth, session }) => auth.status(session),
    userInfo: (_parent, _args, { auth, session }) => auth.userInfo(session),
    models: (_parent, { search, first }, { auth, session }) => auth.models(session, { search, first }),
    proxyBudget: (_parent, _args, { budget, session }) => budget.of(session),
  },
  Mutation: {
    validateKey: (_parent, { apiKey, validateOnly }, { auth, session, caller }) => auth.validateKey(session, caller, apiKey, validateOnly ?? false),
    initiateOAuth: (_parent, { returnTo, limit }, { oauth, session, caller, origin, arrival }) => oauth.initiate(session, caller, { returnTo: returnTo ?? null, origin, arrival, limit }),
    completeOAuth: (_parent, { code, state }, { oauth, session, caller }) => oauth.complete(session, caller, { code, state }),
    logout: (_parent, _args, { auth, session }) => auth.logout(session),
  },
};
