import { z } from 'zod';
import { IsoDate, PlanCommandSchemas, type Permission, type PlanCommandType } from '#domain';
import { GrantInput } from '#application';
import { ImportFormFields } from './import-form.js';
import { AsAtQuery, AuditLogQuery, ChangesSinceQuery, RagTrendQuery, RetrospectiveQuery } from './time-travel.queries.js';
import { EvidenceBundleQuery, TreeHeadQuery } from './evidence-bundle.queries.js';
import { EscalationsQuery, PlanUpdateRequestsQuery, UpdateRequestsQuery } from './update-request-schemas.js';

/**
 * Every HTTP route, once: its path and access rule are written here and nowhere else. This table (with
 * WEB_ROUTES for the pages) drives three things, so they cannot disagree:
 * - registration: a handler says `@Route('recordProgressUpdate')` (route.decorator.ts), which applies Nest's
 *   @Get/@Post with the table's path; a controller never writes a path, and links or redirects to a route are
 *   built with `hrefOf(key, params)`;
 * - the access guard (auth/access.guard.ts), which finds the entry of every request and enforces `permission`
 *   (and `planInForm`);
 * - the OpenAPI document (openapi.ts), whose operationId is the entry's key.
 * route-table.unit.spec.ts fails if a route is served without an entry, if an entry is not served, or if a
 * controller writes a path literal or a path decorator of its own.
 *
 * Adding a route: append an entry with a unique `key` (for the API, its operationId, plus an OPERATIONS entry
 * in openapi.ts under that key), then put `@Route(key)` on the handler. A page is the same with WEB_ROUTES: give
 * its entry a `key` and replace the page's `@Get('web/…')` / `@Post('web/…')` with `@Route(key)`; redirects in
 * the page become `hrefOf(key, { planId })`. A new controller goes in AppModule's controllers, where the test
 * finds it. A page still written the old way keeps working (an entry without a key is still guarded), but
 * route-table.unit.spec.ts lists it, with file and line, until it is converted.
 */
export interface RouteSpec {
  /**
   * The route's stable name: what `@Route(key)` and `hrefOf(key)` name it by; for the API also its OpenAPI
   * operationId. Required of API routes (ApiRouteSpec); optional on a page only so that page entries written
   * before keys existed still type-check (the test requires one of every served page).
   */
  key?: string;
  method: 'get' | 'post';
  /** Express-style path, e.g. /plans/:planId/actions. */
  path: string;
  summary: string;
  /** The command a write runs: its schema (less the path parameters) is the request body. */
  command?: PlanCommandType;
  /** Path parameters that fill command fields. */
  fromPath?: Record<string, string>;
  query?: z.ZodType;
  /** A JSON body that is not a plan command. */
  body?: z.ZodObject;
  /** Non-JSON request body (evidence upload). */
  rawBody?: { description: string };
  /** A multipart/form-data body (plan import): the file's field and description, and the text fields' schema. */
  multipart?: { description: string; file: string; fields: z.ZodObject };
  writes: boolean;
  /**
   * What the caller must be allowed to do: checked by the access guard for every request. 'public' needs
   * no sign-in. On a route with :planId it is checked against the caller's roles on that plan; elsewhere
   * against their own organisation role. A route without one is refused (and fails the matrix test).
   */
  permission?: Permission | 'public' | 'signed-in';
  /**
   * A write whose plan is named by a field of its multipart form rather than its path (the import): the guard
   * reads the form once the caller is known, then checks `permission` on the plan that field names, or, when
   * the field is left out, `withoutPlan` on the caller's own organisation (the write creates a plan).
   */
  planInForm?: { field: string; withoutPlan: Permission };
  /** The OpenAPI tag, when not the one in openapi.ts's OPERATIONS. */
  tag?: string;
}

/** An API route: its key is its OpenAPI operationId, so it must have one. */
export type ApiRouteSpec = RouteSpec & { key: string };

const action = { actionId: 'actionId' };
const submission = { submissionId: 'submissionId' };

export const EventsQuery = z.object({
  fromRevision: z.coerce.number().int().min(0).default(0),
  maxCount: z.coerce.number().int().min(1).max(10_000).default(1_000),
});

