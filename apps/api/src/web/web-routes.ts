import { z } from 'zod';
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
  // The action page's other forms: each the permission of the API route that runs the same command.
  { method: 'get', path: '/web/plans/:planId/evidence/:sha256', summary: "Download one of the plan's evidence files by its SHA-256", writes: false, permission: 'plan.read' },
  { method: 'post', path: '/web/plans/:planId/actions/:actionId/status', summary: "Change an action's status", command: 'ChangeActionStatus', writes: true, permission: 'action.record' },
  { method: 'post', path: '/web/plans/:planId/actions/:actionId/target-slip', summary: "Move an action's target date", command: 'SlipTargetDate', writes: true, permission: 'action.record' },
  { method: 'post', path: '/web/plans/:planId/actions/:actionId/reassignment', summary: 'Reassign an action to new leads', command: 'ReassignAction', writes: true, permission: 'action.record' },
  { method: 'post', path: '/web/plans/:planId/actions/:actionId/completion', summary: 'Mark an action completed', command: 'CompleteAction', writes: true, permission: 'action.record' },
  { method: 'post', path: '/web/plans/:planId/actions/:actionId/reopening', summary: 'Reopen a completed action', command: 'ReopenAction', writes: true, permission: 'action.record' },
  { method: 'post', path: '/web/plans/:planId/actions/:actionId/correction', summary: 'Correct (amend or withdraw) an entry of the timeline', command: 'CorrectEntry', writes: true, permission: 'entry.correct' },
  {
    method: 'post',
    path: '/web/plans/:planId/actions/:actionId/evidence',
    summary: 'Attach an evidence file from the action page',
    command: 'AttachEvidence',
    multipart: { description: 'The file (within LEDGER_EVIDENCE_LIMIT) and what it is', file: 'file', fields: z.object({ name: z.string().optional(), reason: z.string().optional(), revision: z.string() }) },
    writes: true,
    permission: 'action.record',
  },
  { method: 'post', path: '/web/plans/:planId/actions/:actionId/rag-assessment', summary: 'Record a RAG assessment', command: 'AssessRag', writes: true, permission: 'qa.record' },
  { method: 'post', path: '/web/plans/:planId/actions/:actionId/audit-outcome', summary: 'Record a QA audit outcome for the action', command: 'RecordAuditOutcome', writes: true, permission: 'qa.record' },
];

const WEB_ROUTE_SET = new Set(WEB_ROUTES);

export function isWebRoute(route: RouteSpec): boolean {
  return WEB_ROUTE_SET.has(route);
}

/** Form posts: read as application/x-www-form-urlencoded, never as JSON (for the body-parser set-up in AppModule). */
export const WEB_FORM_POSTS = WEB_ROUTES.filter((route) => route.method === 'post' && !route.multipart).map((route) => route.path.replace(/^\//, ''));

/** Form posts that carry a file: multipart/form-data, read before the access guard so it finds the CSRF token. */
export const WEB_MULTIPART_POSTS = WEB_ROUTES.filter((route) => route.method === 'post' && route.multipart).map((route) => route.path.replace(/^\//, ''));
