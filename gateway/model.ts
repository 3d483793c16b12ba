/**
 * The gateway's own vocabulary: what the rules (auth/) and the store (session/) speak. GraphQL
 * maps its schema types onto these through codegen's `mappers` (codegen.yml), and REST renames
 * their fields (rest/rest-shapes.ts); neither layer's types leak back in here.
 */

/** How the current session was signed in. */
export type AuthMethod = "API_KEY" | "OAUTH";

/** What OpenRouter says about the signed-in user's key, as the session keeps it. Never the key. */
export interface StoredUser {
  /** The key's display label, as OpenRouter masks it. */
  readonly label: string;
  /** OpenRouter's user id, known after an OAuth sign-in; null for a pasted key. */
  readonly userId: string | null;
  /** Credits used by this key, in US dollars. */
  readonly usage: number;
  /** The key's credit limit in US dollars; null when unlimited. */
  readonly limit: number | null;
  readonly limitRemaining: number | null;
  readonly isFreeTier: boolean;
  /** Credits bought on the account, when OpenRouter told us; null otherwise. */
  readonly totalCredits: number | null;
  /** When this was last read from OpenRouter (ISO 8601). */
  readonly refreshedAt: string;
  // What GET /key says about the key's spending and life. Each is absent, and read as null, when
  // OpenRouter did not say (and in sessions stored before the gateway kept them).
  /** How often the limit resets: `daily`, `weekly`, `monthly`; null when it never does. */
  readonly limitReset?: string | null;
  /** When the key stops working (ISO 8601); null when it does not expire. */
  readonly keyExpiresAt?: string | null;
  /** Credits used by this key today, this week and this month (UTC), in US dollars. */
  readonly usageDaily?: number | null;
  readonly usageWeekly?: number | null;
  readonly usageMonthly?: number | null;
}

/** Whether the caller is connected, and as whom; every field but `authenticated` null when signed out. */
export interface AuthStatus {
  readonly authenticated: boolean;
  readonly method: AuthMethod | null;
  readonly user: StoredUser | null;
  /** When the session ends at the latest (ISO 8601). */
  readonly expiresAt: string | null;
}

/** What a signed-in session holds. The whole record is Fernet-encrypted at rest. */
export interface SignedIn {
  readonly method: AuthMethod;
  /** The user's OpenRouter key: leaves the server only towards OpenRouter. */
  readonly apiKey: string;
  /** Cached key information, what `userInfo` answers. */
  readonly user: StoredUser;
  /** Epoch ms of sign-in: the absolute lifetime counts from here. */
  readonly signedInAt: number;
}

/** One OAuth flow started by this session and not yet completed. */
export interface PendingOAuth {
  readonly state: string;
  readonly codeVerifier: string;
  /** Epoch ms after which the state is refused. */
  readonly expiresAt: number;
  readonly returnTo: string | null;
}

/** Who is making a sign-in attempt: each is counted separately, and either running out refuses it. */
export interface Caller {
  readonly ip: string;
  /** The stored session's id, when the caller presented one. */
  readonly sessionId: string | undefined;
  /** Whether the request came over HTTPS, directly or through a proxy trusted by TRUST_PROXY. */
  readonly secure: boolean;
}

/** Where to send the user to sign in with OpenRouter. The PKCE verifier stays on the server. */
export interface OAuthInitiation {
  readonly authUrl: string;
  /** The one-time state carried in the callback URL. */
  readonly state: string;
  /** When this pending sign-in expires (ISO 8601). */
  readonly expiresAt: string;
}

/** The answer to a key check: a rejected key is an INVALID_API_KEY error, never `valid: false`. */
export interface ValidateKeyResult {
  readonly valid: true;
  readonly user: StoredUser;
  /** The caller's status after the call (unchanged when only validating). */
  readonly status: AuthStatus;
}

/** A model the signed-in user can pick. */
export interface Model {
  readonly id: string;
  readonly name: string;
  readonly contextLength: number | null;
  /** US dollars per prompt token, as OpenRouter writes it (a decimal string). */
  readonly promptPrice: string | null;
  /** US dollars per completion token, as OpenRouter writes it (a decimal string). */
  readonly completionPrice: string | null;
}
