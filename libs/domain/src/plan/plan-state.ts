import type { ActionStatus, AuditRating, RagRating, StartDate, StoredPlanEvent, SubmittedProposal } from './plan-events.js';
import type { Target } from '../targets/target.js';
import { dictionary, type Dictionary } from '../shared/dictionary.js';
import { initialUpdateTracking, type UpdateTracking } from './update-round-evolve.js';

/** Who recorded an entry and when: shown beside every note, assessment and audit. */
export interface EntryStamp {
  eventId: string;
  recordedAt: string;
  effectiveAt: string;
  actor: string;
}

export interface ProgressUpdate extends EntryStamp {
  narrative: string;
  asAt: string;
}

export interface RagAssessment extends EntryStamp {
  rating: RagRating;
  rationale: string;
}

export interface EvidenceItem extends EntryStamp {
  evidenceId: string;
  name: string;
  mediaType: string;
  size: number;
  sha256: string;
}

export interface AuditOutcome extends EntryStamp {
  auditId: string;
  subject: { kind: 'action'; actionId: string } | { kind: 'recommendation'; recommendationId: string };
  auditDate: string;
  auditor: string;
  rating: AuditRating;
  findings: string;
  followUpDue?: string;
}

export interface TargetChange extends EntryStamp {
  from: Target;
  to: Target;
  reason?: string;
}

export interface DataQualityWarning {
  code: 'TARGET_BEFORE_START' | 'NO_LEAD' | 'UNPARSED_TARGET';
  message: string;
}

export interface Action {
  id: string;
  ref: string;
  recommendationId?: string;
  workstreamId?: string;
  description: string;
  performanceIndicators?: string;
  leads: string[];
  priority?: string;
  start?: StartDate;
  target: Target;
  /** The target as first set, before any slip. */
  originalTarget: Target;
  dependencies: string[];
  status: ActionStatus;
  statusReason?: string;
  statusChangedAt?: string;
  completedOn?: string;
  targetChanges: TargetChange[];
  progress: ProgressUpdate[];
  ragAssessments: RagAssessment[];
  evidence: EvidenceItem[];
  audits: AuditOutcome[];
  warnings: DataQualityWarning[];
  addedAt: string;
}

export interface Recommendation {
  id: string;
  ref: string;
  text: string;
  source?: string;
  workstreamId?: string;
  actionIds: string[];
  signedOff?: { on: string; by: string; reason?: string; eventId: string };
  audits: AuditOutcome[];
}

export interface Workstream {
  id: string;
  number: string;
  title: string;
  phase?: string;
  strategicLead?: string;
  keyAim?: string;
}

export interface Correction extends EntryStamp {
  correctedEventId: string;
  correctedEventType: string;
  kind: 'amended' | 'withdrawn';
  amendments?: Record<string, unknown>;
  reason?: string;
}

/** An entry an operator voided because it could not be folded: skipped by every fold, kept in the stream. */
export interface VoidedEntry extends EntryStamp {
  voidedEventId: string;
  voidedEventType: string;
  voidedRevision: number;
  reason?: string;
}

/** Whether updates must be accepted before they count: the plan's setting, and work streams' own settings over it. */
export interface ApprovalSettings {
  plan: boolean;
  workstreams: Dictionary<boolean>;
}

export type SubmissionStatus = 'pending' | 'accepted' | 'rejected' | 'withdrawn';

/** An update submitted on a plan that requires approval, and what became of it. Replaced, never changed, by the fold. */
export interface Submission {
  submissionId: string;
  eventId: string;
  actionId: string;
  proposal: SubmittedProposal;
  submittedBy: { id: string; displayName: string };
  submittedAt: string;
  resubmits?: string;
  status: SubmissionStatus;
  /** Who accepted, rejected or withdrew it, when (recorded), and why. */
  resolution?: { by: { id: string; displayName: string }; at: string; reason?: string; eventId: string; appliedEventId?: string };
  /** The submission that replaced this one, once resubmitted. */
  resubmittedAs?: string;
}

export interface PlanState {
  exists: boolean;
  id: string;
  title: string;
  organisation: string;
  organisationId: string;
  respondsTo: string;
  period?: string;
  owner?: string;
  createdAt?: string;
  /** Revision of the last event folded in; -1 before any. */
  revision: number;
  lastRecordedAt?: string;
  /** Keyed by ids from outside: prototype-less (see dictionary.ts), read with `own`. */
  workstreams: Dictionary<Workstream>;
  recommendations: Dictionary<Recommendation>;
  actions: Dictionary<Action>;
  /** Insertion order, for display as the plan was written. */
  workstreamOrder: string[];
  recommendationOrder: string[];
  actionOrder: string[];
  corrections: Correction[];
  voided: VoidedEntry[];
  approval: ApprovalSettings;
  /** Every submission in the order submitted: pending ones are not part of the official record. */
  submissions: Submission[];
  /** The update window, the leads' contacts, update rounds and reminders (update-round-evolve.ts). */
  updates: UpdateTracking;
  /** Every event folded in, in revision order: the basis for re-applying corrections. */
  history: StoredPlanEvent[];
}

export function initialPlanState(): PlanState {
  return {
    exists: false,
    id: '',
    title: '',
    organisation: '',
    organisationId: '',
    respondsTo: '',
    revision: -1,
    workstreams: dictionary(),
    recommendations: dictionary(),
    actions: dictionary(),
    workstreamOrder: [],
    recommendationOrder: [],
    actionOrder: [],
    corrections: [],
    voided: [],
    approval: { plan: false, workstreams: dictionary() },
    submissions: [],
    updates: initialUpdateTracking(),
    history: [],
  };
}
