import type { Request } from "express";
import { PROXY_PATH } from "../proxy/router.js";
import { REST_BASE } from "../rest/routes.js";
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

/**
 * The route of a request to one of the gateway's paths, seen from a handler mounted on that path
 * (`router.use(path, …)`): Express then has the host's mount point and the gateway path in
 * `baseUrl`, and the rest in `path`. The host's mount point is left out, so a router mounted at
 * `/auth` reports `/graphql` as a router mounted at `/` does.
 */
export function routeOf(req: Request): RouteLabel {
  const root = rootOf(req.baseUrl);
  if (root === undefined) return otherOf.get("other")!;
  const rest = req.path;
  const path = rest === "/" ? root.route : root.route + rest;
  const exact = byPath.get(path);
  if (exact !== undefined) return exact;
  if (root.route === "/openrouter-auth-locales" && /^\/[^/]+$/.test(rest)) return byPath.get("/openrouter-auth-locales/:file")!;
  return otherOf.get(root.surface)!;
}

/** The gateway path `baseUrl` ends with (no two of them end alike); a loop, as it runs for every request. */
function rootOf(baseUrl: string): RouteLabel | undefined {
  for (const root of ROOTS) if (baseUrl.endsWith(root.route)) return root;
  return undefined;
}
