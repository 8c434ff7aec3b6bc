import { effectiveAtOf, type StoredPlanEvent } from './plan-events.js';
import { copyDictionary, own, setOwn } from '../shared/dictionary.js';
import { applyApprovalEvent } from './approval-evolve.js';
import { applyUpdateRoundEvent } from './update-round-evolve.js';
import { initialPlanState, type Action, type AuditOutcome, type DataQualityWarning, type EntryStamp, type PlanState, type Recommendation } from './plan-state.js';

/**
 * evolve(state, event) → state: total and pure (the input state is never touched).
 * foldPlan(events) folds many at once in one pass, which is what replay uses.
 * Corrections: an EntryCorrected amends or withdraws an earlier entry, so the state is the fold of the
 * history with every correction substituted in; the original entries stay in the history untouched.
 */
export function evolve(state: PlanState, event: StoredPlanEvent): PlanState {
  if (event.type === 'EntryCorrected') return foldPlan([...state.history, event]);
  const draft = cloneState(state);
  applyInPlace(draft, event);
  return sealed(draft);
}

/**
 * The nested objects a draft may change in place: those its fold made or copied. Every other action or
 * recommendation in a draft is shared with the state it was cloned from (and with every state cloned from
 * that one), so it is copied the first time the fold changes it (copy-on-write). Kept beside the draft,
 * not in it, so a state looks the same to every reader, and dropped with it.
 */
const OWNED = new WeakMap<PlanState, WeakSet<object>>();

/** A state handed back to a caller is never changed again: nothing in it is a draft's to change any more. */
function sealed(state: PlanState): PlanState {
  OWNED.delete(state);
  return state;
}

function ownedBy(draft: PlanState): WeakSet<object> {
  let owned = OWNED.get(draft);
  if (!owned) OWNED.set(draft, (owned = new WeakSet()));
  return owned;
}

/**
 * A new state sharing every action, recommendation and workstream with `state`: only the containers a fold
 * pushes onto or sets keys of are copied (the order arrays, the id-keyed records, the logs), and an action or
 * recommendation is copied only when the fold changes it (actionToChange, recommendationToChange). So folding
 * a few events onto a snapshot of a 280-action plan copies the actions those events touch, not all 280, and
 * every action left alone is the same object in both states: what a reader derives from an action (its JSON)
 * can be kept against it. The entries the fold pushes (notes, assessments, audits, stored events) are never
 * touched again. A new in-place change to something nested must go through those two functions:
 * evolve.unit.spec.ts checks that folding never changes the state folded from.
 */
function cloneState(state: PlanState, recording: readonly StoredPlanEvent[] = []): PlanState {
  const draft: PlanState = {
    ...state,
    workstreams: copyDictionary(state.workstreams),
    recommendations: copyDictionary(state.recommendations),
    actions: copyDictionary(state.actions),
    workstreamOrder: [...state.workstreamOrder],
    recommendationOrder: [...state.recommendationOrder],
    actionOrder: [...state.actionOrder],
    corrections: [...state.corrections],
    voided: [...(state.voided ?? [])],
    approval: state.approval ?? initialPlanState().approval,
    submissions: [...(state.submissions ?? [])],
    // Replaced, never changed in place, by applyUpdateRoundEvent: sharing it is safe.
    updates: state.updates ?? initialPlanState().updates,
    // With the events the fold is about to record already on its end (see foldPlan): one copy of the history.
    history: state.history.concat(recording),
  };
  OWNED.set(draft, new WeakSet());
  return draft;
}

/**
 * A copy of the state that shares no action or recommendation with any other state: each with its own arrays
 * (the entries in them, notes, assessments, audits, are shared and never changed). For a caller who changes
 * the state it was given (PlanTimeline.stateAsAt's), where the states folds return share what their events
 * left alone with the states they were folded from (snapshots kept for other readers).
 */
export function detachedCopy(state: PlanState): PlanState {
  const copy = cloneState(state);
  for (const id of Object.keys(copy.actions)) actionToChange(copy, id);
  for (const id of Object.keys(copy.recommendations)) recommendationToChange(copy, id);
  return sealed(copy);
}

