import { z } from 'zod';
import { DomainError, type ErrorDetail } from '../shared/domain-error.js';
import { startOfDayInstant } from '../shared/dates.js';
import { dictionary, own } from '../shared/dictionary.js';
import { parseBusinessDate, parseTarget } from '../targets/fuzzy-target.js';
import type { PlanCommand } from './plan-commands.js';
import { decideWithApproval, type ApprovalCommand } from './approval-decide.js';
import { decideUpdateRoundCommand } from './update-round-decide.js';
import { UPDATE_ROUND_EVENT_TYPES } from './update-round-evolve.js';
import { PlanEventSchemas, isPlanEventType, organisationIdFromName, type NewPlanEvent, type PlanEventData, type PlanEventType, type StartDate } from './plan-events.js';
import { actionPlaced, recommendationPlaced, workstreamNumbered } from './placement-index.js';
import type { Action, PlanState, Recommendation } from './plan-state.js';

/** The clock and id generator are injected: the domain reads no globals, so tests are deterministic. */
export interface DecisionContext {
  now(): Date;
  newId(): string;
  /** Who is deciding: the approval rules need it (no one accepts their own update); the other rules never read it. */
  actor?: { id: string; displayName: string };
}

/**
 * decide(command, state) → events: the business rules, pure. Throws DomainError with a stable code
 * when the command cannot be accepted; returns the facts to append otherwise.
 */
export function decide(command: PlanCommand, state: PlanState, ctx: DecisionContext): NewPlanEvent[] {
  if (command.type !== 'CreatePlan' && !state.exists) throw new DomainError('PLAN_NOT_FOUND', 'There is no such plan');
  return decideWithApproval(command, state, ctx, decideDirectly);
}

