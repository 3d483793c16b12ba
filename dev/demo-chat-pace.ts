/**
 * How fast the stand-in streams chat answers when a person watches (`npm run demo`, the
 * stand-in on its own): slow enough to see the answer arrive chunk by chunk, a few characters a
 * chunk. Tests set their own pace with `setChatPace`.
 */
import type { ChatPace } from "./openrouter-stub.js";

export const DEFAULT_DEMO_CHAT_INTERVAL_MS = 60;
const MAX_INTERVAL_MS = 10_000;
/** The stand-in echoes the prompt; this many chunks make a short echo stream a character or two at a time. */
const DEMO_CHAT_CHUNKS = 40;

/** `DEMO_CHAT_INTERVAL_MS` (milliseconds between chunks); a string is the one-line error. */
export function demoChatPace(raw: string | undefined): ChatPace | string {
  if (raw === undefined || raw.trim() === "") return { chunks: DEMO_CHAT_CHUNKS, intervalMs: DEFAULT_DEMO_CHAT_INTERVAL_MS };
  const value = raw.trim();
  if (!/^\d+$/.test(value) || Number(value) > MAX_INTERVAL_MS) {
    return `DEMO_CHAT_INTERVAL_MS must be a whole number of milliseconds from 0 to ${MAX_INTERVAL_MS} (got "${raw}")`;
  }
  return { chunks: DEMO_CHAT_CHUNKS, intervalMs: Number(value) };
}
