import { z } from 'zod';
import type { RouteSpec } from '../http/route-table.js';
import { ImportPageFields } from './import-page-form.js';

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
  // Sign-in through the council's identity provider (OpenID Connect, authorisation code with PKCE).
  { key: 'oidcSignInStart', method: 'get', path: '/sign-in/oidc', summary: "Go to the identity provider to sign in", writes: false, permission: 'public' },
  { key: 'oidcSignInCallback', method: 'get', path: '/sign-in/oidc/callback', summary: 'Back from the identity provider: check state, nonce and PKCE, and start a session', writes: false, permission: 'public' },
  // Administration of one's own organisation: people, access grants, tokens (AccessControl, as the API and CLI).
  { key: 'adminPage', method: 'get', path: '/web/admin', summary: 'Administration: people, access grants and tokens', writes: false, permission: 'access.manage' },
  { key: 'adminPeoplePage', method: 'get', path: '/web/admin/people', summary: "The organisation's registered people", writes: false, permission: 'access.manage' },
  { key: 'adminNewPersonPage', method: 'get', path: '/web/admin/people/new', summary: 'The form to register a person', writes: false, permission: 'access.manage' },
  { key: 'adminRegisterPerson', method: 'post', path: '/web/admin/people', summary: 'Register a person (as `ledger users add`)', writes: true, permission: 'access.manage' },
  { key: 'adminGrantsPage', method: 'get', path: '/web/admin/grants', summary: 'Access grants: live, expired and revoked', writes: false, permission: 'access.manage' },
  { key: 'adminNewGrantPage', method: 'get', path: '/web/admin/grants/new', summary: 'The form to grant a role on one plan or every plan, optionally until a date', writes: false, permission: 'access.manage' },
  { key: 'adminGrant', method: 'post', path: '/web/admin/grants', summary: 'Grant a role', writes: true, permission: 'access.manage' },
  { key: 'adminRevokeGrantPage', method: 'get', path: '/web/admin/grants/:grantId/revoke', summary: 'The form to revoke a grant, with the reason', writes: false, permission: 'access.manage' },
  { key: 'adminRevokeGrant', method: 'post', path: '/web/admin/grants/:grantId/revoke', summary: 'Revoke a grant', writes: true, permission: 'access.manage' },
  { key: 'adminTokensPage', method: 'get', path: '/web/admin/tokens', summary: "Access tokens of the organisation's people", writes: false, permission: 'access.manage' },
  { key: 'adminNewTokenPage', method: 'get', path: '/web/admin/tokens/new', summary: 'The form to issue a token', writes: false, permission: 'access.manage' },
  { key: 'adminIssueToken', method: 'post', path: '/web/admin/tokens', summary: 'Issue a token, shown once', writes: true, permission: 'access.manage' },
  { key: 'adminRevokeTokenPage', method: 'get', path: '/web/admin/tokens/:tokenId/revoke', summary: 'The form to revoke a token, with the reason', writes: false, permission: 'access.manage' },
  { key: 'adminRevokeToken', method: 'post', path: '/web/admin/tokens/:tokenId/revoke', summary: 'Revoke a token', writes: true, permission: 'access.manage' },
  // Import a plan file: upload, preview (the importer's dry run), confirm. Into a plan: plan.shape on it; a new plan also needs plan.create (checked by the page, as POST /plans/import).
  { key: 'importPage', method: 'get', path: '/web/import', summary: 'The form to upload a plan file', writes: false, permission: 'plan.shape' },
  {
    key: 'importPreview',
    method: 'post',
    path: '/web/import',
    summary: 'Upload a plan file and see what importing it would add, and every problem (nothing appended)',
    multipart: { description: 'The plan file, and what to import it into', file: 'file', fields: ImportPageFields },
    writes: false,
    permission: 'plan.shape',
  },
  { key: 'importConfirm', method: 'post', path: '/web/import/confirm', summary: 'Import exactly what was previewed', writes: true, permission: 'plan.shape' },
  // Evidence bundles: choose and download one; check one in the browser.
  { key: 'verifyPage', method: 'get', path: '/web/verify', summary: 'Check an evidence bundle in the browser (nothing is uploaded)', writes: false, permission: 'public' },
  { key: 'bundlePage', method: 'get', path: '/web/plans/:planId/bundle', summary: 'Choose an evidence bundle of a plan (instant, time axis, files) and see the signed tree head', writes: false, permission: 'bundle.export' },
  { key: 'bundleDownloadPage', method: 'get', path: '/web/plans/:planId/bundle/download', summary: 'Download the evidence bundle (the same query as GET /plans/:planId/bundle)', writes: false, permission: 'bundle.export' },
  // Approval of updates (issue 19): the same commands as the approval routes of the JSON API, with their permissions.
  { key: 'approvalsPage', method: 'get', path: '/web/approvals', summary: 'Updates awaiting your approval, across the plans you may approve, oldest first', writes: false, permission: 'update.approve' },
  { key: 'planApprovalsPage', method: 'get', path: '/web/plans/:planId/approvals', summary: "A plan's updates awaiting approval, oldest first, or what was pending on a date", writes: false, permission: 'update.approve' },
  { key: 'acceptFromPage', method: 'post', path: '/web/plans/:planId/submissions/:submissionId/acceptance', summary: "Accept someone else's submitted update", command: 'AcceptUpdate', writes: true, permission: 'update.approve' },
  { key: 'rejectFromPage', method: 'post', path: '/web/plans/:planId/submissions/:submissionId/rejection', summary: "Reject someone else's submitted update, with the reason", command: 'RejectUpdate', writes: true, permission: 'update.approve' },
  { key: 'mySubmissionsPage', method: 'get', path: '/web/my-submissions', summary: 'Your submitted updates that are pending, or rejected with the reason', writes: false, permission: 'action.record' },
  { key: 'withdrawFromPage', method: 'post', path: '/web/plans/:planId/submissions/:submissionId/withdrawal', summary: 'Withdraw your own pending update', command: 'WithdrawUpdate', writes: true, permission: 'action.record' },
  { key: 'resubmitPage', method: 'get', path: '/web/plans/:planId/submissions/:submissionId/resubmit', summary: 'The form to resubmit your rejected or withdrawn update, filled in with the original', writes: false, permission: 'action.record' },
  { key: 'resubmitFromPage', method: 'post', path: '/web/plans/:planId/submissions/:submissionId/resubmission', summary: 'Resubmit your own rejected or withdrawn update', command: 'ResubmitUpdate', writes: true, permission: 'action.record' },
  { key: 'approvalSettingsPage', method: 'get', path: '/web/plans/:planId/approval-settings', summary: 'Whether updates on the plan and each work stream need approval', writes: false, permission: 'plan.shape' },
  { key: 'setApprovalFromPage', method: 'post', path: '/web/plans/:planId/approval-settings', summary: 'Require (or stop requiring) approval on the plan or one work stream', command: 'SetApprovalRequirement', writes: true, permission: 'plan.shape' },
  // Update requests and rounds (issue 19): the same queries and commands as the update-request routes of the JSON API.
  { key: 'myUpdatesDuePage', method: 'get', path: '/web/my-updates-due', summary: 'Your actions due an update, with the reason and the date, across the plans you may read', writes: false, permission: 'plan.read' },
  { key: 'updateRoundsPage', method: 'get', path: '/web/plans/:planId/update-rounds', summary: "The plan's update rounds, newest first, and the form to open one", writes: false, permission: 'plan.read' },
  { key: 'openRoundFromPage', method: 'post', path: '/web/plans/:planId/update-rounds', summary: 'Open an update round: ask every lead with an action due an update, by a date', command: 'OpenUpdateRound', writes: true, permission: 'update.request' },
  { key: 'updateRoundPage', method: 'get', path: '/web/plans/:planId/update-rounds/:roundId', summary: 'One update round: who was asked for what, what came back, what is missing', writes: false, permission: 'plan.read' },
  { key: 'closeRoundFromPage', method: 'post', path: '/web/plans/:planId/update-rounds/:roundId/closure', summary: 'Close an update round, recording what was not received', command: 'CloseUpdateRound', writes: true, permission: 'update.request' },
  { key: 'escalationsPage', method: 'get', path: '/web/plans/:planId/escalations', summary: "For the plan's manager: actions with no update for two cadences, or overdue with no update since", writes: false, permission: 'update.request' },
  { key: 'bundleExtendPage', method: 'get', path: '/web/plans/:planId/bundle/extend', summary: 'Choose the earlier bundle the new one must extend', writes: false, permission: 'bundle.export' },
  {
    key: 'bundleExtendDownload',
    method: 'post',
    path: '/web/plans/:planId/bundle/extend',
    summary: 'Download a bundle that proves it extends the earlier bundle sent (consistency.json, as `ledger bundle --since`)',
    multipart: { description: 'The earlier bundle (within LEDGER_EVIDENCE_LIMIT); the instant, time axis and files are in the query string', file: 'file', fields: z.object({}) },
    writes: false,
    permission: 'bundle.export',
  },
  // Local passwords: an administrator's for their organisation's people, and one's own.
  { key: 'adminPasswordPage', method: 'get', path: '/web/admin/people/:userId/password', summary: 'The form to set or reset a person’s local password', writes: false, permission: 'access.manage' },
  { key: 'adminSetPassword', method: 'post', path: '/web/admin/people/:userId/password', summary: 'Set or reset a person’s local password (as `ledger users set-password`)', writes: true, permission: 'access.manage' },
  { key: 'ownPasswordPage', method: 'get', path: '/web/account/password', summary: 'The form to change one’s own password', writes: false, permission: 'signed-in' },
  { key: 'changeOwnPassword', method: 'post', path: '/web/account/password', summary: 'Change one’s own password, given the current one', writes: true, permission: 'signed-in' },
];

