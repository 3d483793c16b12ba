/**
 * The popup half of the OAuth flow, opening the window. What happens next (the callback page's
 * messages, a status poll) is in `oauth-popup-watch.ts`, loaded only once a sign-in starts.
 */

/**
 * Opens the blank popup. Call it synchronously in the click handler: a window opened after an
 * `await` is no longer tied to the user's gesture, and popup blockers refuse it
 * (https://html.spec.whatwg.org/multipage/interaction.html#tracking-user-activation).
 * Returns null when blocked.
 */
export function openPopup(): Window | null {
  try {
    return window.open("", "openrouter-auth", "popup,width=500,height=700");
  } catch {
    return null;
  }
}
