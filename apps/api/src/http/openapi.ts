import { z } from 'zod';
import { ROUTES, bodySchemaOf, type RouteSpec } from './route-table.js';
import * as Responses from './response-schemas.js';
import * as UpdateResponses from './update-request-schemas.js';

const Problem = {
  type: 'object',
  required: ['code', 'message', 'details', 'correlationId'],
  properties: {
    code: { type: 'string', example: 'VALIDATION_FAILED' },
    message: { type: 'string' },
    details: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, problem: { type: 'string' } } } },
    correlationId: { type: 'string' },
  },
};

const TAGS = [
  { name: 'Service', description: 'Health and this document' },
  { name: 'Access', description: 'Who you are, grants of access to plans, and the access log' },
  { name: 'Plans', description: 'Plans, their events and their integrity' },
  { name: 'Shaping', description: 'Workstreams, recommendations and actions' },
  { name: 'Recording', description: 'What happens to actions: progress, status, leads, targets, RAG, evidence, completion, audits, corrections' },
  { name: 'Approval', description: "Updates submitted on plans that require approval: the approver's queue, accepting, rejecting, withdrawing, resubmitting" },
  { name: 'Update requests', description: 'What each action owes and when, escalations, update rounds and the leads\' contacts for reminders' },
  { name: 'Time travel', description: 'A plan as at an instant, what changed, back-dated entries, RAG over time' },
  { name: 'Audit log', description: 'Who changed what, when and why' },
  { name: 'Evidence and bundles', description: 'Evidence files, signed bundles and tree heads for regulators' },
  { name: 'Import', description: 'Plans as councils hold them: Word tables, CSV, Excel' },
] as const;
type Tag = (typeof TAGS)[number]['name'];

type Success = { schema: z.ZodType } | { media: Record<string, Record<string, unknown>>; description: string };
const json = (schema: z.ZodType): Success => ({ schema });
const binary = (mediaType: string, description: string): Success => ({ media: { [mediaType]: { schema: { type: 'string', format: 'binary' } } }, description });

/**
 * Per route, by its key in the route table (which is also its operationId): its tag and what it answers on
 * success. A route the table gains without an entry here still gets a document entry and fails the route-table test.
 */
