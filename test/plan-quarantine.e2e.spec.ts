import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import { chainHash } from '#integrity';
import { AccessControl } from '#application';
import { own } from '#domain';
import { runCli } from '../apps/cli/src/main.js';
import { startLedger, type RunningLedger } from './support/ledger-app.js';
import { createPlanFixture, type PlanFixture } from './support/plan-fixture.js';

/**
 * The poisoned-plan restart of issue 14: an event that does not match its schema is put straight into the
 * SQLite file (as a bug or a hand edit could), with a valid hash chain, so only folding it can go wrong.
 */
let ledger: RunningLedger;
let good: PlanFixture;
let poisoned: PlanFixture;
let badEventId: string;
let dbPath: string;

function cli(args: string[]): Promise<{ code: number; output: string }> {
  const lines: string[] = [];
  return runCli([...args, '--db', dbPath], { out: (line) => lines.push(line), err: (line) => lines.push(line), progress: process.stderr }).then((code) => ({ code, output: lines.join('\n') }));
}

/** Append an event to a stream, chained properly, bypassing the store (and so its validation). */
function insertRawEvent(streamId: string, type: string, data: Record<string, unknown>, metadata: Record<string, unknown>): string {
  const db = new Database(dbPath);
  try {
    const head = db.prepare('SELECT revision, hash, recorded_at FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1').get(streamId) as { revision: number; hash: string; recorded_at: string };
    const last = db.prepare('SELECT recorded_at FROM events ORDER BY position DESC LIMIT 1').pluck().get() as string;
    const body = { streamId, revision: head.revision + 1, eventId: uuidv7(), type, data, metadata, recordedAt: last };
    db.prepare('INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
      streamId,
      body.revision,
      body.eventId,
      body.type,
      JSON.stringify(body.data),
      JSON.stringify(body.metadata),
      body.recordedAt,
      head.hash,
      chainHash(head.hash, body),
    );
    return body.eventId;
  } finally {
    db.close();
  }
}

/** Append a ProgressUpdateRecorded with no actionId to a plan's stream, chained properly, bypassing the store. */
function insertBadEvent(planId: string): string {
  return insertRawEvent(`plan-${planId}`, 'ProgressUpdateRecorded', { narrative: 'x', asAt: '2026-01-05' }, { schemaVersion: 1, actor: { id: 'someone', displayName: 'Someone' }, correlationId: uuidv7() });
}

