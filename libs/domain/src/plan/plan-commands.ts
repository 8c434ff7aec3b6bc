import { z } from 'zod';
import { text } from '../shared/text.js';
import { IsoDate, IsoInstant } from '../shared/dates.js';
import { ActionStatus, Amendments, AuditRating, AuditSubject, EvidenceFileFields, RagRating, ReminderDigestFields } from './plan-events.js';

/**
 * What a person asks the ledger to do to a plan. Validated with zod at every edge (HTTP, CLI, import)
 * before it reaches `decide`. The actor is never part of a command: it comes from the identity.
 */
const Id = text().trim().min(1).max(100);
const ShortText = text().trim().min(1, 'must not be empty').max(500);
const LongText = text().trim().min(1, 'must not be empty').max(20_000);
const Reason = text().trim().min(1, 'a reason is required').max(5_000);
const Leads = z.array(ShortText).max(50);
/**
 * The business date: when it happened in the world, if not now — a date (YYYY-MM-DD, the start of that day
 * UTC) or an instant. Every write that can be back-dated calls it this, and only this.
 */
const EffectiveAt = z.union([IsoDate, IsoInstant]).optional();

export const PlanCommandSchemas = {
  CreatePlan: z.object({
    planId: text().uuid().optional(),
    title: ShortText,
    organisation: ShortText,
    /** The tenant: set from the signed-in person's organisation, never from a request body. */
    organisationId: text().trim().min(1).max(100).optional(),
    respondsTo: ShortText,
    period: text().trim().max(200).optional(),
    owner: text().trim().max(500).optional(),
    /** When the plan was agreed, if not now (e.g. a plan dated June 2009 recorded today). */
    effectiveAt: EffectiveAt,
  }),
  AddWorkstream: z.object({
    number: text().trim().min(1).max(50),
    title: ShortText,
    phase: text().trim().max(500).optional(),
    strategicLead: text().trim().max(1_000).optional(),
    keyAim: text().trim().max(5_000).optional(),
    effectiveAt: EffectiveAt,
  }),
  AddRecommendation: z.object({
    ref: text().trim().min(1).max(50),
    text: LongText,
    source: text().trim().max(500).optional(),
    workstreamId: Id.optional(),
    effectiveAt: EffectiveAt,
  }),
  AddAction: z.object({
    ref: text().trim().min(1).max(50),
    recommendationId: Id.optional(),
    workstreamId: Id.optional(),
    description: LongText,
    performanceIndicators: text().trim().max(20_000).optional(),
    leads: Leads.default([]),
    priority: text().trim().max(100).optional(),
    /** As written: "May 2012". */
    startDate: text().trim().max(500).optional(),
    /** As written: "30 September 2012", "Quarterly", "Awaiting guidance". */
    target: text().trim().max(500).default(''),
    dependencies: z.array(text().trim().min(1).max(2_000)).max(50).default([]),
    effectiveAt: EffectiveAt,
  }),
  RecordProgressUpdate: z.object({
    actionId: Id,
    narrative: LongText,
    /** The date the update speaks for ("Progress as at 1.10.09"); defaults to today. */
    effectiveAt: EffectiveAt,
  }),
  ChangeActionStatus: z.object({
    actionId: Id,
    to: ActionStatus,
    reason: Reason,
    effectiveAt: EffectiveAt,
  }),
  ReassignAction: z.object({
    actionId: Id,
    to: z.array(ShortText).min(1, 'name at least one new lead').max(50),
    reason: Reason,
    effectiveAt: EffectiveAt,
  }),
  SlipTargetDate: z.object({
    actionId: Id,
    /** The new target as written: "31 December 2012". */
    to: text().trim().min(1, 'say what the new target is').max(500),
    reason: Reason,
    effectiveAt: EffectiveAt,
  }),
  AssessRag: z.object({
    actionId: Id,
    rating: RagRating,
    rationale: LongText,
    effectiveAt: EffectiveAt,
  }),
  AttachEvidence: z.object({
    actionId: Id,
    name: ShortText,
    ...EvidenceFileFields,
    reason: text().trim().max(5_000).optional(),
    effectiveAt: EffectiveAt,
  }),
  RecordAuditOutcome: z.object({
    subject: AuditSubject,
    /** The day of the audit; defaults to now. */
    effectiveAt: EffectiveAt,
    auditor: ShortText,
    rating: AuditRating,
    findings: LongText,
    followUpDue: IsoDate.optional(),
  }),
  CompleteAction: z.object({
    actionId: Id,
    /** The day it was completed; defaults to now. */
    effectiveAt: EffectiveAt,
    reason: text().trim().max(5_000).optional(),
  }),
  ReopenAction: z.object({
    actionId: Id,
    reason: Reason,
    to: ActionStatus.exclude(['completed']).default('in_progress'),
    effectiveAt: EffectiveAt,
  }),
  SignOffRecommendation: z.object({
    recommendationId: Id,
    /** The day it was signed off; defaults to now. */
    effectiveAt: EffectiveAt,
    reason: text().trim().max(5_000).optional(),
  }),
  CorrectEntry: z.object({
    eventId: Id,
    kind: z.enum(['amended', 'withdrawn']),
    amendments: Amendments.optional(),
    reason: Reason,
    /** When the correction took effect in the world (e.g. the day the mistake was found), if not now. */
    effectiveAt: EffectiveAt,
  }),
  SetApprovalRequirement: z.object({
    /** A work stream's own setting; without it, the plan's. */
    workstreamId: Id.optional(),
    required: z.boolean(),
    reason: text().trim().max(5_000).optional(),
    effectiveAt: EffectiveAt,
  }),
  AcceptUpdate: z.object({
    submissionId: Id,
    reason: text().trim().max(5_000).optional(),
    /** When the decision was made, if not now (a decision taken at a meeting and recorded later). */
    effectiveAt: EffectiveAt,
  }),
  RejectUpdate: z.object({
    submissionId: Id,
    reason: Reason,
    /** When the decision was made, if not now (a decision taken at a meeting and recorded later). */
    effectiveAt: EffectiveAt,
  }),
  WithdrawUpdate: z.object({
    submissionId: Id,
    reason: text().trim().max(5_000).optional(),
    /** When the decision was made, if not now (a decision taken at a meeting and recorded later). */
    effectiveAt: EffectiveAt,
  }),
  /** Submit a rejected or withdrawn update again, with the fields given here replacing the original's. */
  ResubmitUpdate: z.object({
    submissionId: Id,
    narrative: LongText.optional(),
    to: z.union([ActionStatus, z.array(ShortText).min(1).max(50), text().trim().min(1).max(500)]).optional(),
    reason: text().trim().max(5_000).optional(),
    effectiveAt: EffectiveAt,
  }),
  /** How many days ahead of a target date an action is due an update, on this plan (45 by default). */
  SetUpdateWindow: z.object({
    days: z.number().int().min(1, 'must be at least 1 day').max(366, 'must be at most 366 days'),
    reason: text().trim().max(5_000).optional(),
  }),
  /** Name the person who answers for a lead of the plan, and the address their reminders go to. */
  SetLeadContact: z.object({
    lead: ShortText,
    userId: text().trim().min(1).max(100).regex(/^[\w.@-]+$/, 'may hold letters, digits and . @ - _ only'),
    displayName: ShortText,
    email: text().trim().max(320).pipe(z.email('must be an email address')),
    reason: text().trim().max(5_000).optional(),
  }),
  /** Ask every lead with an action due an update for one, by `dueBy`. */
  OpenUpdateRound: z.object({
    title: ShortText,
    dueBy: IsoDate,
    reason: text().trim().max(5_000).optional(),
  }),
  /** Close a round, recording what was not received. */
  CloseUpdateRound: z.object({
    roundId: Id,
    reason: text().trim().max(5_000).optional(),
  }),
  /** The reminder run's record of a digest it delivered (not an HTTP command: the scheduler sends it). */
  RecordReminderSent: z.object(ReminderDigestFields),
  /** The reminder run's record of a digest the mail server refused or could not be reached for. */
  RecordReminderFailed: z.object({ ...ReminderDigestFields, error: text().max(2_000) }),
} as const;

export type PlanCommandType = keyof typeof PlanCommandSchemas;
export type PlanCommandInput<T extends PlanCommandType> = z.input<(typeof PlanCommandSchemas)[T]>;
export type PlanCommandData<T extends PlanCommandType> = z.output<(typeof PlanCommandSchemas)[T]>;
export type PlanCommand = { [T in PlanCommandType]: { type: T } & PlanCommandData<T> }[PlanCommandType];

export function parsePlanCommand<T extends PlanCommandType>(type: T, input: unknown): Extract<PlanCommand, { type: T }> {
  return { type, ...(PlanCommandSchemas[type].parse(input) as object) } as Extract<PlanCommand, { type: T }>;
}
