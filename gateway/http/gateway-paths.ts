import type { RequestHandler } from "express";

/**
 * Whether a path (relative to where the router is mounted) is at or below one of `roots`, as
 * Express matches `router.use(roots, …)`: case-insensitively, and only at a segment's end
 * (`/graphql` and `/GraphQL/x`, not `/graphqlx`). One layer with this check stands for what
 * Express would make a layer per root of, each with a regular expression tried on every request
 * and the URL trimmed and restored around the handler.
 */
export function underRoots(roots: readonly string[]): (path: string) => string | undefined {
  const lowered = roots.map((root) => root.toLowerCase());
  const find = (path: string, candidates: readonly string[]) => candidates.findIndex((root) => path.startsWith(root) && (path.length === root.length || path.charCodeAt(root.length) === SLASH));
  return (path) => {
    // As sent, first: a path in another case (rare) is lowered only when that finds nothing.
    const exact = find(path, roots);
    if (exact !== -1) return roots[exact];
    const folded = find(path.toLowerCase(), lowered);
    return folded === -1 ? undefined : roots[folded];
  };
}

const SLASH = "/".charCodeAt(0);

/** `handler` for requests at or below `roots`, as `router.use(roots, handler)` would run it but for the URL, which it sees whole. */
export function onRoots(roots: readonly string[], handler: RequestHandler): RequestHandler {
  const rootOf = underRoots(roots);
  return (req, res, next) => (rootOf(req.path) === undefined ? next() : handler(req, res, next));
}
