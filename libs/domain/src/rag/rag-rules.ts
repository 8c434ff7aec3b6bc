import { z } from 'zod';
import type { ActionStatus, RagRating } from '../plan/plan-events.js';
import type { Action, ProgressUpdate, RagAssessment, TargetChange } from '../plan/plan-state.js';
import { formatUkDate } from '../shared/dates.js';
import { DomainError } from '../shared/domain-error.js';
import { Cadence, type Target } from '../targets/target.js';
import { addCadence, cadenceMs, cadencesBefore, daysFromTo, describeCadence, instantMs, instantMsOf, nextCadence, readAsAt, stringMemo, type AsAtInstant } from './rag-calendar.js';

const DAY_MS = 86_400_000;

/**
 * The RAG rules: what colour an action is at an instant, and why, in words an inspector reads.
 *
 * A council's RAG key is a judgement written in a sentence ("Amber: in progress but with slippage
 * or issues needing to be overcome"); these rules turn that sentence into checks on the ledger's
 * facts, so that every rating can be traced to a named rule, a version of the rules and the dates
 * it compared. They are versioned because a rating shown to Ofsted must be reproducible: the same
 * action, instant and rules version always give the same answer, and a change of rules is a new
 * version, never a silent re-colouring of history.
 *
 * Pure: the instant is an argument; nothing here reads the clock or does I/O. docs/rag-rules.md
 * explains each rule for inspectors and must be kept in step with RAG_RULES below.
 */

// ---------------------------------------------------------------------------------------------
// Ratings and rule ids

/**
 * What the ledger derives. Beyond the council's three colours, an action can be `awaiting`
 * (waiting for something outside the council's control, such as national guidance), `superseded`
 * (replaced by other actions) or `no_target` (nothing to measure it against): each is shown as
 * itself rather than silently counted as Green.
 */
export const ACTION_RAG_RATINGS = ['green', 'amber', 'red', 'awaiting', 'superseded', 'no_target'] as const;
export type ActionRagRating = (typeof ACTION_RAG_RATINGS)[number];

/** Every rule, in the order they are tried: the first that applies decides the rating. */
export const RAG_RULE_IDS = [
  'SUPERSEDED',
  'COMPLETED',
  'BLOCKED',
  'AWAITING',
  'NOT_STARTED_AFTER_START',
  'OVERDUE',
  'NOT_YET_DUE_TO_START',
  'RECURRING_TWO_LATE',
  'RECURRING_ONE_LATE',
  'SLIPPED',
  'DUE_SOON',
  'RECURRING_ON_CADENCE',
  'ON_TARGET',
  'NO_TARGET',
] as const;
export type RagRuleId = (typeof RAG_RULE_IDS)[number];

export interface RagRuleDescription {
  id: RagRuleId;
  rating: ActionRagRating;
  /** When the rule applies, in plain English. */
  when: string;
}

/** The rule table as documented (docs/rag-rules.md), in precedence order: for screens and docs. */
export const RAG_RULES: readonly RagRuleDescription[] = [
  { id: 'SUPERSEDED', rating: 'superseded', when: 'The action was marked superseded: replaced by other actions, not delivered as written.' },
  { id: 'COMPLETED', rating: 'green', when: 'The action is completed (on or before the date of the view), or the plan wrote "Completed" in its target column and nothing has been recorded since.' },
  { id: 'BLOCKED', rating: 'red', when: 'The action is marked blocked.' },
  { id: 'AWAITING', rating: 'awaiting', when: 'The action is marked awaiting guidance, or its target waits for something outside the council ("Awaiting guidance", "Once guidance published").' },
  { id: 'NOT_STARTED_AFTER_START', rating: 'red', when: 'The action is not started, no progress update has been recorded, and its start date has passed.' },
  { id: 'OVERDUE', rating: 'red', when: 'The target date has passed and the action is not complete (for a commitment that runs "until" a date, that date has passed).' },
  { id: 'NOT_YET_DUE_TO_START', rating: 'green', when: 'The action is not started, no progress update has been recorded, and its start date has not yet come.' },
  { id: 'RECURRING_TWO_LATE', rating: 'red', when: 'A recurring or ongoing action has had no progress update for two or more of its cadences.' },
  { id: 'RECURRING_ONE_LATE', rating: 'amber', when: 'A recurring or ongoing action is one cadence late with its progress update.' },
  { id: 'SLIPPED', rating: 'amber', when: 'The target has been moved at least once and the action is not complete.' },
  { id: 'DUE_SOON', rating: 'amber', when: 'The target date falls within the next dueSoonDays days (today included) and the action is not complete.' },
  { id: 'RECURRING_ON_CADENCE', rating: 'green', when: 'A recurring or ongoing action is up to date: its latest progress update is within its cadence, or its first occurrence is not yet due.' },
  { id: 'ON_TARGET', rating: 'green', when: 'The action is under way (or not started with no start date) and its target date is more than dueSoonDays days away.' },
  { id: 'NO_TARGET', rating: 'no_target', when: 'None of the above: the target gives no date to rate against ("To be advised", an empty cell, words that could not be read).' },
];

// ---------------------------------------------------------------------------------------------
// The rule set: versioned, configurable, validated

export interface RagRuleSet {
  /** Stamped on every result, so a rating can be reproduced: change it whenever a rule or setting changes. */
  version: string;
  /** An action due within this many days (today included) and not complete is Amber: DUE_SOON. */
  dueSoonDays: number;
  /** How often an "Ongoing" action with no cadence written is expected to report progress. */
  ongoingReviewCadence: Cadence;
  /** The council's RAG key, as printed on the plan: shown beside ratings. */
  key: { green: string; amber: string; red: string };
}

export const ragRulesSchema = z
  .object({
    version: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .regex(/^[\w.+=:-]+$/, 'must be letters, digits and . + = : - _ only'),
    dueSoonDays: z.number().int('must be a whole number of days').min(0).max(365),
    ongoingReviewCadence: Cadence,
    key: z.object({ green: z.string().min(1), amber: z.string().min(1), red: z.string().min(1) }),
  })
  .strict() satisfies z.ZodType<RagRuleSet>;

/**
 * The rules from the Central Bedfordshire Council post-inspection action plan 2012-13 key:
 * Green = On Target or Completed; Amber = In Progress but with slippage or issues needing to be
 * overcome; Red = Incomplete or not started. The plan gives no window for "due soon" or a review
 * cadence for "Ongoing": 14 days (a fortnight, the gap between management team meetings) and
 * quarterly (the cadence the plans themselves use most for monitoring) are ours.
 */
export const DEFAULT_RAG_RULES: RagRuleSet = Object.freeze({
  version: 'cbc-2012.1',
  dueSoonDays: 14,
  ongoingReviewCadence: Object.freeze({ every: 3, unit: 'month', label: 'Quarterly' }) as Cadence,
  key: Object.freeze({
    green: 'On Target or Completed',
    amber: 'In Progress but with slippage or issues needing to be overcome',
    red: 'Incomplete or not started',
  }),
}) as RagRuleSet;

const WholeDays = z
  .union([z.number(), z.string().trim().regex(/^\d+$/, 'must be a whole number of days').transform(Number)])
  .pipe(z.number().int('must be a whole number of days').min(0).max(365));

/** What a deployment may change: every field optional; dueSoonDays may come as a string (from the environment). */
export const ragRulesOverrideSchema = z
  .object({
    version: ragRulesSchema.shape.version.optional(),
    dueSoonDays: WholeDays.optional(),
    ongoingReviewCadence: Cadence.optional(),
    key: ragRulesSchema.shape.key.optional(),
  })
  .strict();
export type RagRulesOverride = z.input<typeof ragRulesOverrideSchema>;

/**
 * The rule set a deployment runs: `base` with validated overrides (e.g. `{ dueSoonDays: env.RAG_DUE_SOON_DAYS }`).
 * A changed setting without a new version gets a derived one ("cbc-2012.1+dueSoonDays=21"), so results
 * under different settings never carry the same version. Throws VALIDATION_FAILED naming the setting.
 */