/** The draft's own copy of the action, to change in place (made on the first change of this fold), or undefined. */
function actionToChange(draft: PlanState, actionId: string): Action | undefined {
  const action = own(draft.actions, actionId);
  if (!action) return undefined;
  const owned = ownedBy(draft);
  if (owned.has(action)) return action;
  const copy: Action = {
    ...action,
    targetChanges: [...action.targetChanges],
    progress: [...action.progress],
    ragAssessments: [...action.ragAssessments],
    evidence: [...action.evidence],
    audits: [...action.audits],
  };
  owned.add(copy);
  setOwn(draft.actions, actionId, copy);
  return copy;
}

/** The draft's own copy of the recommendation, as actionToChange. */
function recommendationToChange(draft: PlanState, recommendationId: string): Recommendation | undefined {
  const recommendation = own(draft.recommendations, recommendationId);
  if (!recommendation) return undefined;
  const owned = ownedBy(draft);
  if (owned.has(recommendation)) return recommendation;
  const copy: Recommendation = { ...recommendation, actionIds: [...recommendation.actionIds], audits: [...recommendation.audits] };
  owned.add(copy);
  setOwn(draft.recommendations, recommendationId, copy);
  return copy;
}

export function foldPlan(events: readonly StoredPlanEvent[], from: PlanState = initialPlanState()): PlanState {
  const hasCorrections = events.some((event) => event.type === 'EntryCorrected');
  if (!hasCorrections) {
    // The history is copied once with the events on its end, not copied and then pushed onto: the first push
    // past a copy's length copies the whole history again (10k entries in the bench's plan, at every write's
    // read-back of its group).
    const draft = cloneState(from, events);
    for (const event of events) applyInPlace(draft, event, event, IN_HISTORY);
    return sealed(draft);
  }
  const all = [...from.history, ...events];
  const corrected = correctedVersions(all);
  const fresh = initialPlanState();
  for (const event of all) {
    const version = corrected.get(event.eventId);
    if (version === 'withdrawn') {
      recordOnly(fresh, event);
    } else {
      applyInPlace(fresh, version ?? event, event);
    }
  }
  return sealed(fresh);
}

/** For every corrected event id: its data with all amendments applied in order, or 'withdrawn'. */
function correctedVersions(events: readonly StoredPlanEvent[]): Map<string, StoredPlanEvent | 'withdrawn'> {
  const byId = new Map(events.map((event) => [event.eventId, event]));
  const versions = new Map<string, StoredPlanEvent | 'withdrawn'>();
  for (const event of events) {
    if (event.type !== 'EntryCorrected') continue;
    const original = byId.get(event.data.correctedEventId);
    if (!original) continue;
    const current = versions.get(original.eventId) ?? original;
    if (current === 'withdrawn') continue;
    if (event.data.kind === 'withdrawn') {
      versions.set(original.eventId, 'withdrawn');
    } else {
      versions.set(original.eventId, { ...current, data: { ...current.data, ...event.data.amendments } } as StoredPlanEvent);
    }
  }
  return versions;
}

function stampOf(event: StoredPlanEvent): EntryStamp {
  return { eventId: event.eventId, recordedAt: event.recordedAt, effectiveAt: effectiveAtOf(event), actor: event.metadata.actor.displayName };
}

function recordOnly(draft: PlanState, event: StoredPlanEvent): void {
  draft.history.push(event);
  noteRecorded(draft, event);
}

/** The revision and instant a recorded event brings, for an event already in the draft's history. */
function noteRecorded(draft: PlanState, event: StoredPlanEvent): void {
  // As-at replay in effective time folds in effective order, so revisions may arrive out of order.
  if (event.revision > draft.revision) draft.revision = event.revision;
  if (!draft.lastRecordedAt || event.recordedAt > draft.lastRecordedAt) draft.lastRecordedAt = event.recordedAt;
}

/** applyInPlace's last argument when the draft was cloned with `original` already on its history's end. */
const IN_HISTORY = true;

/**
 * Apply `event` (possibly a corrected version of `original`) to a draft the caller owns. `leftOffHistory`: `original`
 * is not pushed onto the history (it is already on its end, or the fold does not keep it: PlanFold's keepsInHistory),
 * only its revision and instant noted.
 */
