import { z } from 'zod';
import { ActionStatus, Actor, AuditRating, AuditSubject, EventMetadata, EvidenceFileFields, PLAN_EVENT_TYPES, RagRating, StartDate, Target } from '#domain';
import { SignedTreeHeadSchema } from '#evidence';

/**
 * What the API answers, as zod schemas: the OpenAPI document's success responses are generated from these,
 * from the same domain schemas (statuses, ratings, targets, metadata) the requests and events use, and the
 * end-to-end tests parse real responses with them, so the document cannot drift from what the server sends.
 * Objects are loose (extra fields allowed): a client must ignore fields it does not know.
 */
const Instant = z.string().describe('An ISO-8601 instant (UTC)');
const Day = z.string().describe('A calendar date, YYYY-MM-DD');
const EventType = z.enum(PLAN_EVENT_TYPES as [string, ...string[]]);

const EntryStamp = { eventId: z.string(), recordedAt: Instant, effectiveAt: Instant, actor: z.string().describe("Who recorded it (display name)") };

const Warning = z.looseObject({ code: z.string(), message: z.string(), eventId: z.string().optional(), actionId: z.string().optional(), ref: z.string().optional() });

const AuditOutcomeView = z.looseObject({ ...EntryStamp, auditId: z.string(), subject: AuditSubject, auditDate: Day, auditor: z.string(), rating: AuditRating, findings: z.string(), followUpDue: Day.optional() });

const ProgressNote = z.looseObject({ ...EntryStamp, narrative: z.string(), asAt: Day.describe('The day the note speaks for (its effectiveAt, as a date)') });

const RagAssessmentView = z.looseObject({ ...EntryStamp, rating: RagRating, rationale: z.string() });

export const ActionView = z.looseObject({
  id: z.string(),
  ref: z.string(),
  recommendationId: z.string().optional(),
  workstreamId: z.string().optional(),
  description: z.string(),
  performanceIndicators: z.string().optional(),
  leads: z.array(z.string()),
  priority: z.string().optional(),
  start: StartDate.optional(),
  target: Target,
  originalTarget: Target,
  dependencies: z.array(z.string()),
  status: ActionStatus,
  statusReason: z.string().optional(),
  statusChangedAt: Instant.optional(),
  completedOn: Day.optional(),
  targetChanges: z.array(z.looseObject({ ...EntryStamp, from: Target, to: Target, reason: z.string().optional() })),
  progress: z.array(ProgressNote),
  ragAssessments: z.array(RagAssessmentView),
  evidence: z.array(z.looseObject({ ...EntryStamp, evidenceId: z.string(), name: z.string(), ...EvidenceFileFields })),
  audits: z.array(AuditOutcomeView),
  warnings: z.array(Warning),
  addedAt: Instant,
});

/** An action in the compact plan view: every field but its progress notes and assessments, with the latest of each, their counts and where they all are. */
export const CompactActionView = ActionView.omit({ progress: true, ragAssessments: true }).extend({
  latestProgress: ProgressNote.nullable().describe('The latest note by its "as at" date (of two on one date, the later recorded), or null'),
  progressCount: z.number().int(),
  latestRagAssessment: RagAssessmentView.nullable().describe('The declared assessment taking effect last (of two at one instant, the later recorded), or null'),
  ragAssessmentCount: z.number().int(),
  history: z.string().describe("The action's own resource: GET it for every note and entry (/plans/{planId}/actions/{actionId}/history)"),
});

export const PlanViewResponse = z.looseObject({
  id: z.string(),
  title: z.string(),
  organisation: z.string(),
  respondsTo: z.string(),
  period: z.string().optional(),
  owner: z.string().optional(),
  createdAt: Instant.optional(),
  revision: z.number().int(),
  lastRecordedAt: Instant.optional(),
  workstreams: z.array(z.looseObject({ id: z.string(), number: z.string(), title: z.string(), phase: z.string().optional(), strategicLead: z.string().optional(), keyAim: z.string().optional() })),
  recommendations: z.array(
    z.looseObject({
      id: z.string(),
      ref: z.string(),
      text: z.string(),
      source: z.string().optional(),
      workstreamId: z.string().optional(),
      actionIds: z.array(z.string()),
      signedOff: z.looseObject({ on: Day, by: z.string(), reason: z.string().optional(), eventId: z.string() }).optional(),
      audits: z.array(AuditOutcomeView),
    }),
  ),
  actions: z
    .array(z.union([CompactActionView, ActionView]))
    .describe('In the compact view (the default) each action has its latest progress note and assessment, how many there are and its history link; with ?view=full, every one'),
  warnings: z.array(Warning),
  corrections: z.array(z.looseObject({ ...EntryStamp, correctedEventId: z.string(), correctedEventType: z.string(), kind: z.enum(['amended', 'withdrawn']), reason: z.string().optional() })),
  asAt: z.looseObject({ asAt: Instant, time: z.enum(['recorded', 'effective']), knownAt: Instant.optional() }).nullable().describe('The instant read, or null for the plan now'),
  rag: z.looseObject({}).describe("Derived RAG of every action with its rule and reasons, and the roll-ups (docs/rag-rules.md)"),
});

export const PlanSummaryList = z.array(
  z.looseObject({
    id: z.string(),
    title: z.string(),
    organisation: z.string(),
    respondsTo: z.string(),
    period: z.string().optional(),
    revision: z.number().int(),
    actions: z.number().int(),
    recommendations: z.number().int(),
    lastRecordedAt: Instant.optional(),
  }),
);