export function configureRagRules(override: unknown, base: RagRuleSet = DEFAULT_RAG_RULES): RagRuleSet {
  const parsed = ragRulesOverrideSchema.safeParse(override ?? {});
  if (!parsed.success) {
    throw new DomainError(
      'VALIDATION_FAILED',
      'The RAG rule settings are not valid',
      parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(settings)', problem: issue.message })),
    );
  }
  const given = parsed.data;
  const changes: string[] = [];
  if (given.dueSoonDays !== undefined && given.dueSoonDays !== base.dueSoonDays) changes.push(`dueSoonDays=${given.dueSoonDays}`);
  const cadence = given.ongoingReviewCadence;
  if (cadence && (cadence.every !== base.ongoingReviewCadence.every || cadence.unit !== base.ongoingReviewCadence.unit)) {
    changes.push(`ongoingReviewCadence=${cadence.every}${cadence.unit}`);
  }
  const version = given.version ?? (changes.length > 0 ? `${base.version}+${changes.join('+')}` : base.version);
  return ragRulesSchema.parse({
    version,
    dueSoonDays: given.dueSoonDays ?? base.dueSoonDays,
    ongoingReviewCadence: given.ongoingReviewCadence ?? base.ongoingReviewCadence,
    key: given.key ?? base.key,
  });
}

// ---------------------------------------------------------------------------------------------
// The result

export interface DeclaredRag {
  rating: RagRating;
  rationale: string;
  /** Who made the assessment. */
  by: string;
  /** When it took effect (ISO instant). */
  at: string;
}

export interface RagDiscrepancy {
  declared: RagRating;
  derived: RagRating;
  message: string;
}

export interface ActionRag {
  actionId: string;
  ref: string;
  rating: ActionRagRating;
  /** The rule that decided the rating: see RAG_RULES. */
  ruleId: RagRuleId;
  /** Why, in plain English with UK dates; the deciding fact first. */
  reasons: string[];
  rulesVersion: string;
  /** Complete at the instant (counts towards "completed in full"). */
  completed: boolean;
  /** The status the rules read (a completion dated after the instant reads as in progress). */
  status: ActionStatus;
  /** The date the rating was measured against: the target, or a recurring action's next expected update. */
  dueBy?: string;
  /** The latest manual RAG assessment effective at or before the instant. */
  declared?: DeclaredRag;
  /** Set when the declared rating is better than the derived one (Green declared, Amber or Red derived; Amber declared, Red derived). */
  discrepancy?: RagDiscrepancy;
}
// ---------------------------------------------------------------------------------------------
// Deriving
//
// Rating a plan at an instant nothing has been derived for yet is what an as-at read, the plan page as at a
// past date and the RAG trend do, so each action costs a few microseconds: the instant is read once per plan
// (not once per action), the latest progress update and the slips and assessments in effect are found in one
// pass each over what the action holds (instants parsed once per string), the cadence arithmetic runs on
// numbers (cadencesBefore), and the words (target as written, UK dates, Word's HTML made plain) are
// remembered per string. Every memo here is keyed on a string or on an object that is never changed once
// made (a stored event's cadence), and answers what the function it remembers answers: the rules stay pure,
// and rag-equivalence.unit.spec.ts checks them against a frozen copy of the rules as they were.

/** What the rules read about one action at one instant; built once, then every rule looks at it. */
interface Facts {
  readonly action: Action;
  readonly asAt: AsAtInstant;
  readonly rules: RagRuleSet;
  /** False when only the rating is wanted (the RAG trend's counts): the reasons are left empty. */
  readonly words: boolean;
  readonly status: ActionStatus;
  /** Set when the ledger holds a completion dated after the instant. */
  readonly completedLater: string | undefined;
  readonly target: Target;
  readonly start: string | undefined;
  /**
   * The latest progress update as at the instant (of two with the same "as at", the later recorded), only when the
   * rating reads it (readsLatestUpdate).
   */
  readonly latestUpdate: ProgressUpdate | undefined;
  /** The earliest "as at" of a progress update after the instant's date, found in the same pass (where the latest can turn). */
  readonly nextUpdateAsAt: string | undefined;
  /** Target changes effective at the instant or before, in the order recorded. */
  readonly slips: readonly TargetChange[];
  /** Not "not started": the status says so, or a progress update is on record. */
  readonly started: boolean;
  readonly schedule: Schedule | undefined;
  /** The action's entries worked out once (from its second rating on). */
  readonly memo: EntriesMemo['built'];
  /**
   * Set while a kept rating's words are written with the day count as a hole (keptActionRagAt): where the count
   * went. Always present (undefined otherwise), so that every Facts object has one shape for the rules to read.
   */
  hole: HoleSlot | undefined;
}

/** A recurring or ongoing action's timetable, counted from the latest evidence. */
interface Schedule {
  readonly cadence: Cadence;
  /** True when the target gave no cadence and the rule set's ongoingReviewCadence is used. */
  readonly defaultCadence: boolean;
  /** The first occurrence's due date, when the target gives one ("First audit by June 2009. Thereafter …"). */
  readonly firstDue?: string;
  /** When the commitment ends ("Monthly throughout 2009/10"). */
  readonly endsOn?: string;
  /** The next update expected after the latest evidence. */
  readonly next: string;
  /** Where `next` was counted from, for the reason. */
  readonly countedFrom: { kind: 'update' | 'start' | 'added'; on: string } | { kind: 'first-due' };
  /** How many expected updates before the instant have no update after them (0, 1, 2, …; capped). */
  readonly missed: number;
}

interface Outcome {
  reasons: string[];
  dueBy?: string;
  completed?: boolean;
}

interface Rule {
  readonly id: RagRuleId;
  apply(facts: Facts): Outcome | undefined;
}

/** The reasons of a rating nobody reads (a trend counts ratings only): never changed, shared. */
const NO_REASONS: string[] = [];
Object.freeze(NO_REASONS);