export const OPERATIONS = new Map<string, { tag: Tag; success: Success }>([
  ['getHealth', { tag: 'Service', success: json(Responses.Health) }],
  ['getOpenApiDocument', { tag: 'Service', success: { media: { 'application/json': { schema: { type: 'object' } } }, description: 'This OpenAPI 3.1 document' } }],
  ['getApiExplorer', { tag: 'Service', success: { media: { 'text/html': { schema: { type: 'string' } } }, description: 'The interactive API explorer (Swagger UI)' } }],
  ['getApiExplorerAsset', { tag: 'Service', success: { media: { 'text/css': { schema: { type: 'string' } }, 'text/javascript': { schema: { type: 'string' } } }, description: "One of the explorer's scripts or stylesheets" } }],
  ['getMe', { tag: 'Access', success: json(Responses.Me) }],
  ['listGrants', { tag: 'Access', success: json(Responses.Grants) }],
  ['createGrant', { tag: 'Access', success: json(Responses.GrantCreated) }],
  ['revokeGrant', { tag: 'Access', success: json(Responses.GrantRevoked) }],
  ['getAccessLog', { tag: 'Access', success: json(Responses.AccessLog) }],
  ['listPlans', { tag: 'Plans', success: json(Responses.PlanSummaryList) }],
  ['createPlan', { tag: 'Plans', success: json(Responses.WriteResult) }],
  ['importPlan', { tag: 'Import', success: json(Responses.ImportResultResponse) }],
  ['getPlan', { tag: 'Plans', success: json(Responses.PlanViewResponse) }],
  ['getChangesSince', { tag: 'Time travel', success: json(Responses.ChangesSince) }],
  ['listRetrospectiveEntries', { tag: 'Time travel', success: json(Responses.RetrospectiveEntries) }],
  ['getRagTrend', { tag: 'Time travel', success: json(Responses.RagTrend) }],
  ['getActionHistory', { tag: 'Time travel', success: json(Responses.ActionHistory) }],
  [
    'getAuditLog',
    {
      tag: 'Audit log',
      success: {
        media: {
          'application/json': { schema: z.toJSONSchema(Responses.AuditLogPage, { io: 'output', unrepresentable: 'any' }) },
          'text/csv': { schema: { type: 'string' }, example: 'Recorded at,Effective at,Actor,Type,Summary,Reason,Plan,Action,Revision,Event id,Correlation id\n' },
        },
        description: 'A page of the audit log (JSON), or every matching entry as CSV with ?format=csv',
      },
    },
  ],
  ['getPlanEvents', { tag: 'Plans', success: json(Responses.EventsPage) }],
  ['checkPlanIntegrity', { tag: 'Plans', success: json(Responses.Integrity) }],
  ['addWorkstream', { tag: 'Shaping', success: json(Responses.WriteResult) }],
  ['addRecommendation', { tag: 'Shaping', success: json(Responses.WriteResult) }],
  ['signOffRecommendation', { tag: 'Shaping', success: json(Responses.WriteResult) }],
  ['addAction', { tag: 'Shaping', success: json(Responses.WriteResult) }],
  ['recordProgressUpdate', { tag: 'Recording', success: json(Responses.WriteResult) }],
  ['changeActionStatus', { tag: 'Recording', success: json(Responses.WriteResult) }],
  ['reassignAction', { tag: 'Recording', success: json(Responses.WriteResult) }],
  ['slipTargetDate', { tag: 'Recording', success: json(Responses.WriteResult) }],
  ['assessRag', { tag: 'Recording', success: json(Responses.WriteResult) }],
  ['attachEvidence', { tag: 'Recording', success: json(Responses.WriteResult) }],
  ['completeAction', { tag: 'Recording', success: json(Responses.WriteResult) }],
  ['reopenAction', { tag: 'Recording', success: json(Responses.WriteResult) }],
  ['recordAuditOutcome', { tag: 'Recording', success: json(Responses.WriteResult) }],
  ['setApprovalRequirement', { tag: 'Approval', success: json(Responses.WriteResult) }],
  ['getApprovalQueue', { tag: 'Approval', success: json(Responses.SubmissionList) }],
  ['getMySubmissions', { tag: 'Approval', success: json(Responses.SubmissionList) }],
  ['acceptUpdate', { tag: 'Approval', success: json(Responses.WriteResult) }],
  ['rejectUpdate', { tag: 'Approval', success: json(Responses.WriteResult) }],
  ['withdrawUpdate', { tag: 'Approval', success: json(Responses.WriteResult) }],
  ['resubmitUpdate', { tag: 'Approval', success: json(Responses.WriteResult) }],
  ['correctEntry', { tag: 'Recording', success: json(Responses.WriteResult) }],
  ['downloadEvidence', { tag: 'Evidence and bundles', success: binary('application/octet-stream', 'The file, exactly as attached (Digest: sha-256=…)') }],
  ['getEvidenceBundle', { tag: 'Evidence and bundles', success: binary('application/zip', 'The signed evidence bundle (zip); headers X-Merkle-Root and X-Signing-Key-Fingerprint') }],
  ['getTreeHead', { tag: 'Evidence and bundles', success: json(Responses.TreeHead) }],
  ['listUpdateRequests', { tag: 'Update requests', success: json(UpdateResponses.UpdateRequestList) }],
  ['getPlanUpdateRequests', { tag: 'Update requests', success: json(UpdateResponses.UpdateRequestList) }],
  ['getPlanEscalations', { tag: 'Update requests', success: json(UpdateResponses.UpdateRequestList) }],
  ['setUpdateWindow', { tag: 'Update requests', success: json(Responses.WriteResult) }],
  ['setLeadContact', { tag: 'Update requests', success: json(Responses.WriteResult) }],
  ['listUpdateRounds', { tag: 'Update requests', success: json(UpdateResponses.UpdateRoundList) }],
  ['openUpdateRound', { tag: 'Update requests', success: json(Responses.WriteResult) }],
  ['getUpdateRound', { tag: 'Update requests', success: json(UpdateResponses.UpdateRoundResponse) }],
  ['closeUpdateRound', { tag: 'Update requests', success: json(Responses.WriteResult) }],
]);

const openApiPathOf = (route: RouteSpec) => route.path.replace(/:(\w+)/g, '{$1}');