export const EvidenceUploadQuery = z.object({
  name: z.string().trim().min(1, 'say what the file is called: ?name=report.pdf').max(500),
  reason: z.string().trim().max(5_000).optional(),
  effectiveAt: PlanCommandSchemas.AttachEvidence.shape.effectiveAt.describe('When the file became evidence in the world (a date or an instant), if not now'),
});

/** Command fields set from the signed-in identity, never from a request body. */
const FROM_IDENTITY = ['organisationId'];

export const GrantBody = GrantInput;
export const RevocationBody = z.object({ reason: z.string().trim().min(1, 'say why').max(2_000) });
export const AccessLogQuery = z.object({
  fromRevision: z.coerce.number().int().min(0).default(0),
  maxCount: z.coerce.number().int().min(1).max(10_000).default(1_000),
}).strict();

export const ROUTES: ApiRouteSpec[] = [
  { key: 'getHealth', method: 'get', path: '/health', summary: 'Is the ledger up', writes: false, permission: 'public' },
  { key: 'getOpenApiDocument', method: 'get', path: '/api/openapi.json', summary: 'This OpenAPI document', writes: false, permission: 'public' },
  { key: 'getApiExplorer', method: 'get', path: '/api/docs', summary: 'The interactive API explorer (Swagger UI)', writes: false, permission: 'public' },
  { key: 'getApiExplorerAsset', method: 'get', path: '/api/docs/:asset', summary: "The explorer's scripts and stylesheet, served from the ledger itself", writes: false, permission: 'public' },
  { key: 'getMe', method: 'get', path: '/me', summary: 'Who you are signed in as, and what you may see', writes: false, permission: 'signed-in' },
  { key: 'listGrants', method: 'get', path: '/access/grants', summary: "Your organisation's access grants (live, expired and revoked)", writes: false, permission: 'access.manage' },
  { key: 'createGrant', method: 'post', path: '/access/grants', summary: 'Grant a person a role on one plan or every plan of your organisation, optionally until a date', body: GrantBody, writes: true, permission: 'access.manage' },
  { key: 'revokeGrant', method: 'post', path: '/access/grants/:grantId/revocation', summary: 'Revoke a grant, with the reason', body: RevocationBody, writes: true, permission: 'access.manage' },
  { key: 'getAccessLog', method: 'get', path: '/access-log', summary: 'Who read which plan, as at when (inspector and regulator reads, bundle downloads)', query: AccessLogQuery, writes: false, permission: 'access-log.read' },
  { key: 'listPlans', method: 'get', path: '/plans', summary: 'List plans', writes: false, permission: 'plan.read' },
  { key: 'createPlan', method: 'post', path: '/plans', summary: 'Create a plan', command: 'CreatePlan', writes: true, permission: 'plan.create' },
  {
    key: 'importPlan',
    method: 'post',
    path: '/plans/import',
    summary: 'Import a plan file (pasted Word table as text, CSV or XLSX) into a new plan or an existing one (planId), or preview it (dryRun): all or nothing, idempotent',
    multipart: { description: 'The plan file (at most LEDGER_IMPORT_MAX_BYTES, 20 MB by default) and what to import it into', file: 'file', fields: ImportFormFields },
    writes: true,
    // Into an existing plan: plan.shape on that plan; a new plan: plan.create in one's own organisation.
    permission: 'plan.shape',
    planInForm: { field: 'planId', withoutPlan: 'plan.create' },
  },
  {
    key: 'getPlan',
    method: 'get',
    path: '/plans/:planId',
    summary: "A plan now (ETag = revision.variant; If-None-Match → 304), or as at an instant: ?asAt=…&time=recorded|effective[&knownAt=…]; compact (each action's latest note) or ?view=full (every note); with each action's stored status and derived RAG; gzip or br on request",
    query: AsAtQuery,
    writes: false,
    permission: 'plan.read',
  },
  { key: 'getChangesSince', method: 'get', path: '/plans/:planId/changes-since', summary: 'What changed between two instants: actions added, status, lead, target and RAG changes, with the events that caused them', query: ChangesSinceQuery, writes: false, permission: 'plan.read' },
  { key: 'listRetrospectiveEntries', method: 'get', path: '/plans/:planId/retrospective-entries', summary: 'Entries effective earlier than they were recorded (back-dating), beyond a tolerance', query: RetrospectiveQuery, writes: false, permission: 'plan.read' },
  { key: 'getRagTrend', method: 'get', path: '/plans/:planId/rag-trend', summary: 'Counts of Green, Amber, Red and complete actions per interval', query: RagTrendQuery, writes: false, permission: 'plan.read' },
  { key: 'getActionHistory', method: 'get', path: '/plans/:planId/actions/:actionId/history', summary: "An action's full timeline in plain words", writes: false, permission: 'plan.read' },
  { key: 'getAuditLog', method: 'get', path: '/audit-log', summary: 'Who changed what, when and why: every event with a one-line summary; cursor-paginated; ?format=csv to export', query: AuditLogQuery, writes: false, permission: 'audit-log.read' },
  { key: 'getPlanEvents', method: 'get', path: '/plans/:planId/events', summary: "The plan's raw event stream", query: EventsQuery, writes: false, permission: 'plan.read' },
  { key: 'checkPlanIntegrity', method: 'get', path: '/plans/:planId/integrity', summary: "Recompute the plan's hash chain and name the first broken revision", writes: false, permission: 'plan.read' },
  { key: 'addWorkstream', method: 'post', path: '/plans/:planId/workstreams', summary: 'Add a workstream', command: 'AddWorkstream', writes: true, permission: 'plan.shape' },
  { key: 'addRecommendation', method: 'post', path: '/plans/:planId/recommendations', summary: 'Add a recommendation', command: 'AddRecommendation', writes: true, permission: 'plan.shape' },
  {
    key: 'signOffRecommendation',
    method: 'post',
    path: '/plans/:planId/recommendations/:recommendationId/sign-off',
    summary: 'Sign off a recommendation',
    command: 'SignOffRecommendation',
    fromPath: { recommendationId: 'recommendationId' },
    writes: true,
    permission: 'plan.shape',
  },
  { key: 'addAction', method: 'post', path: '/plans/:planId/actions', summary: 'Add an action', command: 'AddAction', writes: true, permission: 'plan.shape' },
  { key: 'recordProgressUpdate', method: 'post', path: '/plans/:planId/actions/:actionId/progress-updates', summary: 'Record a progress update', command: 'RecordProgressUpdate', fromPath: action, writes: true, permission: 'action.record' },
  { key: 'changeActionStatus', method: 'post', path: '/plans/:planId/actions/:actionId/status', summary: "Change an action's status", command: 'ChangeActionStatus', fromPath: action, writes: true, permission: 'action.record' },
  { key: 'reassignAction', method: 'post', path: '/plans/:planId/actions/:actionId/reassignments', summary: 'Reassign an action to new lead(s)', command: 'ReassignAction', fromPath: action, writes: true, permission: 'action.record' },
  { key: 'slipTargetDate', method: 'post', path: '/plans/:planId/actions/:actionId/target-slips', summary: "Move an action's target date", command: 'SlipTargetDate', fromPath: action, writes: true, permission: 'action.record' },
  { key: 'assessRag', method: 'post', path: '/plans/:planId/actions/:actionId/rag-assessments', summary: 'Record a manual RAG assessment', command: 'AssessRag', fromPath: action, writes: true, permission: 'qa.record' },
  {
    key: 'attachEvidence',
    method: 'post',
    path: '/plans/:planId/actions/:actionId/evidence',
    summary: 'Attach an evidence file (the body is the file; Content-Type is its media type)',
    command: 'AttachEvidence',
    fromPath: action,
    query: EvidenceUploadQuery,
    rawBody: { description: 'The file itself' },
    writes: true,
    permission: 'action.record',
  },
  { key: 'completeAction', method: 'post', path: '/plans/:planId/actions/:actionId/completion', summary: 'Mark an action completed', command: 'CompleteAction', fromPath: action, writes: true, permission: 'action.record' },
  { key: 'reopenAction', method: 'post', path: '/plans/:planId/actions/:actionId/reopening', summary: 'Reopen a completed action', command: 'ReopenAction', fromPath: action, writes: true, permission: 'action.record' },
  { key: 'recordAuditOutcome', method: 'post', path: '/plans/:planId/audit-outcomes', summary: 'Record a QA audit outcome for an action or recommendation', command: 'RecordAuditOutcome', writes: true, permission: 'qa.record' },
  { key: 'correctEntry', method: 'post', path: '/plans/:planId/corrections', summary: 'Correct a mistaken entry (amend or withdraw it); nothing is edited or deleted', command: 'CorrectEntry', writes: true, permission: 'entry.correct' },
  { key: 'setApprovalRequirement', method: 'post', path: '/plans/:planId/approval-requirement', summary: "Require (or stop requiring) approval of editors' updates on the plan or one work stream", command: 'SetApprovalRequirement', writes: true, permission: 'plan.shape' },
  { key: 'getApprovalQueue', method: 'get', path: '/plans/:planId/approval-queue', summary: 'The updates awaiting approval, oldest first, each with its action', writes: false, permission: 'update.approve' },
  { key: 'getMySubmissions', method: 'get', path: '/plans/:planId/my-submissions', summary: 'Your own submitted updates that are pending, or rejected and not yet resubmitted', writes: false, permission: 'action.record' },
  { key: 'acceptUpdate', method: 'post', path: '/plans/:planId/submissions/:submissionId/acceptance', summary: "Accept someone else's submitted update: it takes effect with its own effective date", command: 'AcceptUpdate', fromPath: submission, writes: true, permission: 'update.approve' },
  { key: 'rejectUpdate', method: 'post', path: '/plans/:planId/submissions/:submissionId/rejection', summary: "Reject someone else's submitted update, with the reason", command: 'RejectUpdate', fromPath: submission, writes: true, permission: 'update.approve' },
  { key: 'withdrawUpdate', method: 'post', path: '/plans/:planId/submissions/:submissionId/withdrawal', summary: 'Withdraw your own pending update', command: 'WithdrawUpdate', fromPath: submission, writes: true, permission: 'action.record' },
  { key: 'resubmitUpdate', method: 'post', path: '/plans/:planId/submissions/:submissionId/resubmission', summary: 'Resubmit your own rejected or withdrawn update, with the fields given replacing the original\'s', command: 'ResubmitUpdate', fromPath: submission, writes: true, permission: 'action.record' },
  { key: 'downloadEvidence', method: 'get', path: '/plans/:planId/evidence/:sha256', summary: "Download one of the plan's evidence files by its SHA-256", writes: false, permission: 'plan.read' },
  {
    key: 'getEvidenceBundle',
    method: 'get',
    path: '/plans/:planId/bundle',
    summary: 'A signed evidence bundle (zip) of the plan as at an instant, for a regulator to verify offline: ?asAt=…&time=recorded|effective&withFiles=true|false',
    query: EvidenceBundleQuery,
    writes: false,
    permission: 'bundle.export',
  },
  {
    key: 'getTreeHead',
    method: 'get',
    path: '/plans/:planId/tree-head',
    summary: "The plan's signed tree head: the size and RFC 6962 Merkle root of its event stream, signed with the ledger's key",
    query: TreeHeadQuery,
    writes: false,
    permission: 'bundle.export',
  },
  // Update requests, rounds and escalations (issue 19): kept together at the end of the table.
  {
    key: 'listUpdateRequests',
    method: 'get',
    path: '/update-requests',
    summary: 'What each action of every plan you may read owes: due date and reason, by lead and by plan; ?asAt=…&time=…&planId=…&lead=…&escalated=true',
    query: UpdateRequestsQuery,
    writes: false,
    permission: 'plan.read',
  },
  { key: 'getPlanUpdateRequests', method: 'get', path: '/plans/:planId/update-requests', summary: "What each action of the plan owes: due date and reason, by lead; ?asAt=…&time=…&lead=…&escalated=true", query: PlanUpdateRequestsQuery, writes: false, permission: 'plan.read' },
  { key: 'getPlanEscalations', method: 'get', path: '/plans/:planId/escalations', summary: "For the plan's manager: actions with no update for two cadences, or overdue with no update since", query: EscalationsQuery, writes: false, permission: 'update.request' },
  { key: 'setUpdateWindow', method: 'post', path: '/plans/:planId/update-window', summary: 'How many days ahead of a target date its action is due an update (45 by default)', command: 'SetUpdateWindow', writes: true, permission: 'update.request' },
  { key: 'setLeadContact', method: 'post', path: '/plans/:planId/lead-contacts', summary: "Name the person who answers for one of the plan's leads, and where their reminders go", command: 'SetLeadContact', writes: true, permission: 'update.request' },
  { key: 'listUpdateRounds', method: 'get', path: '/plans/:planId/update-rounds', summary: "The plan's update rounds, newest first, each with who was asked for what and what was not received", writes: false, permission: 'plan.read' },
  { key: 'openUpdateRound', method: 'post', path: '/plans/:planId/update-rounds', summary: 'Open an update round: ask every lead with an action due an update for one, by a date', command: 'OpenUpdateRound', writes: true, permission: 'update.request' },
  { key: 'getUpdateRound', method: 'get', path: '/plans/:planId/update-rounds/:roundId', summary: 'One update round: who was asked for what, what was received, what is missing', writes: false, permission: 'plan.read' },
  { key: 'closeUpdateRound', method: 'post', path: '/plans/:planId/update-rounds/:roundId/closure', summary: 'Close an update round, recording what was not received', command: 'CloseUpdateRound', fromPath: { roundId: 'roundId' }, writes: true, permission: 'update.request' },
];