const RULES: readonly Rule[] = [
  {
    id: 'SUPERSEDED',
    apply: (f) => (f.status === 'superseded' ? { reasons: f.words ? [statusSentence('Superseded', f.action)] : NO_REASONS } : undefined),
  },
  {
    id: 'COMPLETED',
    apply: (f) => {
      if (f.status === 'completed') {
        if (!f.words) return { reasons: NO_REASONS, completed: true };
        const on = f.action.completedOn;
        const reasons = [on ? `Completed on ${ukDate(on)}.` : 'Completed.'];
        if (on && f.target.due && on > f.target.due) reasons.push(`Completed after its target of ${ukDate(f.target.due)} (${quoted(f.target)}).`);
        return { reasons, completed: true };
      }
      if (f.target.kind === 'completed' && f.status === 'not_started' && !f.action.statusChangedAt) {
        return { reasons: f.words ? [`The plan's target column says ${quoted(f.target)}; no completion date is recorded in the ledger.`] : NO_REASONS, completed: true };
      }
      return undefined;
    },
  },
  {
    id: 'BLOCKED',
    apply: (f) => (f.status === 'blocked' ? { reasons: f.words ? [statusSentence('Blocked', f.action)] : NO_REASONS } : undefined),
  },
  {
    id: 'AWAITING',
    apply: (f) => {
      const waits = f.target.kind === 'awaiting' || f.target.awaiting;
      if (f.status !== 'awaiting_guidance' && !waits) return undefined;
      if (!f.words) return { reasons: NO_REASONS };
      const reasons: string[] = [];
      if (f.status === 'awaiting_guidance') reasons.push(statusSentence('Awaiting guidance', f.action));
      if (waits) reasons.push(`The target waits for ${f.target.awaiting ?? 'something outside the council'}: ${quoted(f.target)}.`);
      if (f.target.due && f.target.due < f.asAt.date) reasons.push(`Its target date of ${ukDate(f.target.due)} has passed.`);
      return { reasons };
    },
  },
  {
    id: 'NOT_STARTED_AFTER_START',
    apply: (f) => {
      if (f.started || !f.start || f.asAt.date <= f.start) return undefined;
      let reasons = NO_REASONS;
      if (f.words) {
        reasons = [`Not started, but due to start on ${ukDate(f.start)} (${startWords(f.action)}).`];
        if (f.target.due && f.target.due < f.asAt.date && !f.schedule) reasons.push(`Its target of ${ukDate(f.target.due)} (${quoted(f.target)}) has also passed.`);
      }
      return f.target.due ? { reasons, dueBy: f.target.due } : { reasons };
    },
  },
  {
    id: 'OVERDUE',
    apply: (f) => {
      if (f.schedule) {
        const end = f.schedule.endsOn;
        if (!end || end >= f.asAt.date) return undefined;
        return {
          reasons: f.words ? [`The commitment ran until ${ukDate(end)} (${quoted(f.target)}) and the action has not been marked complete: ${daysLate(end, f)}.`] : NO_REASONS,
          dueBy: end,
        };
      }
      const due = f.target.due;
      if (!due || due >= f.asAt.date) return undefined;
      return { reasons: f.words ? [`The target of ${ukDate(due)} (${quoted(f.target)}) has passed and the action is not complete: ${daysLate(due, f)}.`] : NO_REASONS, dueBy: due };
    },
  },
  {
    id: 'NOT_YET_DUE_TO_START',
    apply: (f) => {
      if (f.started || !f.start || f.asAt.date > f.start) return undefined;
      const reasons = f.words ? [`Not started, and not due to start until ${ukDate(f.start)} (${startWords(f.action)}).`] : NO_REASONS;
      return f.target.due ? { reasons, dueBy: f.target.due } : { reasons };
    },
  },
  {
    id: 'RECURRING_TWO_LATE',
    apply: (f) => (f.schedule && f.schedule.missed >= 2 ? recurringOutcome(f, f.schedule) : undefined),
  },
  {
    id: 'RECURRING_ONE_LATE',
    apply: (f) => (f.schedule && f.schedule.missed === 1 ? recurringOutcome(f, f.schedule) : undefined),
  },
  {
    id: 'SLIPPED',
    apply: (f) => {
      if (f.slips.length === 0) return undefined;
      const dueBy = f.schedule ? f.schedule.next : f.target.due;
      let reasons = NO_REASONS;
      if (f.words) {
        reasons = f.slips.map((slip) => `Target moved from ${quoted(slip.from)} to ${quoted(slip.to)} on ${ukDate(slip.effectiveAt)}${slip.reason ? `: ${sentenceEnd(slip.reason)}` : '.'}`);
        if (dueBy) reasons.push(`${f.schedule ? 'Next update due' : 'Now due'} by ${ukDate(dueBy)}, ${inDaysOf(f, dueBy)}.`);
      }
      return dueBy ? { reasons, dueBy } : { reasons };
    },
  },
  {
    id: 'DUE_SOON',
    apply: (f) => {
      const due = f.target.due;
      if (f.schedule || !due) return undefined;
      const days = daysFromTo(f.asAt.date, due);
      if (days < 0 || days > f.rules.dueSoonDays) return undefined;
      return {
        reasons: f.words ? [`Due by ${ukDate(due)} (${quoted(f.target)}), ${inDaysOf(f, due)}, and not complete: within the ${f.rules.dueSoonDays}-day warning window.`] : NO_REASONS,
        dueBy: due,
      };
    },
  },
  {
    id: 'RECURRING_ON_CADENCE',
    apply: (f) => (f.schedule && f.schedule.missed === 0 ? recurringOutcome(f, f.schedule) : undefined),
  },
  {
    id: 'ON_TARGET',
    apply: (f) => {
      const due = f.target.due;
      if (f.schedule || !due) return undefined;
      if (!f.words) return { reasons: NO_REASONS, dueBy: due };
      const how = f.started ? 'Under way and on target' : 'Not started (no start date is given) and not yet due';
      return { reasons: [`${how}: due by ${ukDate(due)} (${quoted(f.target)}), ${inDaysOf(f, due)}.`], dueBy: due };
    },
  },
  {
    id: 'NO_TARGET',
    apply: (f) => ({ reasons: f.words ? [noTargetReason(f.target, f.status)] : NO_REASONS }),
  },
];

const RULE_RATING: Readonly<Record<RagRuleId, ActionRagRating>> = Object.fromEntries(RAG_RULES.map((rule) => [rule.id, rule.rating])) as Record<
  RagRuleId,
  ActionRagRating
>;

/**
 * The RAG rating of one action at `asAt` (an ISO instant; a plain date means the end of that day),
 * under `rules`. Pure and total: the same action, instant and rules always give the same result.
 *
 * The action should be as it stood at `asAt` (the as-at replay in libs/projections gives that).
 * Entries that carry their own date are read as at the instant even so: progress updates by their
 * "as at" date, RAG assessments and target changes by their effective time, and a completion dated
 * after the instant reads as "in progress".
 */
export function deriveActionRag(action: Action, asAt: string, rules: RagRuleSet = DEFAULT_RAG_RULES): ActionRag {
  return deriveActionRagAt(action, readAsAt(asAt), rules);
}

/** deriveActionRag at an instant already read (readAsAt): a plan's roll-up reads its instant once for every action. */
export function deriveActionRagAt(action: Action, asAt: AsAtInstant, rules: RagRuleSet): ActionRag {
  const facts = factsOf(action, asAt, rules, true);
  return ragOf(facts, decide(facts));
}

function ragOf(facts: Facts, { rule, outcome }: { rule: Rule; outcome: Outcome }): ActionRag {
  const { action, asAt, rules } = facts;
  const rating = RULE_RATING[rule.id];
  const reasons = facts.completedLater
    ? [...outcome.reasons, `A completion is recorded for ${ukDate(facts.completedLater)}, after this date, so it is read as in progress here.`]
    : outcome.reasons;
  const declared = declaredAt(action.ragAssessments, asAt, facts.memo);
  const discrepancy = declared ? discrepancyOf(declared, rating, reasons, rules) : undefined;
  // Keys in this order, optional ones only when set: the JSON of a rating is part of what an inspector is sent.
  const rag: ActionRag = {
    actionId: action.id,
    ref: action.ref,
    rating,
    ruleId: rule.id,
    reasons,
    rulesVersion: rules.version,
    completed: outcome.completed === true,
    status: facts.status,
  };
  if (outcome.dueBy) rag.dueBy = outcome.dueBy;
  if (declared) rag.declared = declared;
  if (discrepancy) rag.discrepancy = discrepancy;
  return rag;
}

// ---------------------------------------------------------------------------------------------
// Kept ratings
//
// An action's rating, reasons included, is a function of the action, the rules, the instant's UTC date and which
// of its own slips and assessments are in effect (their effective instants compared with the instant's
// milliseconds): nothing else of the instant is read. As the date moves, it can turn only where the rules compare
// the date with one of the action's own dates (its completion, its progress updates' "as at", the day after its
// start and its target, the first day of the due-soon window, the day after each expected update a recurring
// action can miss), or every day when a reason counts days ("in 12 days", "3 days overdue"). So each rating
// holds over an interval of instants, and the interval around the last instant asked is kept with the rating and
// what it read of the action (readsSame), under the action's target: as-at states share the actions their events
// left alone, and an action an event touched is a copy holding the same fields and entry objects (a progress update
// on an action under way with a dated target changes nothing its rating reads), so a new instant finds most of its
// actions' ratings kept, and the same ActionRag object lets a reader keep its JSON against it.

/**
 * The entry arrays the rules read of an action, and their lengths when read: a fold that owns its draft
 * (PlanFold) pushes entries onto an action's arrays in place, so the same array with another length is news.
 */
interface EntriesSeen {
  readonly progress: readonly ProgressUpdate[];
  readonly progressLength: number;
  readonly changes: readonly TargetChange[];
  readonly changesLength: number;
  readonly assessments: readonly RagAssessment[];
  readonly assessmentsLength: number;
}

function entriesSeen(action: Action): EntriesSeen {
  const { progress, targetChanges: changes, ragAssessments: assessments } = action;
  return { progress, progressLength: progress.length, changes, changesLength: changes.length, assessments, assessmentsLength: assessments.length };
}

/**
 * The entries seen, in the list now: the same entry objects, one for one. A copy of the action (evolve copies an
 * action's arrays when an event touches it) holds them in a new array; a draft changed in place holds the same
 * array, longer. Entries are only ever pushed, so the first `seenLength` of the array seen are still those seen.
 */
function sameList<T>(seen: readonly T[], seenLength: number, list: readonly T[]): boolean {
  if (list.length !== seenLength) return false;
  if (list === seen) return true;
  for (let i = 0; i < seenLength; i++) if (list[i] !== seen[i]) return false;
  return true;
}

function sameEntries(seen: EntriesSeen, action: Action): boolean {
  return (
    seen.progress === action.progress &&
    seen.progressLength === action.progress.length &&
    seen.changes === action.targetChanges &&
    seen.changesLength === action.targetChanges.length &&
    seen.assessments === action.ragAssessments &&
    seen.assessmentsLength === action.ragAssessments.length
  );
}

