import { describe, expect, it } from '@jest/globals';
import { DomainError } from '../shared/domain-error.js';
import type { NewAccessEvent } from './access-commands.js';
import { accessDecider, foldAccess } from '../testing/access-decider-spec.js';

/**
 * Who may be registered, issued a token, granted or refused access: given access events → when command →
 * then exactly these events. Decided at 1 October 2012, 09:00 UTC, with the ids id-1, id-2, … in order.
 */

const ORG = 'central-bedfordshire-council';
const userRegistered: NewAccessEvent = { eventId: 'e-user', type: 'UserRegistered', data: { userId: 'sue.ioannou', displayName: 'Sue Ioannou', organisationId: ORG } };
const inspectorRegistered: NewAccessEvent = { eventId: 'e-inspector', type: 'UserRegistered', data: { userId: 'hmi.jones', displayName: 'HMI Jones', organisationId: 'ofsted' } };
const SHA = 'b'.repeat(64);
const tokenIssued: NewAccessEvent = { eventId: 'e-token', type: 'TokenIssued', data: { tokenId: 'tok1', userId: 'sue.ioannou', role: 'editor', tokenSha256: SHA, expiresAt: '2012-12-31T00:00:00.000Z' } };
const tokenRevoked: NewAccessEvent = { eventId: 'e-token-revoked', type: 'TokenRevoked', data: { tokenId: 'tok1' }, reason: 'Left the council' };
const accessGranted: NewAccessEvent = {
  eventId: 'e-grant',
  type: 'AccessGranted',
  data: { grantId: 'grant-1', userId: 'hmi.jones', role: 'inspector', organisationId: ORG },
  reason: 'Ofsted inspection, October 2012',
};
const accessRevoked: NewAccessEvent = { eventId: 'e-grant-revoked', type: 'AccessRevoked', data: { grantId: 'grant-1' }, reason: 'Inspection over' };
const password = { scheme: 'scrypt', salt: 's'.repeat(22), hash: 'h'.repeat(86), N: 32_768, r: 8, p: 1, keyLength: 64 } as const;

describe('decideAccess: users', () => {
  it('registers a user', () => {
    accessDecider.given([]).when({ type: 'RegisterUser', userId: 'sue.ioannou', displayName: 'Sue Ioannou', organisationId: ORG }).then([{ ...userRegistered, eventId: 'id-1' }]);
  });

  it('rejects registering a user id twice', () => {
    accessDecider
      .given([userRegistered])
      .when({ type: 'RegisterUser', userId: 'sue.ioannou', displayName: 'Another Sue', organisationId: ORG })
      .thenThrows(new DomainError('DUPLICATE_REFERENCE', 'There is already a user sue.ioannou', [{ path: 'userId', problem: 'is already used' }]));
  });

  it('sets a password for a registered user, storing only what was derived from it', () => {
    accessDecider
      .given([userRegistered])
      .when({ type: 'SetPassword', userId: 'sue.ioannou', role: 'editor', ...password })
      .then([{ eventId: 'id-1', type: 'PasswordSet', data: { userId: 'sue.ioannou', role: 'editor', ...password } }]);
  });

  it('rejects a password for a user who is not registered', () => {
    accessDecider
      .given([userRegistered])
      .when({ type: 'SetPassword', userId: 'nobody', role: 'editor', ...password })
      .thenThrows(new DomainError('VALIDATION_FAILED', 'There is no user nobody; add them first', [{ path: 'userId', problem: 'is not a known user' }]));
  });
});

describe('decideAccess: tokens', () => {
  const issue = { type: 'IssueToken', tokenId: 'tok1', userId: 'sue.ioannou', role: 'editor', tokenSha256: SHA, expiresAt: '2012-12-31T00:00:00.000Z' } as const;

  it('issues a token to a registered user, keeping only its hash', () => {
    accessDecider.given([userRegistered]).when(issue).then([{ ...tokenIssued, eventId: 'id-1' }]);
  });

  it('rejects a token that has expired before it is issued', () => {
    accessDecider
      .given([userRegistered])
      .when({ ...issue, expiresAt: '2012-10-01T09:00:00.000Z' })
      .thenThrows(new DomainError('VALIDATION_FAILED', 'The expiry must be in the future', [{ path: 'expiresAt', problem: 'is in the past' }]));
  });

  it('rejects a token for a user who is not registered', () => {
    accessDecider.given([]).when(issue).thenThrows(new DomainError('VALIDATION_FAILED', 'There is no user sue.ioannou; add them first', [{ path: 'userId', problem: 'is not a known user' }]));
  });

  it('revokes a token with the reason given', () => {
    accessDecider.given([userRegistered, tokenIssued]).when({ type: 'RevokeToken', tokenId: 'tok1', reason: 'Left the council' }).then([{ ...tokenRevoked, eventId: 'id-1' }]);
  });

  it('rejects revoking a token twice, or one never issued', () => {
    accessDecider.given([userRegistered, tokenIssued, tokenRevoked]).when({ type: 'RevokeToken', tokenId: 'tok1', reason: 'x' }).thenThrows(new DomainError('NO_CHANGE', 'Token tok1 is already revoked'));
    accessDecider
      .given([userRegistered])
      .when({ type: 'RevokeToken', tokenId: 'tok1', reason: 'x' })
      .thenThrows(new DomainError('EVENT_NOT_FOUND', 'There is no token tok1', [{ path: 'tokenId', problem: 'is not a token this ledger issued' }]));
  });
});

