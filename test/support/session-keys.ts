import { SESSION_KEY_PREFIX } from "../../gateway/session/session-store.js";

/** A Fernet token: version byte 0x80 and a 64-bit timestamp, base64url (the spec's own form). */
export const FERNET_TOKEN = /^gAAAAA[A-Za-z0-9_-]+=*$/;

/**
 * The Redis keys that hold a session record (a Fernet token), in scan order. The markers a
 * sign-out leaves under a session's key for a while (gateway/session/session-records.ts) hold no
 * record and are left out.
 */
export async function sessionRecordKeys(redis: { command(...args: string[]): Promise<string> }): Promise<string[]> {
  const keys = (await redis.command("--scan", "--pattern", `${SESSION_KEY_PREFIX}*`)).split("\n").filter((key) => key !== "");
  const records: string[] = [];
  for (const key of keys) if (FERNET_TOKEN.test((await redis.command("GET", key)).trim())) records.push(key);
  return records;
}
