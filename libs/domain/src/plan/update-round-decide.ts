import { DomainError } from '../shared/domain-error.js';
import { own } from '../shared/dictionary.js';
import type { DecisionContext } from './decide.js';
import type { PlanCommand } from './plan-commands.js';
import type { NewPlanEvent, PlanEventData, PlanEventType, UpdateRoundRequest } from './plan-events.js';
import type { PlanState } from './plan-state.js';
import type { UpdateRound } from './update-round-evolve.js';
import { updateRequestsOf } from './update-requests.js';

export type UpdateRoundCommand = Extract<PlanCommand, { type: 'SetUpdateWindow' | 'SetLeadContact' | 'OpenUpdateRound' | 'CloseUpdateRound' | 'RecordReminderSent' | 'RecordReminderFailed' }>;

const UPDATE_ROUND_COMMANDS: ReadonlySet<string> = new Set(['SetUpdateWindow', 'SetLeadContact', 'OpenUpdateRound', 'CloseUpdateRound', 'RecordReminderSent', 'RecordReminderFailed']);

export function isUpdateRoundCommand(command: PlanCommand): command is UpdateRoundCommand {
  return UPDATE_ROUND_COMMANDS.has(command.type);
}

/**
 * Asking for updates: the window, the leads' contacts, rounds and the reminder run's records. A round asks for
 * what updateRequestsOf lists at the moment it opens, so "who was asked for what" is the rule's answer then,
 * kept in the event, not recomputed later.
 */
export function decideUpdateRoundCommand(command: UpdateRoundCommand, state: PlanState, ctx: DecisionContext): NewPlanEvent[] {
  const event = <T extends PlanEventType>(type: T, data: PlanEventData<T>, reason?: string): NewPlanEvent =>
    ({ eventId: ctx.newId(), type, data, ...(reason ? { reason } : {}) }) as NewPlanEvent;
  switch (command.type) {
    case 'SetUpdateWindow': {
      if (state.updates.windowDays === command.days) {
        throw new DomainError('NO_CHANGE', `The plan's update window is already ${command.days} days`, [{ path: 'days', problem: 'is the current setting' }]);
      }
      return [event('UpdateWindowSet', { days: command.days }, command.reason)];
    }
    case 'SetLeadContact': {
      const { lead, userId, displayName, email } = command;
      const named = state.actionOrder.some((id) => own(state.actions, id)?.leads.includes(lead));
      if (!named) throw new DomainError('LEAD_NOT_FOUND', `No action of this plan is led by "${lead}"`, [{ path: 'lead', problem: 'leads no action of this plan' }]);
      const current = own(state.updates.contacts, lead);
      if (current && current.userId === userId && current.email === email && current.displayName === displayName) {
        throw new DomainError('NO_CHANGE', `${displayName} is already the contact for "${lead}"`, [{ path: 'lead', problem: 'has this contact already' }]);
      }
      return [event('LeadContactSet', { lead, userId, displayName, email }, command.reason)];
    }
    case 'OpenUpdateRound': {
      const now = ctx.now().toISOString();
      if (command.dueBy < now.slice(0, 10)) {
        throw new DomainError('VALIDATION_FAILED', 'A round cannot be due before the day it opens', [{ path: 'dueBy', problem: 'is before today' }]);
      }
      const requests: UpdateRoundRequest[] = updateRequestsOf(state, now).map((r) => ({ actionId: r.actionId, leads: r.leads, kind: r.kind, dueOn: r.dueOn, reason: r.reason.slice(0, 2_000) }));
      if (requests.length === 0) throw new DomainError('NOTHING_DUE', 'No action of this plan is due an update, so there is no one to ask');
      return [event('UpdateRoundOpened', { roundId: ctx.newId(), title: command.title, dueBy: command.dueBy, requests }, command.reason)];
    }
    case 'CloseUpdateRound': {
      const round = requireRound(state, command.roundId);
      if (round.closed) {
        throw new DomainError('ROUND_CLOSED', `The round "${round.title}" was closed by ${round.closed.by.displayName}`, [{ path: 'roundId', problem: 'is already closed' }]);
      }
      const { received, missing } = roundReturns(state, round);
      return [event('UpdateRoundClosed', { roundId: round.roundId, received, missing }, command.reason)];
    }
    case 'RecordReminderSent': {
      const { reminderId, userId, email, day, actionIds } = command;
      if (state.updates.reminders.some((r) => r.outcome === 'sent' && r.userId === userId && r.day === day)) {
        throw new DomainError('ALREADY_REMINDED', `A reminder already went to ${userId} for ${day}: at most one a day`, [{ path: 'day', problem: 'already has a reminder for this person' }]);
      }
      requireActions(state, actionIds);
      return [event('ReminderSent', { reminderId, userId, email, day, actionIds })];
    }
    case 'RecordReminderFailed': {
      const { reminderId, userId, email, day, actionIds, error } = command;
      requireActions(state, actionIds);
      return [event('ReminderFailed', { reminderId, userId, email, day, actionIds, error })];
    }
    default: {
      const unreachable: never = command;
      throw new Error(`Unhandled command ${(unreachable as { type: string }).type}`);
    }
  }
}

/** A round by id (ids from outside: compared, never used as keys). */
export function requireRound(state: PlanState, roundId: string): UpdateRound {
  const round = state.updates.rounds.find((r) => r.roundId === roundId);
  if (!round) throw new DomainError('ROUND_NOT_FOUND', `There is no update round ${roundId} in this plan`, [{ path: 'roundId', problem: 'is not an update round of this plan' }]);
  return round;
}

/**
 * What came back for a round: a requested action is answered by a progress update, or a submitted update that
 * is pending or accepted, recorded since the round opened, or by its completion since then. A rejected or
 * withdrawn submission answers nothing.
 */
export function roundReturns(state: PlanState, round: UpdateRound): { received: string[]; missing: UpdateRoundRequest[] } {
  const recordedAt = new Map(state.history.map((e) => [e.eventId, e.recordedAt]));
  const answered = new Set<string>();
  for (const request of round.requests) {
    const action = own(state.actions, request.actionId);
    if (!action) continue;
    if (action.progress.some((p) => p.recordedAt >= round.openedAt)) answered.add(action.id);
    else if (action.status === 'completed' && action.statusChangedAt !== undefined && (recordedAtOfCompletion(state, action.id) ?? '') >= round.openedAt) answered.add(action.id);
  }
  for (const submission of state.submissions) {
    if (submission.status !== 'pending' && submission.status !== 'accepted') continue;
    if ((recordedAt.get(submission.eventId) ?? '') >= round.openedAt) answered.add(submission.actionId);
  }
  const received = round.requests.filter((r) => answered.has(r.actionId)).map((r) => r.actionId);
  const missing = round.requests.filter((r) => !answered.has(r.actionId));
  return { received, missing };
}

function recordedAtOfCompletion(state: PlanState, actionId: string): string | undefined {
  for (let i = state.history.length - 1; i >= 0; i--) {
    const e = state.history[i]!;
    if (e.type === 'ActionCompleted' && e.data.actionId === actionId) return e.recordedAt;
  }
  return undefined;
}

function requireActions(state: PlanState, actionIds: readonly string[]): void {
  const unknown = actionIds.findIndex((id) => !own(state.actions, id));
  if (unknown >= 0) throw new DomainError('ACTION_NOT_FOUND', `There is no action ${actionIds[unknown]} in this plan`, [{ path: `actionIds.${unknown}`, problem: 'is not an action of this plan' }]);
}
