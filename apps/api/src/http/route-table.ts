import { z } from 'zod';
import { PlanCommandSchemas, type PlanCommandType } from '#domain';
import { AsAtQuery, AuditLogQuery, ChangesSinceQuery, RagTrendQuery, RetrospectiveQuery } from './time-travel.queries.js';

/**
 * Every HTTP route, once: the OpenAPI document is generated from this table, and a test checks that
 * the routes Nest actually serves are exactly these (a new endpoint without an entry fails the test).
 */
export interface RouteSpec {
  method: 'get' | 'post';
  /** Express-style path, e.g. /plans/:planId/actions. */
  path: string;
  summary: string;
  /** The command a write runs: its schema (less the path parameters) is the request body. */
  command?: PlanCommandType;
  /** Path parameters that fill command fields. */
  fromPath?: Record<string, string>;
  query?: z.ZodType;
  /** Non-JSON request body (evidence upload). */
  rawBody?: { description: string };
  writes: boolean;
}

const action = { actionId: 'actionId' };

export const EventsQuery = z.object({
  fromRevision: z.coerce.number().int().min(0).default(0),
  maxCount: z.coerce.number().int().min(1).max(10_000).default(1_000),
});

export const EvidenceUploadQuery = z.object({
  name: z.string().trim().min(1, 'say what the file is called: ?name=report.pdf').max(500),
  reason: z.string().trim().max(5_000).optional(),
});

export const ROUTES: RouteSpec[] = [
  { method: 'get', path: '/health', summary: 'Is the ledger up', writes: false },
  { method: 'get', path: '/api/docs', summary: 'This OpenAPI document', writes: false },
  { method: 'get', path: '/plans', summary: 'List plans', writes: false },
  { method: 'post', path: '/plans', summary: 'Create a plan', command: 'CreatePlan', writes: true },
  {
    method: 'get',
    path: '/plans/:planId',
    summary: "A plan now (ETag = revision), or as at an instant: ?asAt=…&time=recorded|effective[&knownAt=…]; with each action's stored status and derived RAG",
    query: AsAtQuery,
    writes: false,
  },
  { method: 'get', path: '/plans/:planId/changes-since', summary: 'What changed between two instants: actions added, status, lead, target and RAG changes, with the events that caused them', query: ChangesSinceQuery, writes: false },
  { method: 'get', path: '/plans/:planId/retrospective-entries', summary: 'Entries effective earlier than they were recorded (back-dating), beyond a tolerance', query: RetrospectiveQuery, writes: false },
  { method: 'get', path: '/plans/:planId/rag-trend', summary: 'Counts of Green, Amber, Red and complete actions per interval', query: RagTrendQuery, writes: false },
  { method: 'get', path: '/plans/:planId/actions/:actionId/history', summary: "An action's full timeline in plain words", writes: false },
  { method: 'get', path: '/audit-log', summary: 'Who changed what, when and why: every event with a one-line summary; cursor-paginated; ?format=csv to export', query: AuditLogQuery, writes: false },
  { method: 'get', path: '/plans/:planId/events', summary: "The plan's raw event stream", query: EventsQuery, writes: false },
  { method: 'get', path: '/plans/:planId/integrity', summary: "Recompute the plan's hash chain and name the first broken revision", writes: false },
  { method: 'post', path: '/plans/:planId/workstreams', summary: 'Add a workstream', command: 'AddWorkstream', writes: true },
  { method: 'post', path: '/plans/:planId/recommendations', summary: 'Add a recommendation', command: 'AddRecommendation', writes: true },
  {
    method: 'post',
    path: '/plans/:planId/recommendations/:recommendationId/sign-off',
    summary: 'Sign off a recommendation',
    command: 'SignOffRecommendation',
    fromPath: { recommendationId: 'recommendationId' },
    writes: true,
  },
  { method: 'post', path: '/plans/:planId/actions', summary: 'Add an action', command: 'AddAction', writes: true },
  { method: 'post', path: '/plans/:planId/actions/:actionId/progress-updates', summary: 'Record a progress update', command: 'RecordProgressUpdate', fromPath: action, writes: true },
  { method: 'post', path: '/plans/:planId/actions/:actionId/status', summary: "Change an action's status", command: 'ChangeActionStatus', fromPath: action, writes: true },
  { method: 'post', path: '/plans/:planId/actions/:actionId/reassignments', summary: 'Reassign an action to new lead(s)', command: 'ReassignAction', fromPath: action, writes: true },
  { method: 'post', path: '/plans/:planId/actions/:actionId/target-slips', summary: "Move an action's target date", command: 'SlipTargetDate', fromPath: action, writes: true },
  { method: 'post', path: '/plans/:planId/actions/:actionId/rag-assessments', summary: 'Record a manual RAG assessment', command: 'AssessRag', fromPath: action, writes: true },
  {
    method: 'post',
    path: '/plans/:planId/actions/:actionId/evidence',
    summary: 'Attach an evidence file (the body is the file; Content-Type is its media type)',
    command: 'AttachEvidence',
    fromPath: action,
    query: EvidenceUploadQuery,
    rawBody: { description: 'The file itself' },
    writes: true,
  },
  { method: 'post', path: '/plans/:planId/actions/:actionId/completion', summary: 'Mark an action completed', command: 'CompleteAction', fromPath: action, writes: true },
  { method: 'post', path: '/plans/:planId/actions/:actionId/reopening', summary: 'Reopen a completed action', command: 'ReopenAction', fromPath: action, writes: true },
  { method: 'post', path: '/plans/:planId/audit-outcomes', summary: 'Record a QA audit outcome for an action or recommendation', command: 'RecordAuditOutcome', writes: true },
  { method: 'post', path: '/plans/:planId/corrections', summary: 'Correct a mistaken entry (amend or withdraw it); nothing is edited or deleted', command: 'CorrectEntry', writes: true },
  { method: 'get', path: '/evidence/:sha256', summary: 'Download an evidence file by its SHA-256', writes: false },
];

/** The request body schema for a command route: the command's fields less those the path supplies. */
export function bodySchemaOf(route: RouteSpec): z.ZodObject | undefined {
  if (!route.command || route.rawBody) return undefined;
  const schema = PlanCommandSchemas[route.command] as z.ZodObject;
  const omit = Object.fromEntries(Object.values(route.fromPath ?? {}).map((field) => [field, true as const]));
  return schema.omit(omit as never).strict();
}

export function routeSpec(method: RouteSpec['method'], path: string): RouteSpec {
  const route = ROUTES.find((r) => r.method === method && r.path === path);
  if (!route) throw new Error(`No route ${method.toUpperCase()} ${path} in the route table`);
  return route;
}
