import { applyDecorators, Get, Post } from '@nestjs/common';
import { WEB_ROUTES } from '../web/web-routes.js';
import { ROUTES, type RouteSpec } from './route-table.js';

/** Both tables by key: the API's routes and the web pages'. A key used twice is a mistake found at start-up. */
const BY_KEY = new Map<string, RouteSpec>();
for (const route of [...ROUTES, ...WEB_ROUTES]) {
  if (route.key === undefined) continue;
  if (BY_KEY.has(route.key)) throw new Error(`Two routes in the route tables have the key ${route.key}`);
  BY_KEY.set(route.key, route);
}

/** The route-table entry with this key; a key in no table fails as soon as the controller naming it loads. */
export function routeNamed(key: string): RouteSpec {
  const route = BY_KEY.get(key);
  if (!route) throw new Error(`No route has the key ${key} in the route tables (route-table.ts, web-routes.ts)`);
  return route;
}

/**
 * Serves the handler at its route-table entry's method and path, so the path is written only in the table:
 * `@Route('recordProgressUpdate')` instead of `@Post('plans/:planId/actions/:actionId/progress-updates')`.
 */
export function Route(key: string): MethodDecorator {
  const { method, path } = routeNamed(key);
  return applyDecorators(method === 'get' ? Get(path) : Post(path));
}

/** The URL of a route with its path parameters filled in (each encoded), for redirects and Location headers. */
export function hrefOf(key: string, params: Readonly<Record<string, string>> = {}): string {
  const { path } = routeNamed(key);
  const values = new Map(Object.entries(params));
  return path.replace(/:(\w+)/g, (_, name: string) => {
    const value = values.get(name);
    if (value === undefined) throw new Error(`${path} needs the path parameter ${name}`);
    return encodeURIComponent(value);
  });
}
