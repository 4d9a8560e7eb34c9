import type { ResolvedConfig } from "../config/resolved-config.js";
import type { RouteDefinition } from "./route-definition.js";

/** A route as the dispatcher finds it: the route, its methods (HEAD with GET) and its Allow header. */
export interface Dispatch {
  readonly route: RouteDefinition;
  readonly allowed: readonly string[];
  readonly allowHeader: string;
}

/**
 * Each path (as the config lists it: without trailing slash) and the same path with one:
 * the keys a request's path is looked up by, so `/api/login` and `/api/login/` are one route
 * without a string cut from every request's path (and hashed again) to look it up.
 */
export function withTrailingSlashes(paths: Iterable<string>): string[] {
  const keys: string[] = [];
  for (const path of paths) keys.push(path, path === "/" ? path : `${path}/`);
  return keys;
}

/**
 * Every enabled route under its paths with and without the trailing slash, with its allowed
 * methods and Allow header, built once rather than on every request: dispatch is one Map
 * lookup of the request's own path.
 */
export function buildDispatchTable(
  routeMap: ReadonlyMap<string, RouteDefinition>,
  config: ResolvedConfig,
): ReadonlyMap<string, Dispatch> {
  const dispatch = new Map<string, Dispatch>();
  const byRoute = new Map<RouteDefinition, Dispatch>();
  for (const [path, route] of routeMap) {
    let entry = byRoute.get(route);
    if (entry === undefined) {
      const allowed = route.methods.includes("GET") ? [...route.methods, "HEAD"] : [...route.methods];
      // What Allow advertises: GET logout only when compat.getLogout is on, HEAD wherever GET is.
      const advertised = allowed.filter(
        (m) => route.name !== "logout" || (m !== "GET" && m !== "HEAD") || config.compat.getLogout,
      );
      entry = { route, allowed, allowHeader: [...advertised, "OPTIONS"].join(", ") };
      byRoute.set(route, entry);
    }
    for (const key of withTrailingSlashes([path])) dispatch.set(key, entry);
  }
  return dispatch;
}
