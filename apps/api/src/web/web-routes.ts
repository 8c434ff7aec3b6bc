import type { RouteSpec } from '../http/route-table.js';

/**
 * Every page of the web service, in the same shape as the API's route table and checked by the same
 * access guard and policy: a page says which permission it needs exactly as an API route does. Pages
 * authenticate with the browser session cookie (never a bearer token), and every POST carries the
 * session's CSRF token; the JSON API never accepts the cookie, so a cross-site form cannot reach it.
 */
export const WEB_ROUTES: RouteSpec[] = [
  { method: 'get', path: '/', summary: 'Start page', writes: false, permission: 'public' },
  { method: 'get', path: '/sign-in', summary: 'Sign in with a local account', writes: false, permission: 'public' },
  { method: 'post', path: '/sign-in', summary: 'Check a user name and password and start a session', writes: false, permission: 'public' },
  { method: 'get', path: '/sign-in/link/:code', summary: 'A one-time sign-in link (printed by the demo at start-up)', writes: false, permission: 'public' },
  { method: 'post', path: '/sign-out', summary: 'End the session', writes: false, permission: 'signed-in' },
  { method: 'get', path: '/web/plans', summary: 'The plans you can see, with their roll-up', writes: false, permission: 'plan.read' },
  { method: 'get', path: '/web/plans/:planId', summary: 'A plan laid out as work streams, recommendations and actions, now or as at an instant', writes: false, permission: 'plan.read' },
  { method: 'get', path: '/web/plans/:planId/actions/:actionId', summary: "An action and its timeline", writes: false, permission: 'plan.read' },
  { method: 'post', path: '/web/plans/:planId/actions/:actionId/progress', summary: 'Record a progress update from the action page', writes: true, permission: 'action.record' },
  { method: 'get', path: '/web/verify', summary: 'Check an evidence bundle in the browser (nothing is uploaded)', writes: false, permission: 'public' },
  { method: 'get', path: '/web/plans/:planId/bundle', summary: 'Choose an evidence bundle of a plan (instant, time axis, files) and see the signed tree head', writes: false, permission: 'bundle.export' },
  { method: 'get', path: '/web/plans/:planId/bundle/download', summary: 'Download the evidence bundle (the same handler as GET /plans/:planId/bundle)', writes: false, permission: 'bundle.export' },
];

const WEB_ROUTE_SET = new Set(WEB_ROUTES);

export function isWebRoute(route: RouteSpec): boolean {
  return WEB_ROUTE_SET.has(route);
}

/** Form posts: read as application/x-www-form-urlencoded, never as JSON (for the body-parser set-up in AppModule). */
export const WEB_FORM_POSTS = WEB_ROUTES.filter((route) => route.method === 'post').map((route) => route.path.replace(/^\//, ''));