function applyInPlace(draft: PlanState, event: StoredPlanEvent, original: StoredPlanEvent = event, leftOffHistory = false): void {
  if (leftOffHistory) noteRecorded(draft, original);
  else recordOnly(draft, original);
  const stamp = stampOf(event);
  const reason = event.metadata.reason;
  switch (event.type) {
    case 'PlanCreated': {
      const { planId, title, organisation, organisationId, respondsTo, period, owner } = event.data;
      Object.assign(draft, { exists: true, id: planId, title, organisation, organisationId, respondsTo, period, owner, createdAt: event.recordedAt });
      return;
    }
    case 'WorkstreamAdded': {
      const { workstreamId, ...rest } = event.data;
      setOwn(draft.workstreams, workstreamId, { id: workstreamId, ...rest });
      draft.workstreamOrder.push(workstreamId);
      return;
    }
    case 'RecommendationAdded': {
      const { recommendationId, ...rest } = event.data;
      const recommendation: Recommendation = { id: recommendationId, ...rest, actionIds: [], audits: [] };
      ownedBy(draft).add(recommendation);
      setOwn(draft.recommendations, recommendationId, recommendation);
      draft.recommendationOrder.push(recommendationId);
      return;
    }
    case 'ActionAdded': {
      const { actionId, ...rest } = event.data;
      const action: Action = {
        id: actionId,
        ...rest,
        originalTarget: rest.target,
        status: 'not_started',
        targetChanges: [],
        progress: [],
        ragAssessments: [],
        evidence: [],
        audits: [],
        warnings: [],
        addedAt: stamp.effectiveAt,
      };
      action.warnings = dataQualityWarnings(action);
      ownedBy(draft).add(action);
      setOwn(draft.actions, actionId, action);
      draft.actionOrder.push(actionId);
      if (rest.recommendationId) recommendationToChange(draft, rest.recommendationId)?.actionIds.push(actionId);
      return;
    }
    case 'ProgressUpdateRecorded': {
      const action = actionToChange(draft, event.data.actionId);
      action?.progress.push({ ...stamp, narrative: event.data.narrative, asAt: event.data.asAt });
      return;
    }
    case 'ActionStatusChanged': {
      const action = actionToChange(draft, event.data.actionId);
      if (action) setStatus(action, event.data.to, reason, stamp.effectiveAt);
      return;
    }
    case 'ActionReassigned': {
      const action = actionToChange(draft, event.data.actionId);
      if (!action) return;
      action.leads = [...event.data.to];
      action.warnings = dataQualityWarnings(action);
      return;
    }
    case 'TargetDateSlipped': {
      const action = actionToChange(draft, event.data.actionId);
      if (!action) return;
      action.target = event.data.to;
      action.targetChanges.push({ ...stamp, from: event.data.from, to: event.data.to, reason });
      action.warnings = dataQualityWarnings(action);
      return;
    }
    case 'RagAssessed': {
      actionToChange(draft, event.data.actionId)?.ragAssessments.push({ ...stamp, rating: event.data.rating, rationale: event.data.rationale });
      return;
    }
    case 'EvidenceAttached': {
      const { actionId, ...item } = event.data;
      actionToChange(draft, actionId)?.evidence.push({ ...stamp, ...item });
      return;
    }
    case 'AuditOutcomeRecorded': {
      const outcome: AuditOutcome = { ...stamp, ...event.data };
      const subject = event.data.subject;
      if (subject.kind === 'action') actionToChange(draft, subject.actionId)?.audits.push(outcome);
      else recommendationToChange(draft, subject.recommendationId)?.audits.push(outcome);
      return;
    }
    case 'ActionCompleted': {
      const action = actionToChange(draft, event.data.actionId);
      if (action) setStatus(action, 'completed', reason, stamp.effectiveAt, event.data.completedOn);
      return;
    }
    case 'ActionReopened': {
      const action = actionToChange(draft, event.data.actionId);
      if (action) setStatus(action, event.data.to, reason, stamp.effectiveAt);
      return;
    }
    case 'RecommendationSignedOff': {
      const recommendation = recommendationToChange(draft, event.data.recommendationId);
      if (recommendation) recommendation.signedOff = { on: event.data.signedOffOn, by: stamp.actor, reason, eventId: event.eventId };
      return;
    }
    case 'EntryCorrected': {
      draft.corrections.push({ ...stamp, ...event.data, reason });
      return;
    }
    case 'EventVoided': {
      // The voided entry itself never reaches a fold (readablePlanEvents leaves it out); this keeps the record of it.
      draft.voided.push({ ...stamp, ...event.data, reason });
      return;
    }
    case 'ApprovalRequirementSet':
    case 'UpdateSubmitted':
    case 'UpdateAccepted':
    case 'UpdateRejected':
    case 'UpdateWithdrawn':
      applyApprovalEvent(draft, event);
      return;
    case 'UpdateWindowSet':
    case 'LeadContactSet':
    case 'UpdateRoundOpened':
    case 'UpdateRoundClosed':
    case 'ReminderSent':
    case 'ReminderFailed':
      applyUpdateRoundEvent(draft, event);
      return;
    default: {
      const unreachable: never = event;
      throw new Error(`Unhandled event ${(unreachable as { type: string }).type}`);
    }
  }
}

