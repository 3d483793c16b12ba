import type { Request } from "express";
import { PROXY_PATH } from "../proxy/router.js";
import { REST_BASE } from "../rest/routes.js";
import { underRoots } from "../http/gateway-paths.js";
import { PROXY_ENDPOINTS, type Surface } from "./labels.js";

/** A route as a label: its template (never the path as sent) and its surface. */
export interface RouteLabel {
  readonly surface: Surface;
  readonly route: string;
}

/**
 * The gateway's paths, relative to where the router is mounted, each with the surface it belongs
 * to. A request below one of them that matches no template is that surface's `other`.
 */
const ROOTS: readonly RouteLabel[] = [
  { route: "/graphql", surface: "graphql" },
  { route: REST_BASE, surface: "rest" },
  { route: PROXY_PATH, surface: "proxy" },
  { route: "/openrouter-auth.js", surface: "element" },
  { route: "/openrouter-auth-locales", surface: "element" },
  { route: "/healthz", surface: "health" },
  { route: "/readyz", surface: "health" },
];

/** Every route template the gateway answers (rest/routes.ts, proxy endpoints, app.ts). */
const TEMPLATES: readonly RouteLabel[] = [
  ...ROOTS.filter((root) => root.route !== "/openrouter-auth-locales"),
  { route: "/openrouter-auth-locales/:file", surface: "element" },
  ...["/status", "/validate-key", "/oauth/initiate", "/oauth/callback", "/user-info", "/logout", "/origin"].map((path) => ({ route: REST_BASE + path, surface: "rest" as const })),
  ...[...PROXY_ENDPOINTS].map((path) => ({ route: PROXY_PATH + path, surface: "proxy" as const })),
];

/** What {@link routeOf} can answer: the templates, and each surface's `other`. */
export const ROUTE_LABELS: readonly RouteLabel[] = [...TEMPLATES, ...[...new Set([...ROOTS.map((root) => root.surface), "other" as const])].map((surface) => ({ route: "other", surface }))];

const byPath = new Map(TEMPLATES.map((template) => [template.route, template]));
const otherOf = new Map(ROUTE_LABELS.filter((label) => label.route === "other").map((label) => [label.surface, label]));

const rootOf = underRoots(ROOTS.map((root) => root.route));
const rootByRoute = new Map(ROOTS.map((root) => [root.route, root]));

/**
 * The route of a request to one of the gateway's paths, seen from the gateway's router (its `path`
 * is relative to where the host mounted the router, so a router mounted at `/auth` reports
 * `/graphql` as a router mounted at `/` does). Matched as Express matches, case-insensitively;
 * labelled by the template, in the gateway's own case.
 */
export function routeOf(req: Request): RouteLabel {
  const path = req.path;
  // Nearly every request names a template exactly, as the gateway spells it: one Map read.
  const template = byPath.get(path);
  if (template !== undefined) return template;
  const matched = rootOf(path);
  const root = matched === undefined ? undefined : rootByRoute.get(matched);
  if (root === undefined) return otherOf.get("other")!;
  const rest = path.slice(root.route.length);
  const exact = byPath.get(rest === "" || rest === "/" ? root.route : root.route + rest);
  if (exact !== undefined) return exact;
  if (root.route === "/openrouter-auth-locales" && /^\/[^/]+$/.test(rest)) return byPath.get("/openrouter-auth-locales/:file")!;
  return otherOf.get(root.surface)!;
}
