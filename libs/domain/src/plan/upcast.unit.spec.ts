import { describe, expect, it } from '@jest/globals';
import { upcastPlanEvent, UnknownEventTypeError } from './upcast.js';

const v1PlanCreated = {
  eventId: '018f0000-0000-7000-8000-000000000001',
  type: 'PlanCreated',
  revision: 0n,
  recordedAt: '2012-05-01T09:00:00.000Z',
  data: { planId: 'p-1', title: 'Post-inspection action plan 2012-13', organisation: 'Central Bedfordshire Council', respondsTo: 'Ofsted 2012' },
  metadata: { schemaVersion: 1, actor: { id: 'a', displayName: 'A' }, correlationId: 'c' },
};

describe('upcasting stored events on read', () => {
  it('gives a version 1 plan the tenant its organisation name says, without touching the stored event', () => {
    const stored = structuredClone(v1PlanCreated);
    const event = upcastPlanEvent(stored);
    expect(event).toMatchObject({ type: 'PlanCreated', data: { organisationId: 'central-bedfordshire-council' }, metadata: { schemaVersion: 2 } });
    expect(stored.data).not.toHaveProperty('organisationId');
  });

  it('reads a current version event as it is', () => {
    const event = upcastPlanEvent({ ...v1PlanCreated, data: { ...v1PlanCreated.data, organisationId: 'cbc' }, metadata: { ...v1PlanCreated.metadata, schemaVersion: 2 } });
    expect(event.data).toMatchObject({ organisationId: 'cbc' });
  });

  it('refuses an event type it does not know, naming it', () => {
    expect(() => upcastPlanEvent({ ...v1PlanCreated, type: 'PlanExploded' })).toThrow(UnknownEventTypeError);
  });
});
