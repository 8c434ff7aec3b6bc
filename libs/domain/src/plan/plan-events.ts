import { z } from 'zod';
import { text } from '../shared/text.js';
import { dictionary } from '../shared/dictionary.js';
import { Actor } from '../shared/actor.js';
import { IsoDate, IsoInstant } from '../shared/dates.js';
import { Target } from '../targets/target.js';

/**
 * Every fact the ledger records about a plan: one zod schema per event type, versioned.
 * Names are past tense. Data holds the fact; metadata (below) holds who, when and why.
 */

const Id = text().min(1).max(100);
const ShortText = text().trim().min(1).max(500);
const LongText = text().trim().min(1).max(20_000);

export const ActionStatus = z.enum(['not_started', 'in_progress', 'completed', 'blocked', 'awaiting_guidance', 'superseded']);
export type ActionStatus = z.infer<typeof ActionStatus>;

export const RagRating = z.enum(['green', 'amber', 'red']);
export type RagRating = z.infer<typeof RagRating>;

export const AuditRating = z.enum(['outstanding', 'good', 'requires_improvement', 'inadequate']);
export type AuditRating = z.infer<typeof AuditRating>;

/** What a QA audit looked at: one action, or a whole recommendation. */
export const AuditSubject = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('action'), actionId: Id }),
  z.object({ kind: z.literal('recommendation'), recommendationId: Id }),
]);
export type AuditSubject = z.infer<typeof AuditSubject>;

export const StartDate = z.object({
  /** As written: "May 2012", "18th June 2012". */
  text: text().max(500),
  /** First day it applies, if readable. */
  date: IsoDate.optional(),
});
export type StartDate = z.infer<typeof StartDate>;

/** Where an imported event came from: the file, sheet and rows a person can open and check. */
export const Provenance = z.object({
  fileName: text(),
  fileSha256: text().regex(/^[0-9a-f]{64}$/),
  sheet: text().optional(),
  rows: z.array(z.number().int().nonnegative()),
});
export type Provenance = z.infer<typeof Provenance>;

/** An evidence file as the ledger records it, whether asked to attach it (a command) or having attached it (an event). */
export const EvidenceFileFields = {
  mediaType: text().trim().min(3).max(200).regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a media type such as application/pdf'),
  size: z.number().int().nonnegative(),
  sha256: text().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
};

/** One reminder digest to one person: what the reminder run records (as a command) and the plan keeps (as an event). */
export const ReminderDigestFields = {
  reminderId: Id,
  userId: Id,
  email: text().trim().max(320).pipe(z.email()),
  /** The UTC day it counts for: at most one digest per person per day. */
  day: IsoDate,
  actionIds: z.array(Id).max(10_000),
};

/** Every name a plain object inherits, which no record keyed from outside may answer for. */
export const INHERITED_NAMES: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__']);

/**
 * The fields a correction replaces. Kept as an object without a prototype, because zod's record would turn an
 * own `__proto__` key (JSON.parse makes one) into the result's prototype and lose it. Names that objects inherit
 * (`constructor`, `toString`, `__proto__`…) are never fields of an entry, so they are refused here, in the
 * command and in the stored event alike; decide then refuses any key the corrected entry's type does not have.
 */
export const Amendments = z
  .custom<Record<string, unknown>>((value) => value !== null && typeof value === 'object' && !Array.isArray(value), 'must be an object of the fields to amend')
  .superRefine((value, ctx) => {
    for (const key of Object.keys(value)) {
      if (INHERITED_NAMES.has(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'is not a field of any entry' });
    }
  })
  .transform((value) => dictionary(Object.entries(value)));

/**
 * What an editor proposed on an action of a plan that requires approval: the command as it will be decided when
 * accepted, its effective time fixed when it was submitted (its own date, not the day it is accepted).
 */
const ProposalTiming = {
  actionId: Id,
  /** When the update is true in the world: as given, or the instant it was submitted. */
  effectiveAt: IsoInstant,
  reason: text().trim().max(5_000).optional(),
};
export const SubmittedProposal = z.discriminatedUnion('type', [
  z.object({ type: z.literal('RecordProgressUpdate'), ...ProposalTiming, narrative: LongText }),
  z.object({ type: z.literal('ChangeActionStatus'), ...ProposalTiming, to: ActionStatus }),
  z.object({ type: z.literal('ReassignAction'), ...ProposalTiming, to: z.array(ShortText).min(1).max(50) }),
  z.object({ type: z.literal('SlipTargetDate'), ...ProposalTiming, to: text().trim().min(1).max(500) }),
]);
export type SubmittedProposal = z.infer<typeof SubmittedProposal>;

