import type { AuthMethod, AuthStatus, OAuthInitiation, StoredUser } from "../model.js";

/** the contract's §4 (docs/contract.md) field names (snake_case, as the original platform used them). */
export function restUser(user: StoredUser | null | undefined) {
  if (user == null) return null;
  return {
    label: user.label,
    user_id: user.userId,
    usage: user.usage,
    limit: user.limit,
    limit_remaining: user.limitRemaining,
    is_free_tier: user.isFreeTier,
    total_credits: user.totalCredits,
    // Absent in sessions stored before these were kept: null, like any detail OpenRouter did not give.
    limit_reset: user.limitReset ?? null,
    key_expires_at: user.keyExpiresAt ?? null,
    usage_daily: user.usageDaily ?? null,
    usage_weekly: user.usageWeekly ?? null,
    usage_monthly: user.usageMonthly ?? null,
  };
}

export const restMethod = (method: AuthMethod | null | undefined) => (method === "OAUTH" ? "oauth" : method === "API_KEY" ? "api_key" : null);

export function restStatus(status: AuthStatus) {
  return { authenticated: status.authenticated, auth_method: restMethod(status.method), user: restUser(status.user) };
}

export function restInitiation(initiation: OAuthInitiation) {
  return { auth_url: initiation.authUrl, state: initiation.state, expires_at: initiation.expiresAt };
}