/** Poll (no timing asserted) until the projector has caught up with a repair made by another process. */
async function untilStatus(url: string, status: number): Promise<number> {
  let last = 0;
  for (let i = 0; i < 200; i++) {
    last = (await ledger.request('GET', url)).status;
    if (last === status) return last;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return last;
}

beforeAll(async () => {
  ledger = await startLedger();
  dbPath = ledger.config.store.kind === 'sqlite' ? ledger.config.store.path : '';
  good = await createPlanFixture(ledger);
  poisoned = await createPlanFixture(ledger);
  await ledger.tokenFor();
  await ledger.app.close();
  badEventId = insertBadEvent(poisoned.planId);
  await ledger.restart();
}, 60_000);

afterAll(async () => {
  await ledger.stop();
});

describe('a plan with a stored event that cannot be folded', () => {
  it('still has an intact hash chain: the damage is in what the event says, not in the chain', async () => {
    expect((await cli(['verify-chain', poisoned.planId])).code).toBe(0);
  });

  it('does not stop the API: every other plan reads and writes as before', async () => {
    expect((await ledger.request('GET', `/plans/${good.planId}`)).status).toBe(200);
    expect((await ledger.request('POST', `/plans/${good.planId}/actions/${good.actionId}/progress-updates`, { body: { narrative: 'Unaffected' } })).status).toBe(201);
    expect((await ledger.request('GET', '/health')).status).toBe(200);
  });

  it('answers 503 PLAN_QUARANTINED for reads and writes of that plan, with the revision and the reason', async () => {
    const read = await ledger.request('GET', `/plans/${poisoned.planId}`);
    expect(read.status).toBe(503);
    expect(read.body.code).toBe('PLAN_QUARANTINED');
    expect(read.body.message).toContain('revision 5');
    expect(read.body.details[0]).toEqual({ path: 'planId', problem: expect.stringMatching(new RegExp(`^is quarantined at revision 5 \\(event ${badEventId}\\): ProgressUpdateRecorded at revision 5 does not match its schema: actionId`)) });
    const write = await ledger.request('POST', `/plans/${poisoned.planId}/actions/${poisoned.actionId}/progress-updates`, { body: { narrative: 'x' } });
    expect([write.status, write.body.code]).toEqual([503, 'PLAN_QUARANTINED']);
  });

  it('keeps someone who may not see the plan answered 404, not told it is quarantined', async () => {
    const res = await ledger.request('GET', `/plans/${poisoned.planId}`, { actor: 'Elsewhere Admin', organisationId: 'another-council' });
    expect(res.status).toBe(404);
  });

  it('is reported by ledger doctor, which exits 1 and says how to repair it', async () => {
    const { code, output } = await cli(['doctor']);
    expect(code).toBe(1);
    expect(output).toContain(`Plan ${poisoned.planId}: QUARANTINED at revision 5 (event ${badEventId})`);
    expect(output).toContain(`ledger repair void-event --plan ${poisoned.planId} --event ${badEventId}`);
    expect(output).toContain(`Plan ${poisoned.planId}: CANNOT BE FOLDED`);
  });

  it('stays quarantined across a restart (the quarantine is kept in the read-model file)', async () => {
    await ledger.restart();
    expect((await ledger.request('GET', `/plans/${poisoned.planId}`)).status).toBe(503);
    expect((await ledger.request('GET', `/plans/${good.planId}`)).status).toBe(200);
  });

  it('comes back after an audited repair that voids the bad event, with nothing deleted', async () => {
    const before = (await cli(['events', poisoned.planId, '--json'])).output.split('\n').length;
    const repair = await cli(['repair', 'void-event', '--plan', poisoned.planId, '--event', badEventId, '--reason', 'Written without an action by a defect (issue 14)']);
    expect(repair).toMatchObject({ code: 0 });
    expect(await untilStatus(`/plans/${poisoned.planId}`, 200)).toBe(200);
    const plan = (await ledger.request('GET', `/plans/${poisoned.planId}`)).body;
    expect(plan.revision).toBe(6);
    const events = (await ledger.request('GET', `/plans/${poisoned.planId}/events`)).body.events as { type: string; data: Record<string, unknown>; metadata: Record<string, unknown> }[];
    expect(events).toHaveLength(before + 1);
    expect(events[5]!.type).toBe('ProgressUpdateRecorded');
    expect(events[6]).toMatchObject({ type: 'EventVoided', data: { voidedEventId: badEventId, voidedEventType: 'ProgressUpdateRecorded', voidedRevision: 5 }, metadata: { reason: 'Written without an action by a defect (issue 14)' } });
    expect((await ledger.request('POST', `/plans/${poisoned.planId}/actions/${poisoned.actionId}/progress-updates`, { body: { narrative: 'Back in service' } })).status).toBe(201);
    const audit = (await ledger.request('GET', `/audit-log?planId=${poisoned.planId}`)).body;
    expect(JSON.stringify(audit)).toContain('Entry at revision 5 (ProgressUpdateRecorded) voided by');
    // As-at replay skips the voided entry too.
    const asAt = await ledger.request('GET', `/plans/${poisoned.planId}?asAt=${encodeURIComponent(new Date().toISOString())}&view=full`);
    expect(asAt.status).toBe(200);
    expect(asAt.body.actions[0].progress.map((p: { narrative: string }) => p.narrative)).toEqual(['Audit booked', 'Back in service']);
    expect((await cli(['doctor'])).code).toBe(0);
    expect((await ledger.request('GET', `/plans/${poisoned.planId}/integrity`)).body.ok).toBe(true);
  }, 30_000);

  it('refuses to void the same entry twice', async () => {
    const again = await cli(['repair', 'void-event', '--plan', poisoned.planId, '--event', badEventId, '--reason', 'again']);
    expect(again.code).toBe(1);
    expect(again.output).toContain('already voided');
  });

  it('starts cleanly afterwards and folds the plan without the voided entry', async () => {
    await ledger.restart();
    expect((await ledger.request('GET', `/plans/${poisoned.planId}`)).status).toBe(200);
    expect((await cli(['rebuild-projections'])).code).toBe(1); // the API holds the read models: refused, not broken
  });
});

describe('an access-stream event that cannot be read (issue 14)', () => {
  let badAccessEventId: string;
  let tokenBefore: string;

  beforeAll(async () => {
    tokenBefore = await ledger.tokenFor('Before The Damage', 'editor');
    await ledger.app.close();
    // A TokenIssued without its hash: what a defect or a hand edit could leave behind, chained properly.
    badAccessEventId = insertRawEvent('access', 'TokenIssued', { tokenId: 'f'.repeat(32), userId: 'nobody', role: 'admin' }, { schemaVersion: 1, actor: { id: 'someone', displayName: 'Someone' }, correlationId: uuidv7() });
    await ledger.restart();
  }, 60_000);

  it('does not stop the start-up or sign-in: a token issued before it still works, and one issued after it too', async () => {
    expect((await ledger.request('GET', '/me', { token: tokenBefore })).status).toBe(200);
    const after = await cli(['tokens', 'issue', '--user', 'rachel-deakin.admin.central-bedfordshire-council', '--role', 'editor', '--expires', '1d']);
    expect(after.code).toBe(0);
    const token = after.output.trim().split('\n').at(-1)!;
    expect((await ledger.request('GET', '/me', { token })).body).toMatchObject({ role: 'editor' });
    expect((await ledger.request('POST', `/plans/${good.planId}/actions/${good.actionId}/progress-updates`, { body: { narrative: 'Signed in past the damage' } })).status).toBe(201);
  });

  it('still counts a revocation recorded after it', async () => {
    const issued = await cli(['tokens', 'issue', '--user', 'rachel-deakin.admin.central-bedfordshire-council', '--role', 'auditor', '--expires', '1d']);
    const token = issued.output.trim().split('\n').at(-1)!;
    const tokenId = /Token (\S+) for/.exec(issued.output)![1]!;
    expect((await cli(['tokens', 'revoke', tokenId, '--reason', 'Left'])).code).toBe(0);
    expect((await ledger.request('GET', '/me', { token })).body).toMatchObject({ code: 'TOKEN_REVOKED' });
  });

  it('is reported by ledger doctor, which exits 1 and says how to repair it', async () => {
    const { code, output } = await cli(['doctor']);
    expect(code).toBe(1);
    expect(output).toContain(`Access stream: UNREADABLE event at revision`);
    expect(output).toContain(`(event ${badAccessEventId}, recorded`);
    expect(output).toContain('TokenIssued at revision');
    expect(output).toContain('tokenSha256');
    expect(output).toContain(`ledger repair void-event --access --event ${badAccessEventId} --reason`);
  });

  it('is voided by an audited repair that deletes nothing, after which doctor is content; only an unreadable event can be voided', async () => {
    const readable = (await ledger.app.get(AccessControl).state()).revision;
    const refused = await cli(['repair', 'void-event', '--access', '--event', uuidv7(), '--reason', 'not one']);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('no unreadable event');
    const repair = await cli(['repair', 'void-event', '--access', '--event', badAccessEventId, '--reason', 'Written without its hash by a defect (issue 14)']);
    expect(repair).toMatchObject({ code: 0 });
    const state = await ledger.app.get(AccessControl).state();
    expect(state.revision).toBe(readable + 1);
    expect(state.unreadable.size).toBe(0);
    expect(own(state.tokens, 'f'.repeat(32))).toBeUndefined();
    expect((await cli(['doctor'])).code).toBe(0);
    await ledger.restart();
    expect((await ledger.request('GET', '/me', { token: tokenBefore })).status).toBe(200);
  }, 30_000);
});