/** OpenAPI 3.1, generated from the route table and the same zod schemas that validate requests and describe responses. */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const openApiPath = openApiPathOf(route);
    const operation = OPERATIONS.get(route.key);
    const parameters = [
      ...[...route.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
      ...(route.query
        ? Object.entries((z.toJSONSchema(route.query, { io: 'input' }) as { properties?: Record<string, { description?: string }>; required?: string[] }).properties ?? {}).map(
            ([name, schema]) => ({ name, in: 'query', required: false, ...(schema.description ? { description: schema.description } : {}), schema }),
          )
        : []),
      ...(route.writes
        ? [
            { name: 'If-Match', in: 'header', required: false, schema: { type: 'string' }, description: 'The ETag (revision) of the plan you read; 412 if it moved on' },
          ]
        : []),
      ...(route.key === 'getPlan'
        ? [
            { name: 'If-None-Match', in: 'header', required: false, schema: { type: 'string' }, description: 'The ETag of the present state you hold; 304 with no body while nothing it depends on has changed' },
            { name: 'Accept-Encoding', in: 'header', required: false, schema: { type: 'string' }, description: 'br or gzip: the response (from 1 KB) is sent compressed' },
          ]
        : []),
    ];
    const body = bodySchemaOf(route);
    const status = route.writes ? '201' : '200';
    paths[openApiPath] ??= {};
    paths[openApiPath][route.method] = {
      operationId: route.key,
      tags: [route.tag ?? operation?.tag ?? 'Plans'],
      summary: route.summary,
      ...(route.permission && route.permission !== 'public'
        ? { security: [{ bearer: [] }], description: route.permission === 'signed-in' ? 'Any signed-in person.' : `Needs the permission ${route.permission}.` }
        : { security: [], description: 'No sign-in needed.' }),
      parameters,
      ...(body ? { requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(body, { io: 'input', unrepresentable: 'any' }) } } } } : {}),
      ...(route.rawBody ? { requestBody: { required: true, description: route.rawBody.description, content: { '*/*': { schema: { type: 'string', format: 'binary' } } } } } : {}),
      ...(route.multipart ? { requestBody: multipartBody(route.multipart) } : {}),
      responses: {
        [status]: successResponse(operation?.success),
        // An import that appends nothing (a dry run, or a file the plan already says) answers 200.
        ...(route.multipart && operation ? { '200': { ...successResponse(operation.success), description: 'A dry run, or nothing to append' } } : {}),
        ...(route.key === 'getPlan' ? { '304': { description: 'Not modified: the If-None-Match ETag is still the present state (no ETag is given for a past instant)' } } : {}),
        '4XX': { description: 'The request cannot be accepted', content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Safeguarding evidence ledger',
      version: '0.1.0',
      description: 'Event-sourced ledger of action plans: every change is an immutable event. The interactive explorer is at /api/docs.',
      // No licence has been granted for this software yet; the document says so rather than claiming one.
      license: { name: 'All rights reserved (no licence granted)', url: 'https://choosealicense.com/no-permission/' },
      contact: { name: 'The ledger operator' },
    },
    servers: [{ url: '/', description: 'This ledger (the host serving this document)' }],
    tags: TAGS,
    paths,
    components: {
      schemas: { Problem },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A token from `ledger tokens issue`, or a JWT from the configured identity provider (OIDC / Entra ID).' },
      },
    },
  };
}

function successResponse(success: Success | undefined): Record<string, unknown> {
  if (!success) return { description: 'OK' };
  if ('media' in success) return { description: success.description, content: success.media };
  const schema = z.toJSONSchema(success.schema, { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
  const { $schema: _dialect, ...rest } = schema;
  return { description: String(rest.description ?? 'OK'), content: { 'application/json': { schema: rest } } };
}


/** A form with a file: the text fields from their zod schema, plus the file as binary. */
function multipartBody({ description, file, fields }: NonNullable<RouteSpec['multipart']>): Record<string, unknown> {
  const schema = z.toJSONSchema(fields, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, unknown>; required?: string[] };
  return {
    required: true,
    description,
    content: {
      'multipart/form-data': {
        schema: { type: 'object', required: [file, ...(schema.required ?? [])], properties: { [file]: { type: 'string', format: 'binary' }, ...schema.properties } },
      },
    },
  };
}
