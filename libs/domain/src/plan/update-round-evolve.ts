import { copyDictionary, dictionary, type Dictionary } from '../shared/dictionary.js';
import { effectiveAtOf, type StoredPlanEvent, type UpdateRoundRequest } from './plan-events.js';
import type { PlanState } from './plan-state.js';

export type UpdateRoundEvent = Extract<StoredPlanEvent, { type: 'UpdateWindowSet' | 'LeadContactSet' | 'UpdateRoundOpened' | 'UpdateRoundClosed' | 'ReminderSent' | 'ReminderFailed' }>;

export const UPDATE_ROUND_EVENT_TYPES: ReadonlySet<string> = new Set(['UpdateWindowSet', 'LeadContactSet', 'UpdateRoundOpened', 'UpdateRoundClosed', 'ReminderSent', 'ReminderFailed']);

/** The person who answers for a lead of the plan. */
export interface LeadContact {
  lead: string;
  userId: string;
  displayName: string;
  email: string;
  eventId: string;
  setAt: string;
}

export interface UpdateRound {
  roundId: string;
  eventId: string;
  title: string;
  dueBy: string;
  /** When the round was opened (recorded): an update received since then answers it. */
  openedAt: string;
  openedBy: { id: string; displayName: string };
  requests: UpdateRoundRequest[];
  closed?: { at: string; by: { id: string; displayName: string }; eventId: string; received: string[]; missing: UpdateRoundRequest[]; reason?: string };
}

export interface ReminderRecord {
  reminderId: string;
  eventId: string;
  userId: string;
  email: string;
  day: string;
  actionIds: string[];
  outcome: 'sent' | 'failed';
  error?: string;
  recordedAt: string;
}

/** What the plan records about asking for updates. */
export interface UpdateTracking {
  /** Days ahead of a target that its action is due an update; absent means the default (45). */
  windowDays?: number;
  /** By lead, as the plan names the lead: prototype-less, read with `own`. */
  contacts: Dictionary<LeadContact>;
  rounds: UpdateRound[];
  reminders: ReminderRecord[];
}

export function initialUpdateTracking(): UpdateTracking {
  return { contacts: dictionary(), rounds: [], reminders: [] };
}

/**
 * The update-request events' part of the fold, on a draft the caller owns. Every change replaces
 * `draft.updates` (and the container it touches) with a new object, so the clone in evolve.ts may share it.
 */
export function applyUpdateRoundEvent(draft: PlanState, event: UpdateRoundEvent): void {
  const current = draft.updates ?? initialUpdateTracking();
  const by = { id: event.metadata.actor.id, displayName: event.metadata.actor.displayName };
  switch (event.type) {
    case 'UpdateWindowSet':
      draft.updates = { ...current, windowDays: event.data.days };
      return;
    case 'LeadContactSet': {
      const contacts = copyDictionary(current.contacts);
      contacts[event.data.lead] = { ...event.data, eventId: event.eventId, setAt: effectiveAtOf(event) };
      draft.updates = { ...current, contacts };
      return;
    }
    case 'UpdateRoundOpened': {
      const { roundId, title, dueBy, requests } = event.data;
      draft.updates = { ...current, rounds: [...current.rounds, { roundId, eventId: event.eventId, title, dueBy, openedAt: event.recordedAt, openedBy: by, requests }] };
      return;
    }
    case 'UpdateRoundClosed': {
      const reason = event.metadata.reason;
      const rounds = current.rounds.map((round) =>
        round.roundId === event.data.roundId
          ? { ...round, closed: { at: event.recordedAt, by, eventId: event.eventId, received: event.data.received, missing: event.data.missing, ...(reason ? { reason } : {}) } }
          : round,
      );
      draft.updates = { ...current, rounds };
      return;
    }
    case 'ReminderSent':
    case 'ReminderFailed': {
      const error = event.type === 'ReminderFailed' ? { error: event.data.error } : {};
      const { reminderId, userId, email, day, actionIds } = event.data;
      const record: ReminderRecord = { reminderId, eventId: event.eventId, userId, email, day, actionIds, outcome: event.type === 'ReminderSent' ? 'sent' : 'failed', ...error, recordedAt: event.recordedAt };
      draft.updates = { ...current, reminders: [...current.reminders, record] };
      return;
    }
    default: {
      const unreachable: never = event;
      throw new Error(`Unhandled update-round event ${(unreachable as { type: string }).type}`);
    }
  }
}
