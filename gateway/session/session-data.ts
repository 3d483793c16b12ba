import type { AuthMethod, OpenRouterUser } from "../graphql/__generated__/resolvers.js";

/** What a signed-in session holds. The whole record is Fernet-encrypted at rest. */
export interface SignedIn {
  readonly method: AuthMethod;
  /** The user's OpenRouter key: leaves the server only towards OpenRouter. */
  readonly apiKey: string;
  /** Cached key information (SPEC §3 `userInfo`), without GraphQL's `__typename`. */
  readonly user: StoredUser;
  /** Epoch ms of sign-in: the absolute lifetime counts from here. */
  readonly signedInAt: number;
}

export type StoredUser = Omit<OpenRouterUser, "__typename">;

/** One OAuth flow started by this session and not yet completed (SPEC §5 step 2). */
export interface PendingOAuth {
  readonly state: string;
  readonly codeVerifier: string;
  /** Epoch ms after which the state is refused. */
  readonly expiresAt: number;
  readonly returnTo: string | null;
}

declare module "express-session" {
  interface SessionData {
    auth: SignedIn;
    oauth: PendingOAuth[];
    /** Epoch ms when the idle expiry was last pushed forward (see session-middleware.ts). */
    renewedAt: number;
  }
}