/**
 * What the rules read of an action, as it was when rated, with the instants its result holds for and the result
 * (a rating with words, or a tally): it serves any Action object that reads the same (readsSame), the object rated,
 * a copy of it, or a PlanFold draft (which pushes entries onto an action and replaces its fields in place).
 */
export interface Kept<Result> extends EntriesSeen {
  readonly rules: RagRuleSet;
  /** The instants (ms) the result holds for: fromMs <= ms < untilMs. */
  readonly fromMs: number;
  readonly untilMs: number;
  readonly result: Result;
  readonly id: string;
  readonly ref: string;
  readonly status: ActionStatus;
  readonly statusReason: string | undefined;
  readonly statusChangedAt: string | undefined;
  readonly completedOn: string | undefined;
  readonly target: Target;
  readonly start: Action['start'];
  readonly addedAt: string;
}

function keptOf<Result>(action: Action, rules: RagRuleSet, interval: { fromMs: number; untilMs: number }, result: Result): Kept<Result> {
  return {
    rules,
    fromMs: interval.fromMs,
    untilMs: interval.untilMs,
    result,
    id: action.id,
    ref: action.ref,
    status: action.status,
    statusReason: action.statusReason,
    statusChangedAt: action.statusChangedAt,
    completedOn: action.completedOn,
    target: action.target,
    start: action.start,
    addedAt: action.addedAt,
    // entriesSeen's fields, written out: a spread of its record was a second object per kept result.
    progress: action.progress,
    progressLength: action.progress.length,
    changes: action.targetChanges,
    changesLength: action.targetChanges.length,
    assessments: action.ragAssessments,
    assessmentsLength: action.ragAssessments.length,
  };
}

interface KeptWords {
  /** The rating (of the day last asked, when its words count days). */
  readonly rag: ActionRag;
  /** Set when the reasons count days: the rating with the count as a hole, filled in per day. */
  readonly counted: CountedRating | undefined;
}

type KeptRating = Kept<KeptWords>;

/**
 * The last few intervals rated per Action object, the latest used first: readers ask for instants all over a plan's
 * life (a random as-at link, the trend's points), and an action holds a handful of ratings over it.
 */
const KEPT = new WeakMap<Action, KeptRating[]>();
const KEPT_PER_ACTION = 6;

function keptFor(action: Action, asAt: AsAtInstant, rules: RagRuleSet): KeptRating | undefined {
  const list = KEPT.get(action);
  if (list !== undefined) {
    for (let i = 0; i < list.length; i++) {
      const kept = list[i]!;
      if (holds(kept, action, asAt, rules, true)) {
        if (i > 0) {
          list.splice(i, 1);
          list.unshift(kept);
        }
        return kept;
      }
    }
  }
  // Another version of the action (a copy an event made, or the one it was copied from) may read the same.
  const kept = KEPT_BY_TARGET.get(action.target)?.find(action, asAt, rules);
  if (kept !== undefined) keepFor(action, kept);
  return kept;
}

function keepFor(action: Action, kept: KeptRating): void {
  let list = KEPT.get(action);
  if (!list) KEPT.set(action, (list = []));
  if (list.length >= KEPT_PER_ACTION) list.pop();
  list.unshift(kept);
}

/**
 * The intervals last rated for every version of an action with one target (the target object is shared by each
 * copy of the action an event makes, until the target moves): a version seen for the first time finds here a
 * rating kept for another that reads the same (readsSame). The instants each holds for sit side by side in one
 * array, so a look-up compares numbers and reads a kept record only where the instant falls in its interval;
 * the oldest made gives way to a new one.
 */
class KeptRatings {
  private readonly bounds = new Float64Array(KEPT_PER_TARGET * 2);
  private readonly kept: KeptRating[] = [];
  private oldest = 0;

  find(action: Action, asAt: AsAtInstant, rules: RagRuleSet): KeptRating | undefined {
    const ms = asAt.ms;
    const bounds = this.bounds;
    for (let i = 0; i < this.kept.length; i++) {
      if (ms >= bounds[2 * i]! && ms < bounds[2 * i + 1]!) {
        const kept = this.kept[i]!;
        if (kept.rules === rules && readsSame(kept, action, true)) return kept;
      }
    }
    return undefined;
  }

  add(kept: KeptRating): void {
    let slot = this.kept.length;
    if (slot === KEPT_PER_TARGET) {
      slot = this.oldest;
      this.oldest = (slot + 1) % KEPT_PER_TARGET;
    }
    this.kept[slot] = kept;
    this.bounds[2 * slot] = kept.fromMs;
    this.bounds[2 * slot + 1] = kept.untilMs;
  }
}

const KEPT_BY_TARGET = new WeakMap<Target, KeptRatings>();
const KEPT_PER_TARGET = 32;

/** `words` false for a tally, which reads no assessment (they make the declaration and the discrepancy only). */
function holds(kept: Kept<unknown>, action: Action, asAt: AsAtInstant, rules: RagRuleSet, words: boolean): boolean {
  return kept.rules === rules && asAt.ms >= kept.fromMs && asAt.ms < kept.untilMs && readsSame(kept, action, words);
}

/**
 * The action reads as it did when the kept result was made: the same fields, the same slips, the same assessments
 * (for a rating with words), and, when the rating reads the latest progress update (readsLatestUpdate), the same
 * progress updates; otherwise the updates are not read and may differ.
 */
function readsSame(kept: Kept<unknown>, action: Action, words: boolean): boolean {
  if (
    kept.id !== action.id ||
    kept.ref !== action.ref ||
    kept.status !== action.status ||
    kept.statusReason !== action.statusReason ||
    kept.statusChangedAt !== action.statusChangedAt ||
    kept.completedOn !== action.completedOn ||
    kept.target !== action.target ||
    kept.start !== action.start ||
    kept.addedAt !== action.addedAt ||
    !sameList(kept.changes, kept.changesLength, action.targetChanges) ||
    (words && !sameList(kept.assessments, kept.assessmentsLength, action.ragAssessments))
  ) {
    return false;
  }
  // The same array as long as it was is the same updates (the object rated again: most look-ups), read or not.
  const progress = action.progress;
  if (progress === kept.progress && progress.length === kept.progressLength) return true;
  return !readsLatestUpdate(kept.status, kept.target) || sameList(kept.progress, kept.progressLength, progress);
}

/**
 * deriveActionRagAt, kept: the same rating (as JSON, byte for byte) as a fresh one, and the same object for
 * every instant of the interval it holds over (rag-kept.unit.spec.ts checks both at the edges of the intervals).
 * The object is frozen: it is shared by every summary that rates the action inside that interval.
 */
export function keptActionRagAt(action: Action, asAt: AsAtInstant, rules: RagRuleSet): ActionRag {
  const hit = keptFor(action, asAt, rules);
  if (hit) return hit.result.counted ? countedOn(hit.result.counted, Math.floor(asAt.ms / DAY_MS)) : hit.result.rag;
  const facts = factsOf(action, asAt, rules, true);
  const decided = decide(facts);
  // Frozen after countedRatingOf, which may give it its JSON's parts.
  const made = ragOf(facts, decided);
  const counted = countsDays(facts, decided.rule.id) ? countedRatingOf(facts, decided, made) : undefined;
  const rag = deepFrozen(made);
  const interval = intervalOf(facts, decided.rule.id, counted);
  if (interval) {
    const kept = keptOf(action, rules, interval, { rag, counted });
    keepFor(action, kept);
    let family = KEPT_BY_TARGET.get(action.target);
    if (!family) KEPT_BY_TARGET.set(action.target, (family = new KeptRatings()));
    family.add(kept);
  }
  return rag;
}

/**
 * The rating last kept or used for the action under these rules and the instants it holds for, if any: for the tests. `rag` is
 * the rating of the day last asked; `counted` says its words count days (each day of the interval gets its own
 * rating object, filled in from one kept with the count as a hole); `kept` is the same object for as long as the
 * same rating is kept.
 */
export function keptRagIntervalOf(action: Action, rules: RagRuleSet): { rag: ActionRag; fromMs: number; untilMs: number; counted: boolean; kept: object } | undefined {
  const kept = KEPT.get(action)?.find((one) => one.rules === rules);
  return kept
    ? { rag: kept.result.counted ? kept.result.counted.rag : kept.result.rag, fromMs: kept.fromMs, untilMs: kept.untilMs, counted: kept.result.counted !== undefined, kept }
    : undefined;
}

