import type { RouteSpec } from '../http/route-table.js';
import { ImportPageFields } from './import-page-form.js';

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
  // Sign-in through the council's identity provider (OpenID Connect, authorisation code with PKCE).
  { method: 'get', path: '/sign-in/oidc', summary: "Go to the identity provider to sign in", writes: false, permission: 'public' },
  { method: 'get', path: '/sign-in/oidc/callback', summary: 'Back from the identity provider: check state, nonce and PKCE, and start a session', writes: false, permission: 'public' },
  // Administration of one's own organisation: people, access grants, tokens (AccessControl, as the API and CLI).
  { method: 'get', path: '/web/admin', summary: 'Administration: people, access grants and tokens', writes: false, permission: 'access.manage' },
  { method: 'get', path: '/web/admin/people', summary: "The organisation's registered people", writes: false, permission: 'access.manage' },
  { method: 'get', path: '/web/admin/people/new', summary: 'The form to register a person', writes: false, permission: 'access.manage' },
  { method: 'post', path: '/web/admin/people', summary: 'Register a person (as `ledger users add`)', writes: true, permission: 'access.manage' },
  { method: 'get', path: '/web/admin/grants', summary: 'Access grants: live, expired and revoked', writes: false, permission: 'access.manage' },
  { method: 'get', path: '/web/admin/grants/new', summary: 'The form to grant a role on one plan or every plan, optionally until a date', writes: false, permission: 'access.manage' },
  { method: 'post', path: '/web/admin/grants', summary: 'Grant a role', writes: true, permission: 'access.manage' },
  { method: 'get', path: '/web/admin/grants/:grantId/revoke', summary: 'The form to revoke a grant, with the reason', writes: false, permission: 'access.manage' },
  { method: 'post', path: '/web/admin/grants/:grantId/revoke', summary: 'Revoke a grant', writes: true, permission: 'access.manage' },
  { method: 'get', path: '/web/admin/tokens', summary: "Access tokens of the organisation's people", writes: false, permission: 'access.manage' },
  { method: 'get', path: '/web/admin/tokens/new', summary: 'The form to issue a token', writes: false, permission: 'access.manage' },
  { method: 'post', path: '/web/admin/tokens', summary: 'Issue a token, shown once', writes: true, permission: 'access.manage' },
  { method: 'get', path: '/web/admin/tokens/:tokenId/revoke', summary: 'The form to revoke a token, with the reason', writes: false, permission: 'access.manage' },
  { method: 'post', path: '/web/admin/tokens/:tokenId/revoke', summary: 'Revoke a token', writes: true, permission: 'access.manage' },
  // Import a plan file: upload, preview (the importer's dry run), confirm. Into a plan: plan.shape on it; a new plan also needs plan.create (checked by the page, as POST /plans/import).
  { method: 'get', path: '/web/import', summary: 'The form to upload a plan file', writes: false, permission: 'plan.shape' },
  {
    method: 'post',
    path: '/web/import',
    summary: 'Upload a plan file and see what importing it would add, and every problem (nothing appended)',
    multipart: { description: 'The plan file, and what to import it into', file: 'file', fields: ImportPageFields },
    writes: false,
    permission: 'plan.shape',
  },
  { method: 'post', path: '/web/import/confirm', summary: 'Import exactly what was previewed', writes: true, permission: 'plan.shape' },
];

const WEB_ROUTE_SET = new Set(WEB_ROUTES);

export function isWebRoute(route: RouteSpec): boolean {
  return WEB_ROUTE_SET.has(route);
}

/** Form posts: read as application/x-www-form-urlencoded, never as JSON (for the body-parser set-up in AppModule). */
export const WEB_FORM_POSTS = WEB_ROUTES.filter((route) => route.method === 'post' && !route.multipart).map((route) => route.path.replace(/^\//, ''));
/** Multipart posts (file uploads): read by their own interceptor, which checks the CSRF token once the form is read. */
export const WEB_UPLOADS = WEB_ROUTES.filter((route) => route.method === 'post' && route.multipart).map((route) => route.path.replace(/^\//, ''));
