import { z } from 'zod';
import type { RouteSpec } from '../http/route-table.js';

/**
 * Every page of the web service, in the same shape as the API's route table and checked by the same
 * access guard and policy: a page says which permission it needs exactly as an API route does. Pages
 * authenticate with the browser session cookie (never a bearer token), and every POST carries the
 * session's CSRF token; the JSON API never accepts the cookie, so a cross-site form cannot reach it.
 * A page is served with `@Route(key)` and linked to with `hrefOf(key, params)`, as the API's routes are
 * (see route-table.ts's header): its path is written here only.
 */
export const WEB_ROUTES: RouteSpec[] = [
  { key: 'startPage', method: 'get', path: '/', summary: 'Start page', writes: false, permission: 'public' },
  { key: 'signInPage', method: 'get', path: '/sign-in', summary: 'Sign in with a local account', writes: false, permission: 'public' },
  { key: 'signIn', method: 'post', path: '/sign-in', summary: 'Check a user name and password and start a session', writes: false, permission: 'public' },
  { key: 'signInLink', method: 'get', path: '/sign-in/link/:code', summary: 'A one-time sign-in link (printed by the demo at start-up)', writes: false, permission: 'public' },
  { key: 'signOut', method: 'post', path: '/sign-out', summary: 'End the session', writes: false, permission: 'signed-in' },
  { key: 'plansPage', method: 'get', path: '/web/plans', summary: 'The plans you can see, with their roll-up', writes: false, permission: 'plan.read' },
  { key: 'planPage', method: 'get', path: '/web/plans/:planId', summary: 'A plan laid out as work streams, recommendations and actions, now or as at an instant', writes: false, permission: 'plan.read' },
  { key: 'actionPage', method: 'get', path: '/web/plans/:planId/actions/:actionId', summary: "An action and its timeline", writes: false, permission: 'plan.read' },
  { key: 'recordProgressFromPage', method: 'post', path: '/web/plans/:planId/actions/:actionId/progress', summary: 'Record a progress update from the action page', writes: true, permission: 'action.record' },
  { key: 'planChangesPage', method: 'get', path: '/web/plans/:planId/changes', summary: 'What changed between two dates, each change with the events that caused it', writes: false, permission: 'plan.read' },
  { key: 'planBackDatedPage', method: 'get', path: '/web/plans/:planId/back-dated', summary: 'Entries effective earlier than they were recorded, beyond a tolerance, with how late each was written', writes: false, permission: 'plan.read' },
  { key: 'planRagTrendPage', method: 'get', path: '/web/plans/:planId/rag-trend', summary: 'RAG over time: a stacked chart by week, month or quarter, with the same numbers as a table', writes: false, permission: 'plan.read' },
  { key: 'auditLogPage', method: 'get', path: '/web/audit-log', summary: 'The audit log, filtered by person, type of entry, dates, plan and action, a page at a time', writes: false, permission: 'audit-log.read' },
  { key: 'auditLogExport', method: 'get', path: '/web/audit-log/export', summary: 'The filtered audit log as CSV (as /audit-log?format=csv)', writes: false, permission: 'audit-log.read' },
  // The action page's other forms: each the permission of the API route that runs the same command.
  { key: 'evidenceDownloadPage', method: 'get', path: '/web/plans/:planId/evidence/:sha256', summary: "Download one of the plan's evidence files by its SHA-256", writes: false, permission: 'plan.read' },
  { key: 'changeStatusFromPage', method: 'post', path: '/web/plans/:planId/actions/:actionId/status', summary: "Change an action's status", command: 'ChangeActionStatus', writes: true, permission: 'action.record' },
  { key: 'slipTargetFromPage', method: 'post', path: '/web/plans/:planId/actions/:actionId/target-slip', summary: "Move an action's target date", command: 'SlipTargetDate', writes: true, permission: 'action.record' },
  { key: 'reassignFromPage', method: 'post', path: '/web/plans/:planId/actions/:actionId/reassignment', summary: 'Reassign an action to new leads', command: 'ReassignAction', writes: true, permission: 'action.record' },
  { key: 'completeFromPage', method: 'post', path: '/web/plans/:planId/actions/:actionId/completion', summary: 'Mark an action completed', command: 'CompleteAction', writes: true, permission: 'action.record' },
  { key: 'reopenFromPage', method: 'post', path: '/web/plans/:planId/actions/:actionId/reopening', summary: 'Reopen a completed action', command: 'ReopenAction', writes: true, permission: 'action.record' },
  { key: 'correctEntryFromPage', method: 'post', path: '/web/plans/:planId/actions/:actionId/correction', summary: 'Correct (amend or withdraw) an entry of the timeline', command: 'CorrectEntry', writes: true, permission: 'entry.correct' },
  {
    key: 'attachEvidenceFromPage',
    method: 'post',
    path: '/web/plans/:planId/actions/:actionId/evidence',
    summary: 'Attach an evidence file from the action page',
    command: 'AttachEvidence',
    multipart: { description: 'The file (within LEDGER_EVIDENCE_LIMIT) and what it is', file: 'file', fields: z.object({ name: z.string().optional(), reason: z.string().optional(), revision: z.string() }) },
    writes: true,
    permission: 'action.record',
  },
  { key: 'assessRagFromPage', method: 'post', path: '/web/plans/:planId/actions/:actionId/rag-assessment', summary: 'Record a RAG assessment', command: 'AssessRag', writes: true, permission: 'qa.record' },
  { key: 'recordAuditOutcomeFromPage', method: 'post', path: '/web/plans/:planId/actions/:actionId/audit-outcome', summary: 'Record a QA audit outcome for the action', command: 'RecordAuditOutcome', writes: true, permission: 'qa.record' },
];

const WEB_ROUTE_SET = new Set(WEB_ROUTES);

export function isWebRoute(route: RouteSpec): boolean {
  return WEB_ROUTE_SET.has(route);
}

/** Form posts: read as application/x-www-form-urlencoded, never as JSON (for the body-parser set-up in AppModule). */
export const WEB_FORM_POSTS = WEB_ROUTES.filter((route) => route.method === 'post' && !route.multipart).map((route) => route.path.replace(/^\//, ''));

/** Form posts that carry a file: multipart/form-data, read before the access guard so it finds the CSRF token. */
export const WEB_MULTIPART_POSTS = WEB_ROUTES.filter((route) => route.method === 'post' && route.multipart).map((route) => route.path.replace(/^\//, ''));