// ---------------------------------------------------------------------------------------------
// Ratings whose words count days
//
// OVERDUE ("3 days overdue"), DUE_SOON and ON_TARGET ("in 12 days") and SLIPPED with a due date ("Now due by …,
// in 40 days") say a number of days that changes every day, and nothing else of theirs does: so such a rating is
// kept with its count written as a hole (HOLE, in its reasons and in a discrepancy's message, which quotes the
// first reason), and the count on day t is sign × (t − base), the days between the instant's UTC date and the
// date counted from. The interval is the one the rest of the rating holds for, cut where the count's words
// change form ("in 2 days" to "tomorrow", "1 day overdue" to "2 days overdue"). A new day in it costs a
// subtraction, a join per holed string and a frozen object; its JSON is the template's JSON cut at the holes
// and joined with the count (actionRagJson). The template is checked against the fresh rating of the day it
// was made on, JSON byte for byte, and not kept if they differ or if the rating's own words hold HOLE (a text
// of the plan's).

/** The character a hole is written as: a private-use one, which JSON.stringify writes as itself. */
const HOLE = '\uE000';

/** Where the count went while a rating's words were written with holes. */
interface HoleSlot {
  /** The day number counted from, and the sign: the count on day t is sign × (t − base). */
  base: number;
  sign: 1 | -1 | 0;
  /** A day-counting word was written as it stands ("today", "1 day overdue"), or two counts differed: no template. */
  fixed: boolean;
}

/** Records a hole counted from `due` with `sign`; false (and the slot fixed) when it cannot be one. */
function holeFor(slot: HoleSlot, due: string, sign: 1 | -1): boolean {
  const base = dayNumberOf(due);
  if (base === undefined || (slot.sign !== 0 && (slot.sign !== sign || slot.base !== base))) {
    slot.fixed = true;
    return false;
  }
  slot.base = base;
  slot.sign = sign;
  return true;
}

interface CountedRating {
  /** The rating with each count written as HOLE. */
  readonly template: ActionRag;
  readonly base: number;
  readonly sign: 1 | -1;
  /** The template's JSON cut at its holes. */
  readonly jsonParts: readonly string[];
  /** Each reason cut at its holes, or undefined for a reason without one. */
  readonly reasonParts: readonly (readonly string[] | undefined)[];
  readonly messageParts: readonly string[] | undefined;
  /** The day number last asked, and its rating: the same object for every instant of that day. */
  day: number;
  rag: ActionRag;
}

/**
 * A rating's JSON, when it was filled in from a template: the template's JSON parts and the count, held by the
 * rating itself under a symbol, not enumerable (JSON.stringify, Object.keys, a spread and a deep equality see
 * the same rating as a fresh one). Not a WeakMap: a new day makes a rating for every day-counting action of a
 * summary, and an entry per rating in a WeakMap cost several times the rating itself (its set, and the
 * collector's work on the table).
 */
const COUNTED_JSON = Symbol('countedJson');

interface CountedJson {
  readonly parts: readonly string[];
  readonly count: string;
}

function countedJsonOf(rag: ActionRag): CountedJson | undefined {
  return (rag as ActionRag & { [COUNTED_JSON]?: CountedJson })[COUNTED_JSON];
}

/** Gives a rating not yet frozen its JSON as parts and count (see COUNTED_JSON). */
function holdCountedJson(rag: ActionRag, json: CountedJson): void {
  Object.defineProperty(rag, COUNTED_JSON, { value: json, enumerable: false, writable: false, configurable: false });
}

/**
 * JSON.stringify(rag), the same bytes: for a rating filled in from one kept with its day count as a hole, the
 * kept JSON's parts joined with the count; otherwise JSON.stringify.
 */
export function actionRagJson(rag: ActionRag): string {
  const counted = countedJsonOf(rag);
  return counted ? filled(counted.parts, counted.count) : JSON.stringify(rag);
}

/**
 * For a rating filled in from one kept with its day count as a hole: its JSON as the kept parts (the same array
 * for every day of the interval, so a reader can keep their bytes against it) and the count that joins them.
 * actionRagJson(rag) === parts.join(count). Undefined for any other rating.
 */
export function actionRagJsonParts(rag: ActionRag): { readonly parts: readonly string[]; readonly count: string } | undefined {
  return countedJsonOf(rag);
}

function countsDays(facts: Facts, ruleId: RagRuleId): boolean {
  return COUNTS_DAYS.has(ruleId) || (ruleId === 'SLIPPED' && (facts.schedule ? facts.schedule.next : facts.target.due) !== undefined);
}

/**
 * The rating decided, written again with its count as a hole, and checked against the fresh one (not yet frozen:
 * it is given its JSON's parts); undefined if it cannot be.
 */
function countedRatingOf(facts: Facts, decided: { rule: Rule; outcome: Outcome }, fresh: ActionRag): CountedRating | undefined {
  const slot: HoleSlot = { base: 0, sign: 0, fixed: false };
  facts.hole = slot;
  let template: ActionRag;
  try {
    template = deepFrozen(ragOf(facts, { rule: decided.rule, outcome: decided.rule.apply(facts)! }));
  } finally {
    facts.hole = undefined;
  }
  if (slot.fixed || slot.sign === 0) return undefined;
  // The plan's own words holding the hole character would be filled in too: such a rating is not kept so.
  const expected = JSON.stringify(fresh);
  if (expected.includes(HOLE)) return undefined;
  const jsonParts = JSON.stringify(template).split(HOLE);
  const today = Math.floor(facts.asAt.ms / DAY_MS);
  const count = String(slot.sign * (today - slot.base));
  if (jsonParts.join(count) !== expected) return undefined;
  const cut = (text: string) => (text.includes(HOLE) ? text.split(HOLE) : undefined);
  holdCountedJson(fresh, { parts: jsonParts, count });
  return {
    template,
    base: slot.base,
    sign: slot.sign,
    jsonParts,
    reasonParts: template.reasons.map(cut),
    messageParts: template.discrepancy ? cut(template.discrepancy.message) : undefined,
    day: today,
    rag: fresh,
  };
}

/**
 * parts.join(count), the same string: a template's parts (one or two holes) are joined for each day-counting rating
 * of every summary at a new day, and Array.prototype.join cost three times the concatenation.
 */
function filled(parts: readonly string[], count: string): string {
  let text = parts[0]!;
  for (let i = 1; i < parts.length; i++) text += count + parts[i]!;
  return text;
}

/** The counted rating on a day of its interval: the template with the day's count in its holes. */
function countedOn(counted: CountedRating, day: number): ActionRag {
  if (day === counted.day) return counted.rag;
  const count = String(counted.sign * (day - counted.base));
  const { template, reasonParts, messageParts } = counted;
  const reasons = new Array<string>(reasonParts.length);
  for (let i = 0; i < reasonParts.length; i++) {
    const parts = reasonParts[i];
    reasons[i] = parts ? filled(parts, count) : template.reasons[i]!;
  }
  // Key by key in ragOf's order, not a spread of the frozen template (several times slower, a rating a day).
  const rag: ActionRag = {
    actionId: template.actionId,
    ref: template.ref,
    rating: template.rating,
    ruleId: template.ruleId,
    reasons,
    rulesVersion: template.rulesVersion,
    completed: template.completed,
    status: template.status,
  };
  if (template.dueBy !== undefined) rag.dueBy = template.dueBy;
  if (template.declared !== undefined) rag.declared = template.declared;
  if (template.discrepancy !== undefined) rag.discrepancy = messageParts ? { ...template.discrepancy, message: filled(messageParts, count) } : template.discrepancy;
  holdCountedJson(rag, { parts: counted.jsonParts, count });
  deepFrozen(rag);
  counted.day = day;
  counted.rag = rag;
  return rag;
}

function deepFrozen(rag: ActionRag): ActionRag {
  Object.freeze(rag.reasons);
  if (rag.declared) Object.freeze(rag.declared);
  if (rag.discrepancy) Object.freeze(rag.discrepancy);
  return Object.freeze(rag);
}

/** Rules whose reasons count days from the instant's date: their words change every day. */
const COUNTS_DAYS: ReadonlySet<RagRuleId> = new Set<RagRuleId>(['OVERDUE', 'DUE_SOON', 'ON_TARGET']);

/** Day numbers from 1000-01-01 to 9999-12-31: where ISO dates sort as strings and as days alike. */
const FIRST_DAY = Date.UTC(1000, 0, 1) / DAY_MS;
const END_DAY = Date.UTC(10_000, 0, 1) / DAY_MS;

