import type { PendingOAuth, SignedIn } from "../model.js";

declare module "express-session" {
  interface SessionData {
    auth: SignedIn;
    oauth: PendingOAuth[];
    /** Epoch ms when the idle expiry was last pushed forward (session-lifetime.ts); absent until then. */
    renewedAt: number;
  }
}