/** Status changes, completions and reopenings all move the same four fields; only a completion keeps a date. */
function setStatus(action: Action, status: Action['status'], reason: string | undefined, at: string, completedOn?: string): void {
  action.status = status;
  action.statusReason = reason;
  action.statusChangedAt = at;
  if (completedOn) action.completedOn = completedOn;
  else delete action.completedOn;
}

export function dataQualityWarnings(action: Pick<Action, 'ref' | 'leads' | 'start' | 'target'>): DataQualityWarning[] {
  const warnings: DataQualityWarning[] = [];
  if (action.leads.length === 0) warnings.push({ code: 'NO_LEAD', message: `Action ${action.ref} has no lead` });
  if (action.target.kind === 'unparsed') {
    warnings.push({ code: 'UNPARSED_TARGET', message: `Action ${action.ref}: the target "${action.target.text}" could not be read as a date` });
  }
  if (action.start?.date && action.target.due && action.target.due < action.start.date) {
    warnings.push({
      code: 'TARGET_BEFORE_START',
      message: `Action ${action.ref}: the target (${action.target.text}) is before the start (${action.start.text})`,
    });
  }
  return warnings;
}

/**
 * A fold the caller owns: `from` is copied once, then each event is applied in place. For a run of
 * decisions against a state nobody else holds (an import's batch), where copying the plan for every
 * command made large imports quadratic. Readers of `state` must not change it, and must not keep anything
 * derived from it or its actions past the next apply: unlike the states evolve and foldPlan return, which
 * never change once returned, this one and the actions in it are changed in place.
 */
export class PlanFold {
  private draft: PlanState;

  /**
   * `keepsInHistory`, for a fold that knows which corrections it will meet (a rebuild reads a log already written):
   * only the events it accepts go into the state's history, the others are folded and forgotten. What a correction
   * re-folds from the history must then be kept (historyKeptFor: the entries of the actions it corrects and
   * every correction), and the state's history is not the plan's: such a state is for making rows from, never for
   * a reader of `history`. Why: a rebuild held every plan's every event until the plan's end, for the collector to
   * copy (a fifth of a rebuild's CPU went on collection); kept only for corrections, a one-thread rebuild costs
   * 5–8 % less CPU (docs/benchmarks.md, "Round 10: rebuild").
   */
  constructor(
    from: PlanState,
    private readonly keepsInHistory?: (event: StoredPlanEvent) => boolean,
  ) {
    this.draft = cloneState(from);
  }

  get state(): PlanState {
    return this.draft;
  }

  apply(events: readonly StoredPlanEvent[]): void {
    for (const event of events) {
      if (event.type !== 'EntryCorrected') {
        applyInPlace(this.draft, event, event, this.keepsInHistory !== undefined && !this.keepsInHistory(event));
        continue;
      }
      if (this.keepsInHistory && !this.keepsInHistory(event)) throw new Error(`A fold keeping part of the history must keep every correction (event ${event.eventId})`);
      const actionId = correctionConfinedTo(event, this.draft);
      if (actionId === undefined) {
        if (this.keepsInHistory) throw new Error(`A fold keeping part of the history cannot re-fold the plan for correction ${event.eventId}`);
        // A correction of the plan's shape re-folds the history with the correction substituted in: the general path.
        this.draft = foldPlan([event], this.draft);
      } else {
        applyInPlace(this.draft, event);
        const action = refoldAction(this.draft.history, actionId);
        if (action) {
          ownedBy(this.draft).add(action);
          setOwn(this.draft.actions, actionId, action);
        }
      }
    }
  }
}