describe('decideAccess: grants', () => {
  const grant = { type: 'GrantAccess', userId: 'hmi.jones', role: 'inspector', organisationId: ORG, reason: 'Ofsted inspection, October 2012' } as const;

  it('grants a role on every plan of the organisation, with a new grant id', () => {
    accessDecider.given([inspectorRegistered]).when(grant).then([{ ...accessGranted, eventId: 'id-2', data: { ...accessGranted.data, grantId: 'id-1' } } as NewAccessEvent]);
  });

  it('grants a role on one plan until an instant, kept in UTC', () => {
    accessDecider
      .given([inspectorRegistered])
      .when({ ...grant, planId: 'plan-1', expiresAt: '2012-11-01T10:00:00+01:00' })
      .then([{ ...accessGranted, eventId: 'id-2', data: { ...accessGranted.data, grantId: 'id-1', planId: 'plan-1', expiresAt: '2012-11-01T09:00:00.000Z' } } as NewAccessEvent]);
  });

  it('rejects a grant that has expired before it is made', () => {
    accessDecider
      .given([inspectorRegistered])
      .when({ ...grant, expiresAt: '2012-09-30T00:00:00.000Z' })
      .thenThrows(new DomainError('VALIDATION_FAILED', 'The expiry must be in the future', [{ path: 'expiresAt', problem: 'is in the past' }]));
  });

  it('revokes a grant of the admin\'s own organisation', () => {
    accessDecider.given([inspectorRegistered, accessGranted]).when({ type: 'RevokeAccess', grantId: 'grant-1', organisationId: ORG, reason: 'Inspection over' }).then([{ ...accessRevoked, eventId: 'id-1' }]);
  });

  it('treats another organisation\'s grant as one that does not exist', () => {
    accessDecider
      .given([inspectorRegistered, accessGranted])
      .when({ type: 'RevokeAccess', grantId: 'grant-1', organisationId: 'luton-council', reason: 'x' })
      .thenThrows(new DomainError('EVENT_NOT_FOUND', 'There is no grant grant-1', [{ path: 'grantId', problem: 'is not a grant of your organisation' }]));
  });

  it('rejects revoking a grant twice', () => {
    accessDecider
      .given([inspectorRegistered, accessGranted, accessRevoked])
      .when({ type: 'RevokeAccess', grantId: 'grant-1', organisationId: ORG, reason: 'x' })
      .thenThrows(new DomainError('NO_CHANGE', 'Grant grant-1 is already revoked'));
  });
});

describe('decideAccess: ids that are names every plain object has', () => {
  const PROTOTYPE_NAMES = [...Object.getOwnPropertyNames(Object.prototype), '__proto__'];

  it.each(PROTOTYPE_NAMES)('finds no user, token or grant called %s', (id) => {
    const given = accessDecider.given([userRegistered, tokenIssued, inspectorRegistered, accessGranted]);
    given.when({ type: 'RevokeToken', tokenId: id, reason: 'x' }).thenThrows('EVENT_NOT_FOUND');
    given.when({ type: 'RevokeAccess', grantId: id, organisationId: ORG, reason: 'x' }).thenThrows('EVENT_NOT_FOUND');
    given.when({ type: 'IssueToken', tokenId: 'tok2', userId: id, role: 'editor', tokenSha256: SHA, expiresAt: '2013-01-01T00:00:00.000Z' }).thenThrows('VALIDATION_FAILED');
    given.when({ type: 'SetPassword', userId: id, role: 'editor', ...password }).thenThrows('VALIDATION_FAILED');
    given.when({ type: 'RegisterUser', userId: id, displayName: 'x', organisationId: ORG }).then([{ eventId: 'id-1', type: 'UserRegistered', data: { userId: id, displayName: 'x', organisationId: ORG } }]);
  });
});

describe('the access fold the specification decides on', () => {
  it('records who granted access, when and why', () => {
    const state = foldAccess([inspectorRegistered, accessGranted]);
    expect(state.revision).toBe(1);
    expect(state.grants['grant-1']).toEqual({ ...accessGranted.data, revoked: false, grantedBy: 'Rachel Deakin', grantedAt: '2012-10-01T09:00:00.000Z', reason: 'Ofsted inspection, October 2012' });
  });
});