/** Why an action is due an update (see update-requests.ts). */
export const UpdateRequestKind = z.enum(['cadence', 'target-window', 'overdue', 'audit-follow-up']);
export type UpdateRequestKind = z.infer<typeof UpdateRequestKind>;

/** One lead asked for one action's update in a round, and why. */
export const UpdateRoundRequest = z.object({
  actionId: Id,
  leads: z.array(ShortText).max(50),
  kind: UpdateRequestKind,
  /** The update's own due date, by the rules; the round's dueBy is when the round wants it. */
  dueOn: IsoDate,
  reason: text().max(2_000),
});
export type UpdateRoundRequest = z.infer<typeof UpdateRoundRequest>;

export const EventMetadata = z.object({
  schemaVersion: z.number().int().positive(),
  actor: Actor,
  /** When it was true in the world; absent means "when it was recorded". */
  effectiveAt: IsoInstant.optional(),
  reason: text().max(5_000).optional(),
  correlationId: text(),
  causationId: text().optional(),
  provenance: Provenance.optional(),
});
export type EventMetadata = z.infer<typeof EventMetadata>;

export const PlanEventSchemas = {
  PlanCreated: z.object({
    planId: Id,
    title: ShortText,
    /** The organisation's name as it should be shown. */
    organisation: ShortText,
    /** The tenant the plan belongs to: every read and write is scoped by it (since schema version 2). */
    organisationId: text().trim().min(1).max(100),
    /** What it answers: "Lord Laming 2009", "Ofsted inspection of safeguarding and looked after children, 2012". */
    respondsTo: ShortText,
    period: text().trim().max(200).optional(),
    owner: text().trim().max(500).optional(),
  }),
  WorkstreamAdded: z.object({
    workstreamId: Id,
    number: text().trim().min(1).max(50),
    title: ShortText,
    phase: text().trim().max(500).optional(),
    strategicLead: text().trim().max(1_000).optional(),
    keyAim: text().trim().max(5_000).optional(),
  }),
  RecommendationAdded: z.object({
    recommendationId: Id,
    /** As written: "4", "19(b)", "Key Del 2". */
    ref: text().trim().min(1).max(50),
    text: LongText,
    source: text().trim().max(500).optional(),
    workstreamId: Id.optional(),
  }),
  ActionAdded: z.object({
    actionId: Id,
    ref: text().trim().min(1).max(50),
    recommendationId: Id.optional(),
    workstreamId: Id.optional(),
    description: LongText,
    performanceIndicators: text().trim().max(20_000).optional(),
    leads: z.array(ShortText).max(50),
    priority: text().trim().max(100).optional(),
    start: StartDate.optional(),
    target: Target,
    /** As written: "Workstream 1 action 4.", or ids of other actions. */
    dependencies: z.array(text().trim().min(1).max(2_000)).max(50),
  }),
  ProgressUpdateRecorded: z.object({
    actionId: Id,
    narrative: LongText,
    /** The "as at" date of the update: the event is effective that day. */
    asAt: IsoDate,
  }),
  ActionStatusChanged: z.object({
    actionId: Id,
    from: ActionStatus,
    to: ActionStatus,
  }),
  ActionReassigned: z.object({
    actionId: Id,
    from: z.array(ShortText),
    to: z.array(ShortText).min(1).max(50),
  }),
  TargetDateSlipped: z.object({
    actionId: Id,
    from: Target,
    to: Target,
  }),
  RagAssessed: z.object({
    actionId: Id,
    rating: RagRating,
    rationale: LongText,
  }),
  EvidenceAttached: z.object({
    actionId: Id,
    evidenceId: Id,
    name: ShortText,
    ...EvidenceFileFields,
  }),
  AuditOutcomeRecorded: z.object({
    auditId: Id,
    subject: AuditSubject,
    auditDate: IsoDate,
    auditor: ShortText,
    rating: AuditRating,
    findings: LongText,
    followUpDue: IsoDate.optional(),
  }),
  ActionCompleted: z.object({
    actionId: Id,
    from: ActionStatus,
    completedOn: IsoDate,
  }),
  ActionReopened: z.object({
    actionId: Id,
    to: ActionStatus,
  }),
  RecommendationSignedOff: z.object({
    recommendationId: Id,
    signedOffOn: IsoDate,
  }),
  EntryCorrected: z.object({
    correctedEventId: Id,
    correctedEventType: text(),
    /** amended: the fields in `amendments` replace the original's; withdrawn: the entry was made in error. */
    kind: z.enum(['amended', 'withdrawn']),
    amendments: Amendments.optional(),
  }),
  /** Whether an editor's updates on the plan (no workstreamId) or on one work stream must be accepted before they count. */
  ApprovalRequirementSet: z.object({
    workstreamId: Id.optional(),
    required: z.boolean(),
  }),
  /** An update proposed on a plan that requires approval: not part of the official record until accepted. The submitter is the metadata's actor. */
  UpdateSubmitted: z.object({
    submissionId: Id,
    proposal: SubmittedProposal,
    /** The rejected or withdrawn submission this one replaces. */
    resubmits: Id.optional(),
  }),
  /** An approver accepted a submission: the entry it proposed is appended beside this, with the submission's own effective time. */
  UpdateAccepted: z.object({
    submissionId: Id,
    /** The entry that took effect. */
    appliedEventId: Id,
  }),
  /** An approver rejected a submission; the reason (required) is in the metadata. It never counts. */
  UpdateRejected: z.object({
    submissionId: Id,
  }),
  /** The submitter took a pending submission back. */
  UpdateWithdrawn: z.object({
    submissionId: Id,
  }),
  /** How many days ahead of a target date its action is due an update (45 by default; see docs/rag-rules.md, "When an update is due"). */
  UpdateWindowSet: z.object({
    days: z.number().int().min(1).max(366),
  }),
  /** Who answers for a lead named in the plan ("Head of Service, Safeguarding"), and where their reminders go. */
  LeadContactSet: z.object({
    lead: ShortText,
    userId: Id,
    displayName: ShortText,
    email: text().trim().max(320).pipe(z.email()),
  }),
  /** A plan manager asked every lead with an action due an update for one, by a date: who was asked for what, and why. */
  UpdateRoundOpened: z.object({
    roundId: Id,
    title: ShortText,
    dueBy: IsoDate,
    requests: z.array(UpdateRoundRequest).max(10_000),
  }),
  /** The round closed: the requested actions with no accepted or submitted update since it opened. */
  UpdateRoundClosed: z.object({
    roundId: Id,
    received: z.array(Id).max(10_000),
    missing: z.array(UpdateRoundRequest).max(10_000),
  }),
  /** A reminder digest was handed to the mail server for one person; one event in each plan the digest covered. */
  ReminderSent: z.object(ReminderDigestFields),
  /** A reminder digest could not be delivered; it is tried again at the next run. */
  ReminderFailed: z.object({ ...ReminderDigestFields, error: text().max(2_000) }),
  /**
   * The repair of a stored entry that cannot be read or folded (see docs/operations.md, "Quarantined plans"):
   * every fold skips the voided entry, which stays in the stream untouched. Recorded by an operator with a
   * reason (in the metadata); the voided entry's type and revision are kept here as they were stored.
   */
  EventVoided: z.object({
    voidedEventId: Id,
    voidedEventType: text().max(200),
    voidedRevision: z.number().int().nonnegative(),
  }),
} as const;