/**
 * Entries whose whole effect is on the one action they name (a note, a status, a slip, an assessment…), as
 * opposed to those that shape the plan (adding an action files it under a recommendation and in the plan's order).
 */
export function actionConfinedTo(event: StoredPlanEvent): string | undefined {
  switch (event.type) {
    case 'ProgressUpdateRecorded':
    case 'ActionStatusChanged':
    case 'ActionReassigned':
    case 'TargetDateSlipped':
    case 'RagAssessed':
    case 'EvidenceAttached':
    case 'ActionCompleted':
    case 'ActionReopened':
      return event.data.actionId;
    case 'AuditOutcomeRecorded':
      return event.data.subject.kind === 'action' ? event.data.subject.actionId : undefined;
    default:
      return undefined;
  }
}

/**
 * The one action a correction can change, if it can change only one: the entry it corrects is confined to an
 * action, and a correction never moves an entry to another action (decide refuses amendments of identity fields).
 * Folding such a correction re-folds that action's own entries, not the plan's whole history.
 */
export function correctionConfinedTo(correction: Extract<StoredPlanEvent, { type: 'EntryCorrected' }>, plan: PlanState): string | undefined {
  const original = plan.history.find((event) => event.eventId === correction.data.correctedEventId);
  return original ? actionConfinedTo(original) : undefined;
}

/**
 * What a fold must keep in its history to meet these corrections (every correction it will fold, each with the
 * entry it corrects if found, by event id) as it would with the whole history: a predicate for PlanFold's
 * keepsInHistory, or undefined when only the whole history will do. A correction confined to an action re-folds that
 * action from its own entries and their corrections (refoldAction), and finds the entry it corrects there
 * (correctionConfinedTo), so the entries of the actions corrected and the corrections are enough; any other (of the
 * plan's shape, of a correction, of an entry not found or not before it) re-folds the whole history. A correction
 * not among these is kept by no predicate: PlanFold refuses it rather than fold it without what it needs.
 */
export function historyKeptFor(corrections: readonly StoredPlanEvent[], corrected: ReadonlyMap<string, StoredPlanEvent>): ((event: StoredPlanEvent) => boolean) | undefined {
  const actions = new Set<string>();
  const correctionIds = new Set<string>();
  for (const correction of corrections) {
    if (correction.type !== 'EntryCorrected') return undefined;
    const original = corrected.get(correction.data.correctedEventId);
    const actionId = original && original.revision < correction.revision ? actionConfinedTo(original) : undefined;
    if (actionId === undefined) return undefined;
    actions.add(actionId);
    correctionIds.add(correction.eventId);
  }
  return (event) => {
    if (event.type === 'EntryCorrected') return correctionIds.has(event.eventId);
    const actionId = event.type === 'ActionAdded' ? event.data.actionId : actionConfinedTo(event);
    return actionId !== undefined && actions.has(actionId);
  };
}

/** One action folded afresh from its own entries in `history`, each with its corrections applied. */
function refoldAction(history: readonly StoredPlanEvent[], actionId: string): Action | undefined {
  const entries = history.filter((event) => (event.type === 'ActionAdded' ? event.data.actionId === actionId : actionConfinedTo(event) === actionId));
  const ownIds = new Set(entries.map((event) => event.eventId));
  const corrections = history.filter((event) => event.type === 'EntryCorrected' && ownIds.has(event.data.correctedEventId));
  const versions = correctedVersions([...entries, ...corrections]);
  const scratch = initialPlanState();
  for (const event of entries) {
    const version = versions.get(event.eventId);
    if (version !== 'withdrawn') applyInPlace(scratch, version ?? event, event);
  }
  return own(scratch.actions, actionId);
}