/** The day number of an ISO date in years 1000-9999 that is a real calendar date; undefined otherwise. */
const dayNumberOf = stringMemo(dayNumberOfDate);

function dayNumberOfDate(date: string): number | undefined {
  if (date.length !== 10 || !/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  const ms = Date.parse(`${date}T00:00:00.000Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) return undefined;
  return sortableDayOf(ms);
}

/** The day number of a UTC midnight in years 1000-9999; undefined otherwise. */
function sortableDayOf(ms: number): number | undefined {
  const day = ms / DAY_MS;
  return day >= FIRST_DAY && day < END_DAY ? day : undefined;
}

/** Beyond this, Date holds no instant (and addCadence, making a string of one, throws). */
const MAX_DATE_MS = 8.64e15;

/**
 * dayNumberOf(addCadence(schedule.next, schedule.cadence, times)), on numbers: the day the timetable's `times`-th
 * update after `next` falls due, without writing it as a date and reading it back.
 */
function cadenceDayNumber(schedule: Schedule, times: number): number | undefined {
  const ms = cadenceMs(schedule.next, schedule.cadence, times);
  // addCadence throws here (an invalid date): so does this, as the rating always did.
  if (!(Math.abs(ms) <= MAX_DATE_MS)) return dayNumberOf(addCadence(schedule.next, schedule.cadence, times));
  return sortableDayOf(ms);
}

/**
 * The instants around the facts' own for which the rating decided is the same, reasons and all (for facts without
 * words, a tally's, the rating and "completed" alone): undefined when
 * the instant's date is outside years 1000-9999 (kept ratings are only for dates that sort as days do). A date
 * of the action's the calendar cannot read turns nothing into days: the interval is then the instant's day.
 */
function intervalOf(facts: Facts, ruleId: RagRuleId, counted: CountedRating | undefined): { fromMs: number; untilMs: number } | undefined {
  const { action, asAt, rules } = facts;
  const today = dayNumberOf(asAt.date);
  if (today === undefined) return undefined;
  let low = FIRST_DAY;
  let high = END_DAY;
  // A count the words write as a number holds while it is 2 or more: "in 1 day" is "tomorrow", "1 day overdue" singular.
  if (counted) {
    if (counted.sign < 0) high = counted.base - 1;
    else low = counted.base + 2;
  }
  // Words that count days and were not kept with a hole hold for the day; a tally (no words) is not cut so.
  let oneDay = facts.words && !counted && countsDays(facts, ruleId);
  /** The rating may differ from `day` on (a date's day number plus `offset`) and before it. */
  const turnsOn = (date: string | undefined, offset: number) => {
    if (date === undefined || date === '' || oneDay) return;
    turnsOnDay(dayNumberOf(date), offset);
  };
  /** The same for a date already a day number (undefined: one the calendar cannot read). */
  const turnsOnDay = (day: number | undefined, offset: number) => {
    if (oneDay) return;
    if (day === undefined) {
      oneDay = true;
      return;
    }
    const turn = day + offset;
    if (turn <= today) low = Math.max(low, turn);
    else high = Math.min(high, turn);
  };
  if (action.status === 'completed') turnsOn(action.completedOn, 0);
  // Only the nearest "as at" either side of the date can turn the latest update (compared as strings, as the rules do),
  // and only when factsOf read the latest update (readsLatestUpdate).
  // factsOf found both in its one pass over the updates (the latest's "as at" is the nearest below).
  if (readsLatestUpdate(facts.status, facts.target)) {
    turnsOn(facts.latestUpdate?.asAt, 0);
    turnsOn(facts.nextUpdateAsAt, 0);
  }
  turnsOn(facts.start, 1);
  const due = facts.target.due;
  turnsOn(due, 1);
  if (due !== undefined) turnsOn(due, -rules.dueSoonDays);
  const schedule = facts.schedule;
  if (schedule) {
    if (schedule.missed < MAX_MISSED_COUNTED) turnsOnDay(cadenceDayNumber(schedule, schedule.missed), 1);
    if (schedule.missed > 0) turnsOnDay(cadenceDayNumber(schedule, schedule.missed - 1), 1);
  }
  if (oneDay) {
    low = today;
    high = today + 1;
  }
  let fromMs = low * DAY_MS;
  let untilMs = high * DAY_MS;
  // Slips and assessments are in effect from their effective instant on (an instant the calendar cannot read, never).
  const memo = facts.memo;
  const changes = action.targetChanges;
  for (let i = 0; i < changes.length; i++) {
    const at = memo ? memo.changeMs[i]! : instantMsOf(changes[i]!.effectiveAt);
    if (at <= asAt.ms) fromMs = Math.max(fromMs, at);
    else if (at < untilMs) untilMs = at;
  }
  // Assessments make the declaration and the discrepancy, never the rating: a tally holds across them.
  const assessments = facts.words ? action.ragAssessments : NO_ASSESSMENTS;
  for (let i = 0; i < assessments.length; i++) {
    const at = memo ? memo.assessmentMs[i]! : instantMsOf(assessments[i]!.effectiveAt);
    if (at <= asAt.ms) fromMs = Math.max(fromMs, at);
    else if (at < untilMs) untilMs = at;
  }
  return fromMs <= asAt.ms && asAt.ms < untilMs ? { fromMs, untilMs } : undefined;
}

/** What a roll-up that only counts needs of one action's rating: no reasons, no declaration. */
export interface ActionRagTally {
  rating: ActionRagRating;
  completed: boolean;
}

/**
 * The rating alone (what deriveActionRagAt gives as `rating` and `completed`), without a word of the reasons, kept
 * for the instants it holds over under the action's target (the object every version of the action shares until the
 * target moves), and found for any version of the action that reads the same (readsSame): the RAG trend and the
 * bundle's chart rate the plan point after point, and most actions read the same from one point to the next (the
 * same objects shared by the as-at states or the fold's draft left alone, or copies an event made, mostly for a
 * progress update) with a tally that still holds. The tally's interval is its rating's: wider than a rating with
 * words, whose day counts turn every day. The result is frozen and shared.
 */
export function tallyActionRagAt(action: Action, asAt: AsAtInstant, rules: RagRuleSet): ActionRagTally {
  return keptTallyAt(action, asAt, rules).result;
}

/**
 * The tally and the instants it holds for, as kept for the action (tallyActionRagAt's, found or made): a caller
 * that rates the same actions point after point (planRagTallies) carries it to the next point and asks
 * keptTallyHolds, which for an action still the same object costs a few comparisons and no WeakMap look-up. A tally
 * whose interval could not be worked out is given with an empty interval, which holds for no instant.
 */
export function keptTallyAt(action: Action, asAt: AsAtInstant, rules: RagRuleSet): KeptTally {
  // This version of the action, or another (a copy an event made since the last point), may read the same. Not also
  // kept per Action object: a run of points carries each action's tally by place (planRagTallies), and a table keyed
  // by the young action objects of each new state cost the trend more than the look-ups it saved (measured in round
  // 10: docs/benchmarks.md).
  const latest = KEPT_TALLY_BY_TARGET.get(action.target);
  if (latest !== undefined && holds(latest, action, asAt, rules, false)) return latest;
  const facts = factsOf(action, asAt, rules, false);
  const { rule, outcome } = decide(facts);
  const tally: ActionRagTally = Object.freeze({ rating: RULE_RATING[rule.id], completed: outcome.completed === true });
  const interval = intervalOf(facts, rule.id, undefined);
  if (!interval) return keptOf(action, rules, { fromMs: asAt.ms, untilMs: asAt.ms }, tally);
  // One per target, the latest: the trend and the chart ask for instants in order.
  const made = keptOf(action, rules, interval, tally);
  KEPT_TALLY_BY_TARGET.set(action.target, made);
  return made;
}

/** A tally kept with what its action read and the instants it holds for (keptTallyAt); its `result` is the tally. */
export type KeptTally = Kept<ActionRagTally>;

/** The kept tally is the action's at this instant under these rules: the check tallyActionRagAt makes of what it keeps. */
export function keptTallyHolds(kept: KeptTally, action: Action, asAt: AsAtInstant, rules: RagRuleSet): boolean {
  return holds(kept, action, asAt, rules, false);
}

/** The tally made last for any version of an action with this target (the target object every copy shares). */
const KEPT_TALLY_BY_TARGET = new WeakMap<Target, Kept<ActionRagTally>>();

/** The tally kept for the action under these rules and the instants it holds for, if any: for the tests. */
export function keptTallyIntervalOf(action: Action, rules: RagRuleSet): { tally: ActionRagTally; fromMs: number; untilMs: number } | undefined {
  const kept = KEPT_TALLY_BY_TARGET.get(action.target);
  return kept !== undefined && kept.rules === rules && readsSame(kept, action, false) ? { tally: kept.result, fromMs: kept.fromMs, untilMs: kept.untilMs } : undefined;
}

function decide(facts: Facts): { rule: Rule; outcome: Outcome } {
  for (const rule of RULES) {
    const outcome = rule.apply(facts);
    if (outcome) return { rule, outcome };
  }
  // NO_TARGET always applies, so this is unreachable; a total function still says so.
  throw new Error(`No RAG rule applied to action ${facts.action.ref}`);
}

function factsOf(action: Action, asAt: AsAtInstant, rules: RagRuleSet, words: boolean): Facts {
  const completedLater = action.status === 'completed' && action.completedOn && action.completedOn > asAt.date ? action.completedOn : undefined;
  const status: ActionStatus = completedLater ? 'in_progress' : action.status;
  const memo = entriesOf(action, words);
  const target = action.target;
  // The latest update is read only for "not started" and a timetable's next update: an action under way with a
  // target that does not repeat is rated the same, reasons and all, whatever its updates say.
  const updates = readsLatestUpdate(status, target) ? updatesAround(action, memo, asAt.date) : NO_UPDATES_READ;
  const latestUpdate = updates.latest;
  let slips: TargetChange[] | readonly TargetChange[] = NO_SLIPS;
  const changes = action.targetChanges;
  for (let i = 0; i < changes.length; i++) {
    if ((memo ? memo.changeMs[i]! : instantMsOf(changes[i]!.effectiveAt)) <= asAt.ms) {
      if (slips === NO_SLIPS) slips = [];
      (slips as TargetChange[]).push(changes[i]!);
    }
  }
  const start = action.start?.date || undefined;
  const started = status !== 'not_started' || latestUpdate !== undefined;
  return {
    action,
    asAt,
    rules,
    words,
    status,
    completedLater,
    target,
    start,
    latestUpdate,
    nextUpdateAsAt: updates.nextAsAt,
    slips,
    started,
    schedule: scheduleOf(action, target, start, latestUpdate, asAt, rules),
    memo,
    hole: undefined,
  };
}

/**
 * What one action's entries give at any instant, worked out once per Action object: its progress updates
 * stably sorted by "as at" (so the latest as at a date is a binary search) and the effective instants of its
 * target changes and assessments as numbers. A state's actions are never changed once the state is built, but a
 * fold that owns its draft (PlanFold) pushes entries onto them and replaces fields in place: so the memo keeps
 * the arrays and lengths it was made from and is made again when any differs. It is made on an action's second
 * rating, in whichever state: as-at states share every action their events did not touch, so a new state's
 * untouched actions are found here, and the few it copied pay one pass over their entries.
 */
interface EntriesMemo extends EntriesSeen {
  /** Set from the second rating on. */
  built?: {
    readonly byAsAt: readonly ProgressUpdate[];
    readonly asAts: readonly string[];
    readonly changeMs: Float64Array;
    readonly assessmentMs: Float64Array;
  };
}

const ENTRIES = new WeakMap<Action, EntriesMemo>();
/**
 * The memo, made or checked: the first rating of an action object records what it saw, the second builds the memo.
 * A tally (`make` false) only uses a memo already built: it is kept for its interval, so it seldom rates an object twice.
 */
function entriesOf(action: Action, make: boolean): EntriesMemo['built'] {
  const memo = ENTRIES.get(action);
  if (!memo || !sameEntries(memo, action)) {
    if (make) ENTRIES.set(action, entriesSeen(action));
    return undefined;
  }
  const { progress, targetChanges: changes, ragAssessments: assessments } = action;
  if (!memo.built) {
    if (!make) return undefined;
    const byAsAt = progress
      .map((update, index) => ({ update, index }))
      .sort((a, b) => (a.update.asAt < b.update.asAt ? -1 : a.update.asAt > b.update.asAt ? 1 : a.index - b.index))
      .map(({ update }) => update);
    memo.built = {
      byAsAt,
      asAts: byAsAt.map((update) => update.asAt),
      changeMs: Float64Array.from(changes, (change) => instantMsOf(change.effectiveAt)),
      assessmentMs: Float64Array.from(assessments, (assessment) => instantMsOf(assessment.effectiveAt)),
    };
  }
  return memo.built;
}

/** The progress updates either side of a date: the latest as at it, and the earliest "as at" after it. */
interface UpdatesAround {
  readonly latest: ProgressUpdate | undefined;
  readonly nextAsAt: string | undefined;
}

const NO_UPDATES_READ: UpdatesAround = Object.freeze({ latest: undefined, nextAsAt: undefined });

/**
 * The latest progress update as at the date (the last of those so dated once stably sorted by "as at": the greatest
 * "as at", and of equals the later recorded) and the earliest "as at" after the date. A binary search in the memo,
 * else one pass (no copy, no sort): a tally rates an action object about once, and this was its largest part.
 */
function updatesAround(action: Action, memo: EntriesMemo['built'], date: string): UpdatesAround {
  if (memo) {
    const asAts = memo.asAts;
    let low = 0;
    let high = asAts.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (asAts[mid]! <= date) low = mid + 1;
      else high = mid;
    }
    return { latest: low > 0 ? memo.byAsAt[low - 1] : undefined, nextAsAt: asAts[low] };
  }
  let latest: ProgressUpdate | undefined;
  let latestAsAt = '';
  let nextAsAt: string | undefined;
  const progress = action.progress;
  for (let i = 0; i < progress.length; i++) {
    const update = progress[i]!;
    const on = update.asAt;
    if (on <= date) {
      if (latest === undefined || on >= latestAsAt) {
        latest = update;
        latestAsAt = on;
      }
    } else if (nextAsAt === undefined || on < nextAsAt) nextAsAt = on;
  }
  return { latest, nextAsAt };
}

const NO_SLIPS: readonly TargetChange[] = Object.freeze([]);
const NO_ASSESSMENTS: readonly RagAssessment[] = Object.freeze([]);

/** Recurring and ongoing targets, and any with a cadence, have a timetable of updates (scheduleOf). */
function hasSchedule(target: Target): boolean {
  return target.kind === 'recurring' || target.kind === 'ongoing' || target.cadence !== undefined;
}

/**
 * Whether the rating reads the latest progress update: only for "not started" (whether it has started) and a
 * timetable's next update, since an action under way with a target that does not repeat is rated the same,
 * reasons and all, whatever its updates say. One rule for factsOf (what it reads), intervalOf (where the result
 * can turn) and readsSame (which entries a kept result must find unchanged). "not_started" is the same status
 * read or recorded: a completion dated later reads as in progress, never as not started.
 */
function readsLatestUpdate(status: ActionStatus, target: Target): boolean {
  return status === 'not_started' || hasSchedule(target);
}

/** Safety cap when counting missed updates: "two or more" is all a rating needs; the count is for the reason. */
const MAX_MISSED_COUNTED = 1_000;

/**
 * Recurring and ongoing actions: target kind 'recurring' or 'ongoing', or any target with a cadence
 * (a report "at Operations Board (bimonthly)"). The next update is expected one cadence after the
 * latest progress update, but never before the first due date if the target gives one ("First audit
 * by June 2009"). With no update at all it is expected by the first due date; with no first due date,
 * one cadence after the start date; with no start date either, one cadence after the action was
 * added to the ledger.
 */
function scheduleOf(action: Action, target: Target, start: string | undefined, latestUpdate: ProgressUpdate | undefined, asAt: AsAtInstant, rules: RagRuleSet): Schedule | undefined {
  if (!hasSchedule(target)) return undefined;
  const cadence = target.cadence ?? rules.ongoingReviewCadence;
  const bounded = target.ongoing === false && target.due !== undefined;
  const firstDue = !bounded ? target.due : undefined;
  const endsOn = bounded ? target.due : undefined;
  let next: string;
  let countedFrom: Schedule['countedFrom'];
  if (latestUpdate) {
    const afterUpdate = nextCadence(latestUpdate.asAt, cadence);
    next = firstDue && firstDue > afterUpdate ? firstDue : afterUpdate;
    countedFrom = { kind: 'update', on: latestUpdate.asAt };
  } else if (firstDue) {
    next = firstDue;
    countedFrom = { kind: 'first-due' };
  } else if (start) {
    next = nextCadence(start, cadence);
    countedFrom = { kind: 'start', on: start };
  } else {
    const added = addedDateOf(action.addedAt);
    next = nextCadence(added, cadence);
    countedFrom = { kind: 'added', on: added };
  }
  // The fewest cadences after `next` that reach the view's date (at most MAX_MISSED_COUNTED).
  const missed = cadencesBefore(next, cadence, asAt.date, MAX_MISSED_COUNTED);
  const schedule: { -readonly [K in keyof Schedule]: Schedule[K] } = { cadence, defaultCadence: !target.cadence, next, countedFrom, missed };
  if (firstDue) schedule.firstDue = firstDue;
  if (endsOn) schedule.endsOn = endsOn;
  return schedule;
}

/** The UTC date an action was added on (throws, as toISOString does, on an instant Date cannot read). */
const addedDateOf = stringMemo((addedAt: string) => new Date(instantMs(addedAt)).toISOString().slice(0, 10));

function recurringOutcome(f: Facts, s: Schedule): Outcome {
  if (!f.words) return { reasons: NO_REASONS, dueBy: s.next };
  const next = ukDate(s.next);
  const late = s.missed > 0;
  let verdict: string;
  if (!late) {
    const firstStillAhead = s.countedFrom.kind !== 'update' || s.next === s.firstDue;
    verdict = firstStillAhead ? `Not yet due: the first falls due on ${next}.` : 'Up to date: the latest progress update is within its cadence.';
  } else if (s.missed === 1) {
    verdict = `One update overdue: the one due by ${next} has not been recorded.`;
  } else {
    const count = s.missed >= MAX_MISSED_COUNTED ? `${MAX_MISSED_COUNTED} or more` : String(s.missed);
    verdict = `${count} updates overdue: nothing recorded since the one due by ${next}.`;
  }
  const every = s.defaultCadence
    ? `${quoted(f.target)} gives no cadence, so progress is expected ${describeCadence(s.cadence)} (${s.cadence.label}, the rule set's default).`
    : `Repeats ${describeCadence(s.cadence)} (${quoted(f.target)}).`;
  const isWas = late ? 'was' : 'is';
  const from = s.countedFrom;
  const when =
    from.kind === 'update'
      ? `Latest progress update as at ${ukDate(from.on)}; the next ${isWas} due by ${next}.`
      : from.kind === 'first-due'
        ? `No progress update recorded; the first ${isWas} due by ${next}, the target date.`
        : from.kind === 'start'
          ? `No progress update recorded; counting from the start date, ${ukDate(from.on)}, the first ${isWas} due by ${next}.`
          : `No progress update or start date recorded; counting from when the action was added to the ledger, ${ukDate(from.on)}, the first ${isWas} due by ${next}.`;
  return { reasons: [verdict, every, when], dueBy: s.next };
}

function noTargetReason(target: Target, status: ActionStatus): string {
  switch (target.kind) {
    case 'none':
      return 'No target date is written in the plan, so the action cannot be rated on time: set a target.';
    case 'to-be-advised':
      return `The target is ${quoted(target)}: there is no date to rate it against yet.`;
    case 'unparsed':
      return `The target ${quoted(target)} could not be read as a date, so the action cannot be rated on time: it needs checking.`;
    case 'completed':
      return `The plan's target column says ${quoted(target)}, but the action is ${status.replace('_', ' ')}: set a new target.`;
    default:
      return `The target ${quoted(target)} gives no date to rate the action against.`;
  }
}

/** The latest assessment effective at or before the instant; of two at the same instant, the later recorded. */
function declaredAt(assessments: readonly RagAssessment[], asAt: AsAtInstant, memo: EntriesMemo['built']): DeclaredRag | undefined {
  let latest: RagAssessment | undefined;
  let latestAt = 0;
  for (let i = 0; i < assessments.length; i++) {
    const assessment = assessments[i]!;
    const at = memo ? memo.assessmentMs[i]! : instantMsOf(assessment.effectiveAt);
    if (at > asAt.ms) continue;
    if (!latest || at >= latestAt) {
      latest = assessment;
      latestAt = at;
    }
  }
  return latest ? { rating: latest.rating, rationale: latest.rationale, by: latest.actor, at: latest.effectiveAt } : undefined;
}

const COLOUR_ORDER: Readonly<Record<RagRating, number>> = { green: 0, amber: 1, red: 2 };
const COLOUR_NAME: Readonly<Record<RagRating, string>> = { green: 'Green', amber: 'Amber', red: 'Red' };

function isColour(rating: ActionRagRating): rating is RagRating {
  return rating === 'green' || rating === 'amber' || rating === 'red';
}

/**
 * Only an optimistic declaration is a discrepancy: a person may rate an action worse than the rules
 * (they know of a problem the ledger does not), but rating it better needs explaining to an inspector.
 * Awaiting, superseded and no-target results are not colours and are never compared.
 */
function discrepancyOf(declared: DeclaredRag, derived: ActionRagRating, reasons: readonly string[], rules: RagRuleSet): RagDiscrepancy | undefined {
  if (!isColour(derived) || COLOUR_ORDER[declared.rating] >= COLOUR_ORDER[derived]) return undefined;
  return {
    declared: declared.rating,
    derived,
    message: `Declared ${COLOUR_NAME[declared.rating]} by ${declared.by} on ${ukDate(declared.at)}, but the rules (${rules.version}) give ${COLOUR_NAME[derived]}: ${reasons[0] ?? ''}`.trim(),
  };
}

// ---------------------------------------------------------------------------------------------
// Words (each remembered per string: a plan's few hundred targets and dates recur at every instant)

/** 30 Sep 2012. */
const ukDate = stringMemo(formatUkDate);

/** A target or start as written, quoted, with Word's HTML made plain. */
function quoted(target: Pick<Target, 'text'>): string {
  return quotedText(target.text);
}

const quotedText = stringMemo((text: string) => {
  const words = plain(text);
  return words ? `"${words}"` : 'empty';
});

function startWords(action: Action): string {
  return startText(action.start?.text ?? '');
}

const startText = stringMemo((text: string) => {
  const words = plain(text);
  return words ? `"${words}" in the plan` : 'in the plan';
});

/** Word's HTML made plain: paragraphs joined with "; ", inline tags ("9<sup>th</sup>") dropped. */
function plain(text: string): string {
  return text
    .replace(/<\/?(?:p|div|li|ul|ol|br|tr|td|th)\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&amp;/gi, '&')
    .split(/\s*\n\s*/)
    .map((paragraph) => paragraph.replace(/\s+/g, ' ').trim())
    .filter((paragraph) => paragraph !== '')
    .join('; ');
}

function statusSentence(label: string, action: Action): string {
  const since = action.statusChangedAt ? ` since ${ukDate(action.statusChangedAt)}` : '';
  return action.statusReason ? `${label}${since}: ${sentenceEnd(action.statusReason)}` : `${label}${since}.`;
}

const sentenceEnd = stringMemo((text: string) => {
  const trimmed = plain(text);
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
});

function inDays(days: number): string {
  if (days === 0) return 'today';
  if (days === 1) return 'tomorrow';
  if (days > 0) return `in ${days} days`;
  return days === -1 ? '1 day ago' : `${-days} days ago`;
}

/** "in 12 days" from the instant's date to `due` (or "today", "3 days ago", …); a hole for the count when one is being made. */
function inDaysOf(f: Facts, due: string): string {
  const days = daysFromTo(f.asAt.date, due);
  if (f.hole && (days >= 2 || days <= -2) && holeFor(f.hole, due, days >= 2 ? -1 : 1)) return days >= 2 ? `in ${HOLE} days` : `${HOLE} days ago`;
  if (f.hole) f.hole.fixed = true;
  return inDays(days);
}

function daysLate(due: string, f: Facts): string {
  const days = daysFromTo(due, f.asAt.date);
  if (f.hole && days >= 2 && holeFor(f.hole, due, 1)) return `${HOLE} days overdue`;
  if (f.hole) f.hole.fixed = true;
  return days === 1 ? '1 day overdue' : `${days} days overdue`;
}