export const WriteResult = z.looseObject({
  planId: z.string(),
  revision: z.number().int().describe('The plan\'s revision after the write: send it back as If-Match'),
  events: z.array(z.looseObject({ eventId: z.string(), type: EventType, data: z.looseObject({}) })),
  warnings: z.array(Warning).describe('Data-quality warnings on the actions touched, and EFFECTIVE_BEFORE_PLAN for an entry dated before the plan began'),
});

export const RecordedEventJson = z.looseObject({
  streamId: z.string(),
  revision: z.number().int(),
  position: z.number().int(),
  eventId: z.string(),
  type: EventType,
  data: z.looseObject({}),
  metadata: EventMetadata.loose(),
  recordedAt: Instant,
  previousHash: z.string(),
  hash: z.string(),
});

export const EventsPage = z.looseObject({ planId: z.string(), events: z.array(RecordedEventJson) });

export const Integrity = z.looseObject({
  planId: z.string(),
  streamId: z.string(),
  ok: z.boolean(),
  length: z.number().int(),
  head: z.string().optional(),
  brokenAtRevision: z.number().int().optional(),
  problem: z.string().optional(),
});

const AuditLogEntry = z.looseObject({
  position: z.number().int(),
  planId: z.string(),
  eventId: z.string(),
  revision: z.number().int(),
  type: z.string(),
  actor: z.looseObject({ id: z.string(), displayName: z.string() }),
  recordedAt: Instant,
  effectiveAt: Instant,
  actionId: z.string().nullable().optional(),
  summary: z.string(),
  reason: z.string().nullable().optional(),
  correlationId: z.string().nullable().optional(),
});
export const AuditLogPage = z.looseObject({ entries: z.array(AuditLogEntry), nextCursor: z.string().optional() });

const ChangeCause = z.looseObject({ eventId: z.string(), type: z.string(), summary: z.string(), actor: z.string(), recordedAt: Instant, effectiveAt: Instant });
export const ChangesSince = z.looseObject({}).describe('Actions added; status, lead, target and RAG changes between the two instants, each with the events that caused it (causes: ' + JSON.stringify(Object.keys(ChangeCause.shape)) + ')');

export const RetrospectiveEntries = z.looseObject({
  planId: z.string(),
  toleranceHours: z.number(),
  entries: z.array(z.looseObject({ eventId: z.string(), revision: z.number().int(), type: z.string(), summary: z.string(), actor: Actor, recordedAt: Instant, effectiveAt: Instant, daysBackDated: z.number().int(), reason: z.string().nullable() })),
});

export const RagTrend = z.looseObject({
  planId: z.string(),
  interval: z.string(),
  time: z.enum(['recorded', 'effective']),
  rulesVersion: z.string(),
  points: z.array(z.looseObject({ at: Instant })),
});

export const ActionHistory = z.looseObject({
  planId: z.string(),
  actionId: z.string(),
  ref: z.string(),
  description: z.string(),
  timeline: z.array(z.looseObject({ at: Instant, recordedAt: Instant, actor: z.string(), type: z.string(), summary: z.string(), reason: z.string().nullable().optional(), eventId: z.string() })),
});

export const ImportResultResponse = z.looseObject({
  dryRun: z.boolean(),
  planId: z.string(),
  title: z.string(),
  fileName: z.string(),
  fileSha256: z.string(),
  sheet: z.string().optional(),
  correlationId: z.string(),
  counts: z.looseObject({ workstreams: z.number().int(), recommendations: z.number().int(), actions: z.number().int(), leads: z.number().int(), progressNotes: z.number().int() }),
  changes: z.looseObject({ events: z.number().int(), byType: z.record(z.string(), z.number().int()) }),
  problems: z.array(z.looseObject({ code: z.string(), severity: z.string(), message: z.string(), rows: z.array(z.number().int()) })),
  revision: z.number().int().optional(),
});

export const Health = z.object({
  status: z.literal('ok'),
  witnesses: z.object({
    configured: z.number().int(),
    ok: z.boolean(),
    pending: z.number().int(),
    unreachable: z.array(z.string()),
    alarms: z.array(z.object({ witness: z.string(), origin: z.string(), planId: z.string(), status: z.number().int(), detail: z.string(), at: Instant })),
  }),
});
export const TreeHead = SignedTreeHeadSchema;
export const Me = z.looseObject({ userId: z.string(), displayName: z.string(), organisationId: z.string(), role: z.string(), signedInWith: z.string(), mayDo: z.array(z.string()), grants: z.array(z.looseObject({})), canSee: z.array(z.looseObject({ organisationId: z.string(), planId: z.string().optional() })) });
export const Grants = z.looseObject({ organisationId: z.string(), grants: z.array(z.looseObject({ grantId: z.string(), role: z.string(), organisationId: z.string(), live: z.boolean() })) });
export const GrantCreated = z.looseObject({ grantId: z.string() });
export const GrantRevoked = z.looseObject({ grantId: z.string(), revoked: z.literal(true) });
export const AccessLog = z.looseObject({ organisationId: z.string(), entries: z.array(z.looseObject({ revision: z.number().int(), recordedAt: Instant, planId: z.string(), view: z.string() })) });
/** Submitted updates (the approver's queue, or one's own), oldest first, each with the action it is about. */
export const SubmissionList = z.looseObject({
  planId: z.string(),
  submissions: z.array(
    z.looseObject({
      submissionId: z.string(),
      status: z.enum(['pending', 'accepted', 'rejected', 'withdrawn']),
      submittedAt: Instant,
      submittedBy: z.looseObject({ id: z.string(), displayName: z.string() }),
      proposal: z.looseObject({ type: z.string(), actionId: z.string(), effectiveAt: Instant }),
      action: z.looseObject({ actionId: z.string(), ref: z.string(), description: z.string(), leads: z.array(z.string()), status: z.string(), target: z.string() }).nullable(),
    }),
  ),
});