/**
 * The names these writes used for their business date before every write called it effectiveAt. Still
 * accepted (a date, as before) and mapped to effectiveAt at this edge; marked deprecated in the OpenAPI
 * document; sending both is a 400. docs/api.md lists them.
 */
export const DEPRECATED_DATE_ALIASES: ReadonlyMap<PlanCommandType, string> = new Map<PlanCommandType, string>([
  ['RecordProgressUpdate', 'asAt'],
  ['CompleteAction', 'completedOn'],
  ['SignOffRecommendation', 'signedOffOn'],
  ['RecordAuditOutcome', 'auditDate'],
]);

/** Each route's body schema, built once: building it (omit, strict, extend) cost more than parsing a body with it. */
const bodySchemas = new WeakMap<RouteSpec, z.ZodObject | undefined>();

/** The request body schema for a command route: the command's fields less those the path supplies. */
export function bodySchemaOf(route: RouteSpec): z.ZodObject | undefined {
  if (bodySchemas.has(route)) return bodySchemas.get(route);
  const schema = buildBodySchema(route);
  bodySchemas.set(route, schema);
  return schema;
}

function buildBodySchema(route: RouteSpec): z.ZodObject | undefined {
  if (route.body) return route.body.strict();
  if (!route.command || route.rawBody) return undefined;
  const schema = PlanCommandSchemas[route.command] as z.ZodObject;
  // Fields the path or the signed-in identity supply can never come from the body.
  const omit = Object.fromEntries([...Object.values(route.fromPath ?? {}), ...FROM_IDENTITY].filter((field) => field in schema.shape).map((field) => [field, true as const]));
  const body = schema.omit(omit as never).strict();
  const alias = DEPRECATED_DATE_ALIASES.get(route.command);
  if (!alias) return body;
  return body
    .extend({ [alias]: IsoDate.optional().meta({ deprecated: true, description: `Deprecated: the old name of effectiveAt (a date, YYYY-MM-DD). Send effectiveAt instead.` }) })
    .superRefine((value, ctx) => {
      if (value[alias] !== undefined && value.effectiveAt !== undefined) {
        ctx.addIssue({ code: 'custom', path: [alias], message: `is the deprecated name of effectiveAt; send one of them, not both` });
      }
    });
}

/** A parsed body with a deprecated date name moved to effectiveAt, so commands only ever carry effectiveAt. */
export function withEffectiveAt(route: RouteSpec, body: Record<string, unknown>): Record<string, unknown> {
  const alias = route.command ? DEPRECATED_DATE_ALIASES.get(route.command) : undefined;
  if (!alias || body[alias] === undefined) return body;
  const { [alias]: effectiveAt, ...rest } = body;
  return { ...rest, effectiveAt };
}