const WEB_ROUTE_SET = new Set(WEB_ROUTES);

export function isWebRoute(route: RouteSpec): boolean {
  return WEB_ROUTE_SET.has(route);
}

/** Form posts: read as application/x-www-form-urlencoded, never as JSON (for the body-parser set-up in AppModule). */
export const WEB_FORM_POSTS = WEB_ROUTES.filter((route) => route.method === 'post' && !route.multipart).map((route) => route.path.replace(/^\//, ''));

/**
 * A multipart form read only once the access guard has let the caller in (the plan import page: a large file,
 * up to LEDGER_IMPORT_MAX_BYTES, is never read for someone who may not send it; the other uploads are within
 * LEDGER_EVIDENCE_LIMIT and read first, so the guard finds their CSRF token). Its CSRF token is in the body, so WebUploadInterceptor checks
 * it right after reading the form; every other form's token is checked by the guard.
 */
export function readsFormAfterGuard(route: RouteSpec): boolean {
  return route.method === 'post' && route.multipart !== undefined && route.key === 'importPreview';
}

/** Form posts that carry a file (evidence, an earlier bundle): multipart/form-data, read before the access guard so it finds the CSRF token. */
export const WEB_MULTIPART_POSTS = WEB_ROUTES.filter((route) => route.method === 'post' && route.multipart && !readsFormAfterGuard(route)).map((route) => route.path.replace(/^\//, ''));
/** Multipart posts read by their own interceptor after the guard (readsFormAfterGuard). */
export const WEB_UPLOADS = WEB_ROUTES.filter(readsFormAfterGuard).map((route) => route.path.replace(/^\//, ''));