/** The rules as they are on a plan that requires no approval (and for an accepted update). */
function decideDirectly(command: Exclude<PlanCommand, ApprovalCommand>, state: PlanState, ctx: DecisionContext): NewPlanEvent[] {
  const event = <T extends PlanEventType>(type: T, data: PlanEventData<T>, extra: { effectiveAt?: string; reason?: string } = {}): NewPlanEvent =>
    ({ eventId: ctx.newId(), type, data, ...definedOnly(extra) }) as NewPlanEvent;
  const today = () => ctx.now().toISOString().slice(0, 10);

  switch (command.type) {
    case 'CreatePlan': {
      if (state.exists) throw new DomainError('PLAN_ALREADY_EXISTS', `Plan ${state.id} already exists`);
      const { type: _type, planId, effectiveAt, organisationId, ...rest } = command;
      return [
        event('PlanCreated', { planId: planId ?? ctx.newId(), ...rest, organisationId: organisationId ?? organisationIdFromName(rest.organisation) }, { effectiveAt: effectiveInstant(effectiveAt) }),
      ];
    }
    case 'AddWorkstream': {
      const clash = workstreamNumbered(state, command.number);
      if (clash) throw duplicate('number', `Workstream ${command.number} already exists ("${clash.title}")`);
      const { type: _type, effectiveAt, ...rest } = command;
      return [event('WorkstreamAdded', { workstreamId: ctx.newId(), ...rest }, { effectiveAt: effectiveInstant(effectiveAt) })];
    }
    case 'AddRecommendation': {
      if (command.workstreamId) requireWorkstream(state, command.workstreamId);
      const clash = recommendationPlaced(state, command.ref, command.workstreamId);
      if (clash) throw duplicate('ref', `Recommendation ${command.ref} already exists in this plan`);
      const { type: _type, effectiveAt, ...rest } = command;
      return [event('RecommendationAdded', { recommendationId: ctx.newId(), ...rest }, { effectiveAt: effectiveInstant(effectiveAt) })];
    }
    case 'AddAction': {
      const recommendation = command.recommendationId ? requireRecommendation(state, command.recommendationId) : undefined;
      if (command.workstreamId) requireWorkstream(state, command.workstreamId);
      const workstreamId = command.workstreamId ?? recommendation?.workstreamId;
      const clash = actionPlaced(state, command.ref, workstreamId, command.recommendationId);
      if (clash) throw duplicate('ref', `Action ${command.ref} already exists here`);
      const { type: _type, startDate, target, effectiveAt, ...rest } = command;
      return [
        event(
          'ActionAdded',
          {
            actionId: ctx.newId(),
            ...rest,
            workstreamId,
            leads: normaliseLeads(rest.leads),
            start: startDate ? startOf(startDate) : undefined,
            target: parseTarget(target),
          },
          { effectiveAt: effectiveInstant(effectiveAt) },
        ),
      ];
    }
    case 'RecordProgressUpdate': {
      const action = requireAction(state, command.actionId);
      // The event keeps the day the note speaks for as `asAt` (its stored shape); the command calls it effectiveAt.
      const asAt = businessDay(command.effectiveAt) ?? today();
      return [event('ProgressUpdateRecorded', { actionId: action.id, narrative: command.narrative, asAt }, { effectiveAt: effectiveInstant(command.effectiveAt) ?? startOfDayInstant(asAt) })];
    }
    case 'ChangeActionStatus': {
      const action = requireAction(state, command.actionId);
      if (action.status === command.to) throw new DomainError('NO_CHANGE', `Action ${action.ref} is already ${command.to.replace('_', ' ')}`);
      if (action.status === 'completed') throw completed(action);
      const timing = { effectiveAt: effectiveInstant(command.effectiveAt), reason: command.reason };
      if (command.to === 'completed') {
        const completedOn = businessDay(command.effectiveAt) ?? today();
        return [event('ActionCompleted', { actionId: action.id, from: action.status, completedOn }, timing)];
      }
      return [event('ActionStatusChanged', { actionId: action.id, from: action.status, to: command.to }, timing)];
    }
    case 'ReassignAction': {
      const action = requireAction(state, command.actionId);
      const to = normaliseLeads(command.to);
      if (sameLeads(action.leads, to)) {
        throw new DomainError('SAME_LEAD', `Action ${action.ref} is already led by ${to.join(', ')}`, [{ path: 'to', problem: 'is the same as the current lead' }]);
      }
      return [event('ActionReassigned', { actionId: action.id, from: action.leads, to }, { effectiveAt: effectiveInstant(command.effectiveAt), reason: command.reason })];
    }
    case 'SlipTargetDate': {
      const action = requireAction(state, command.actionId);
      if (action.status === 'completed') throw completed(action);
      const to = parseTarget(command.to);
      if (to.text === action.target.text) throw new DomainError('NO_CHANGE', `Action ${action.ref} already has the target "${to.text}"`, [{ path: 'to', problem: 'is the current target' }]);
      return [event('TargetDateSlipped', { actionId: action.id, from: action.target, to }, { effectiveAt: effectiveInstant(command.effectiveAt), reason: command.reason })];
    }
    case 'AssessRag': {
      const action = requireAction(state, command.actionId);
      return [event('RagAssessed', { actionId: action.id, rating: command.rating, rationale: command.rationale }, { effectiveAt: effectiveInstant(command.effectiveAt) })];
    }
    case 'AttachEvidence': {
      const action = requireAction(state, command.actionId);
      const { type: _type, actionId: _actionId, reason, ...file } = command;
      const { effectiveAt, ...fileFields } = file;
      return [event('EvidenceAttached', { actionId: action.id, evidenceId: ctx.newId(), ...fileFields }, { effectiveAt: effectiveInstant(effectiveAt), reason })];
    }
    case 'RecordAuditOutcome': {
      if (command.subject.kind === 'action') requireAction(state, command.subject.actionId);
      else requireRecommendation(state, command.subject.recommendationId);
      const { type: _type, effectiveAt, ...outcome } = command;
      return [event('AuditOutcomeRecorded', { auditId: ctx.newId(), ...outcome, auditDate: businessDay(effectiveAt) ?? today() }, { effectiveAt: effectiveInstant(effectiveAt) })];
    }
    case 'CompleteAction': {
      const action = requireAction(state, command.actionId);
      if (action.status === 'completed') throw new DomainError('NO_CHANGE', `Action ${action.ref} is already completed`);
      const completedOn = businessDay(command.effectiveAt) ?? today();
      return [event('ActionCompleted', { actionId: action.id, from: action.status, completedOn }, { effectiveAt: effectiveInstant(command.effectiveAt), reason: command.reason })];
    }
    case 'ReopenAction': {
      const action = requireAction(state, command.actionId);
      if (action.status !== 'completed') throw new DomainError('ACTION_NOT_COMPLETED', `Action ${action.ref} is not completed, so it cannot be reopened`);
      return [event('ActionReopened', { actionId: action.id, to: command.to }, { effectiveAt: effectiveInstant(command.effectiveAt), reason: command.reason })];
    }
    case 'SignOffRecommendation': {
      const recommendation = requireRecommendation(state, command.recommendationId);
      if (recommendation.signedOff) {
        throw new DomainError('RECOMMENDATION_ALREADY_SIGNED_OFF', `Recommendation ${recommendation.ref} was signed off on ${recommendation.signedOff.on}`);
      }
      const signedOffOn = businessDay(command.effectiveAt) ?? today();
      return [event('RecommendationSignedOff', { recommendationId: recommendation.id, signedOffOn }, { effectiveAt: effectiveInstant(command.effectiveAt), reason: command.reason })];
    }
    case 'SetUpdateWindow':
    case 'SetLeadContact':
    case 'OpenUpdateRound':
    case 'CloseUpdateRound':
    case 'RecordReminderSent':
    case 'RecordReminderFailed':
      return decideUpdateRoundCommand(command, state, ctx);
    case 'CorrectEntry':
      return [event('EntryCorrected', correctionOf(command, state), { effectiveAt: effectiveInstant(command.effectiveAt), reason: command.reason })];
    default: {
      const unreachable: never = command;
      throw new Error(`Unhandled command ${(unreachable as { type: string }).type}`);
    }
  }
}