export type PlanEventType = keyof typeof PlanEventSchemas;
export const PLAN_EVENT_TYPES = Object.keys(PlanEventSchemas) as PlanEventType[];

/** The current schema version of each event type. Bump it and add an upcaster when a shape changes. */
export const CURRENT_SCHEMA_VERSION: Record<PlanEventType, number> = {
  ...(Object.fromEntries(PLAN_EVENT_TYPES.map((type) => [type, 1])) as Record<PlanEventType, number>),
  PlanCreated: 2,
};

/** A stable tenant id from an organisation's name: "Central Bedfordshire Council" → "central-bedfordshire-council". */
export function organisationIdFromName(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/&/g, ' and ')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 100) || 'organisation'
  );
}

export type PlanEventData<T extends PlanEventType> = z.infer<(typeof PlanEventSchemas)[T]>;

/** A plan event as the domain speaks of it: type and data, discriminated. */
export type PlanEventPayload = { [T in PlanEventType]: { type: T; data: PlanEventData<T> } }[PlanEventType];

/** What `decide` returns: the fact plus its own effective time and reason (the rest of the metadata is the edge's). */
export type NewPlanEvent = PlanEventPayload & {
  eventId: string;
  effectiveAt?: string;
  reason?: string;
};

/** A plan event as read back from the store. */
export type StoredPlanEvent = PlanEventPayload & {
  eventId: string;
  revision: number;
  recordedAt: string;
  metadata: EventMetadata;
};

/** When a stored event was true in the world. */
export function effectiveAtOf(event: Pick<StoredPlanEvent, 'recordedAt' | 'metadata'>): string {
  return event.metadata.effectiveAt ?? event.recordedAt;
}

export function isPlanEventType(type: string): type is PlanEventType {
  return Object.prototype.hasOwnProperty.call(PlanEventSchemas, type);
}

/** Validate one event's data against its schema; throws a zod error naming the path. */
export function parsePlanEventData<T extends PlanEventType>(type: T, data: unknown): PlanEventData<T> {
  return PlanEventSchemas[type].parse(data) as PlanEventData<T>;
}
