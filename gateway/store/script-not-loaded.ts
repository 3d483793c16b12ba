/**
 * Whether Redis answered NOSCRIPT: it does not have a script asked for by its hash (its first use
 * on a node, a restart, a failover, SCRIPT FLUSH). The store then sends the script whole
 * (redis-store.ts), and the metrics time the answer without counting a failure
 * (metrics/redis-commands.ts): nothing failed.
 */
export function isScriptNotLoaded(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("NOSCRIPT");
}