/** Entries that define the plan's shape are not withdrawn (mark an action superseded instead); corrections are not corrected. */
const NOT_WITHDRAWABLE: readonly PlanEventType[] = ['PlanCreated', 'WorkstreamAdded', 'RecommendationAdded', 'ActionAdded'];
/** Fields that say *which* thing an entry is about: a correction cannot move an entry to another thing. */
const IDENTITY_FIELD = /(^|[a-z])(Id|subject)$|^planId$/;

function correctionOf(command: Extract<PlanCommand, { type: 'CorrectEntry' }>, state: PlanState): PlanEventData<'EntryCorrected'> {
  const original = state.history.find((e) => e.eventId === command.eventId);
  if (!original) throw new DomainError('EVENT_NOT_FOUND', `There is no entry ${command.eventId} in this plan`, [{ path: 'eventId', problem: 'is not an entry of this plan' }]);
  if (original.type === 'EntryCorrected') throw new DomainError('NOT_CORRECTABLE', 'A correction cannot itself be corrected: correct the original entry again');
  if (original.type === 'EventVoided') throw new DomainError('NOT_CORRECTABLE', 'A repair (EventVoided) cannot be corrected');
  // Who was asked for what, and who was reminded, is evidence as it happened: a later round or setting answers it.
  if (UPDATE_ROUND_EVENT_TYPES.has(original.type)) throw new DomainError('NOT_CORRECTABLE', `A ${original.type} entry cannot be corrected`);
  const base = { correctedEventId: original.eventId, correctedEventType: original.type };
  if (state.corrections.some((c) => c.correctedEventId === original.eventId && c.kind === 'withdrawn')) {
    throw new DomainError('NOT_CORRECTABLE', 'That entry has already been withdrawn');
  }
  if (command.kind === 'withdrawn') {
    if (NOT_WITHDRAWABLE.includes(original.type)) {
      throw new DomainError('NOT_CORRECTABLE', `A ${original.type} entry cannot be withdrawn; amend it, or mark the action superseded`);
    }
    return { ...base, kind: 'withdrawn' };
  }
  // A copy without a prototype: the conveniences below write into it, and its keys came from outside.
  const amendments = dictionary(Object.entries(command.amendments ?? {}));
  const details: ErrorDetail[] = [];
  if (Object.keys(amendments).length === 0) details.push({ path: 'amendments', problem: 'say which fields to amend' });
  if (!isPlanEventType(original.type)) throw new DomainError('NOT_CORRECTABLE', `Unknown entry type ${original.type}`);
  const schema = PlanEventSchemas[original.type] as z.ZodObject;
  for (const key of Object.keys(amendments)) {
    if (!Object.prototype.hasOwnProperty.call(schema.shape, key)) details.push({ path: `amendments.${key}`, problem: `is not a field of ${original.type}` });
    else if (IDENTITY_FIELD.test(key)) details.push({ path: `amendments.${key}`, problem: 'says which thing the entry is about and cannot be corrected' });
  }
  // Conveniences: targets and start dates are given as the words, as everywhere else.
  if (typeof amendments.target === 'string') amendments.target = parseTarget(amendments.target);
  if (typeof amendments.to === 'string' && original.type === 'TargetDateSlipped') amendments.to = parseTarget(amendments.to);
  if (typeof amendments.start === 'string') amendments.start = startOf(amendments.start);
  if (details.length > 0) throw new DomainError('INVALID_CORRECTION', 'The correction cannot be applied', details);
  const merged = schema.safeParse({ ...original.data, ...amendments });
  if (!merged.success) {
    throw new DomainError(
      'INVALID_CORRECTION',
      'The corrected entry would not be valid',
      merged.error.issues.map((issue) => ({ path: ['amendments', ...issue.path.map(String)].join('.'), problem: issue.message })),
    );
  }
  return { ...base, kind: 'amended', amendments };
}

