import { DomainError } from '../shared/domain-error.js';
import { own } from '../shared/dictionary.js';
import type { DecisionContext } from '../plan/decide.js';
import type { AccessCommand, NewAccessEvent } from './access-commands.js';
import type { AccessEvent } from './access-events.js';
import type { AccessState } from './access-state.js';

/**
 * decideAccess(command, state) → events: who may be registered, issued a token, granted or refused access,
 * pure. Throws DomainError with a stable code when the command cannot be accepted.
 */
export function decideAccess(command: AccessCommand, state: AccessState, ctx: DecisionContext): NewAccessEvent[] {
  const event = (fact: AccessEvent, reason?: string): NewAccessEvent => ({ eventId: ctx.newId(), ...fact, ...(reason ? { reason } : {}) }) as NewAccessEvent;
  switch (command.type) {
    case 'RegisterUser': {
      const { type: _type, ...user } = command;
      if (own(state.users, user.userId)) throw new DomainError('DUPLICATE_REFERENCE', `There is already a user ${user.userId}`, [{ path: 'userId', problem: 'is already used' }]);
      return [event({ type: 'UserRegistered', data: user })];
    }
    case 'IssueToken': {
      const { type: _type, ...token } = command;
      requireFuture(token.expiresAt, ctx);
      requireUser(state, token.userId);
      return [event({ type: 'TokenIssued', data: token })];
    }
    case 'RevokeToken': {
      const issued = own(state.tokens, command.tokenId);
      if (!issued) throw new DomainError('EVENT_NOT_FOUND', `There is no token ${command.tokenId}`, [{ path: 'tokenId', problem: 'is not a token this ledger issued' }]);
      if (issued.revoked) throw new DomainError('NO_CHANGE', `Token ${command.tokenId} is already revoked`);
      return [event({ type: 'TokenRevoked', data: { tokenId: command.tokenId } }, command.reason)];
    }
    case 'GrantAccess': {
      const { type: _type, reason, expiresAt, ...grant } = command;
      if (expiresAt !== undefined) requireFuture(expiresAt, ctx);
      const data = { grantId: ctx.newId(), ...grant, ...(expiresAt !== undefined ? { expiresAt: new Date(expiresAt).toISOString() } : {}) };
      return [event({ type: 'AccessGranted', data }, reason)];
    }
    case 'RevokeAccess': {
      const grant = own(state.grants, command.grantId);
      // Another organisation's grant does not exist for this admin.
      if (!grant || grant.organisationId !== command.organisationId) {
        throw new DomainError('EVENT_NOT_FOUND', `There is no grant ${command.grantId}`, [{ path: 'grantId', problem: 'is not a grant of your organisation' }]);
      }
      if (grant.revoked) throw new DomainError('NO_CHANGE', `Grant ${command.grantId} is already revoked`);
      return [event({ type: 'AccessRevoked', data: { grantId: command.grantId } }, command.reason)];
    }
    case 'VoidUnreadableEvent': {
      const unreadable = state.unreadable.get(command.eventId.toLowerCase());
      if (!unreadable) {
        throw new DomainError('EVENT_NOT_FOUND', `The access stream has no unreadable event ${command.eventId}`, [{ path: 'eventId', problem: 'is not an unreadable event of the access stream (ledger doctor lists them)' }]);
      }
      return [event({ type: 'AccessEventVoided', data: { voidedEventId: unreadable.eventId, voidedEventType: unreadable.type.slice(0, 200), voidedRevision: unreadable.revision } }, command.reason)];
    }
    case 'SetPassword': {
      const { type: _type, ...password } = command;
      requireUser(state, password.userId);
      return [event({ type: 'PasswordSet', data: password })];
    }
    default: {
      const unreachable: never = command;
      throw new Error(`Unhandled access command ${(unreachable as { type: string }).type}`);
    }
  }
}

function requireUser(state: AccessState, userId: string): void {
  if (!own(state.users, userId)) throw new DomainError('VALIDATION_FAILED', `There is no user ${userId}; add them first`, [{ path: 'userId', problem: 'is not a known user' }]);
}

function requireFuture(expiresAt: string, ctx: DecisionContext): void {
  if (Date.parse(expiresAt) <= ctx.now().getTime()) throw new DomainError('VALIDATION_FAILED', 'The expiry must be in the future', [{ path: 'expiresAt', problem: 'is in the past' }]);
}
