import { decideAccess } from '../access/decide-access.js';
import type { AccessCommand, NewAccessEvent } from '../access/access-commands.js';
import { applyAccessEvent, initialAccessState, type AccessState, type StoredAccessEvent } from '../access/access-state.js';
import { deciderSpecification } from './decider-specification.js';
import { GIVEN_METADATA, GIVEN_RECORDED_AT } from './plan-decider-spec.js';

/** The given access events as the access stream folds them: dense revisions, recorded by the specification's actor. */
export function foldAccess(events: readonly NewAccessEvent[]): AccessState {
  return events.reduce(
    (state, { eventId: _eventId, reason, ...fact }, revision) =>
      applyAccessEvent(state, { ...fact, revision, recordedAt: GIVEN_RECORDED_AT, actor: GIVEN_METADATA.actor.displayName, ...(reason ? { reason } : {}) } as StoredAccessEvent),
    initialAccessState(),
  );
}

/** The access decider's specification: given access events → when an access command → then access events. */
export const accessDecider = deciderSpecification<AccessCommand, NewAccessEvent, AccessState>({ decide: decideAccess, fold: foldAccess });