function requireAction(state: PlanState, actionId: string): Action {
  const action = own(state.actions, actionId);
  if (!action) throw new DomainError('ACTION_NOT_FOUND', `There is no action ${actionId} in this plan`, [{ path: 'actionId', problem: 'is not an action of this plan' }]);
  return action;
}

function requireRecommendation(state: PlanState, recommendationId: string): Recommendation {
  const recommendation = own(state.recommendations, recommendationId);
  if (!recommendation) {
    throw new DomainError('RECOMMENDATION_NOT_FOUND', `There is no recommendation ${recommendationId} in this plan`, [
      { path: 'recommendationId', problem: 'is not a recommendation of this plan' },
    ]);
  }
  return recommendation;
}

function requireWorkstream(state: PlanState, workstreamId: string): void {
  if (!own(state.workstreams, workstreamId)) {
    throw new DomainError('WORKSTREAM_NOT_FOUND', `There is no workstream ${workstreamId} in this plan`, [{ path: 'workstreamId', problem: 'is not a workstream of this plan' }]);
  }
}

function completed(action: Action): DomainError {
  return new DomainError('ACTION_COMPLETED', `Action ${action.ref} is completed; reopen it first`);
}

function duplicate(path: string, message: string): DomainError {
  return new DomainError('DUPLICATE_REFERENCE', message, [{ path, problem: 'is already used' }]);
}

function startOf(text: string): StartDate {
  const parsed = parseBusinessDate(text);
  return parsed ? { text, date: parsed.date } : { text };
}

function normaliseLeads(leads: readonly string[]): string[] {
  const seen = new Set<string>();
  return leads.map((lead) => lead.replace(/\s+/g, ' ').trim()).filter((lead) => lead && !seen.has(lead.toLowerCase()) && seen.add(lead.toLowerCase()));
}

function sameLeads(a: readonly string[], b: readonly string[]): boolean {
  const key = (leads: readonly string[]) => leads.map((l) => l.toLowerCase()).sort().join('\u0000');
  return key(a) === key(b);
}

function effectiveInstant(effectiveAt: string | undefined): string | undefined {
  if (!effectiveAt) return undefined;
  return effectiveAt.length === 10 ? startOfDayInstant(effectiveAt) : new Date(effectiveAt).toISOString();
}

/** The calendar day (UTC) an effectiveAt falls on: what events that store a day (completedOn, asAt, …) keep. */
function businessDay(effectiveAt: string | undefined): string | undefined {
  return effectiveInstant(effectiveAt)?.slice(0, 10);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
