import type { SessionData } from "express-session";
import { InvalidFernetTokenError, type FernetKeyring } from "../crypto/fernet.js";

/**
 * connect-redis's serializer: the whole session record becomes one Fernet token (SPEC §6), so
 * Redis never holds a key, label or any other field in the clear, and any stock Fernet library
 * given OPENROUTER_ENCRYPTION_KEY can read a record.
 */
export function fernetSerializer(keyring: FernetKeyring) {
  return {
    stringify(session: SessionData): string {
      return keyring.encrypt(JSON.stringify(session));
    },
    /**
     * A record no configured key can open (tampered, or written under a key since retired)
     * reads as no session: the caller is simply signed out.
     */
    parse(token: string): SessionData | null {
      try {
        return JSON.parse(keyring.decrypt(token)) as SessionData;
      } catch (error) {
        if (error instanceof InvalidFernetTokenError || error instanceof SyntaxError) return null;
        throw error;
      }
    },
  };
}
