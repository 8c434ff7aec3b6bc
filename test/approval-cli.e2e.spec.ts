import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { PlanCommandService, PlanRepository } from '#application';
import { SqliteEventStore } from '#event-store';
import { runLedgerCli } from './support/run-cli.js';

/** `ledger approval-queue`: what awaits approval now, and what was pending at an instant, from a real ledger file. */
const admin = { id: 'sam', displayName: 'Sam Lloyd' };
const editor = { id: 'rachel', displayName: 'Rachel Deakin' };
const approver = { id: 'karen', displayName: 'Karen Oellermann' };
let dir: string;
let db: string;
let planId: string;
let first: string;
let second: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ledger-approval-cli-'));
  db = path.join(dir, 'ledger.sqlite');
  const store = new SqliteEventStore({ path: db });
  const service = new PlanCommandService(store, new PlanRepository(store), { now: () => new Date(), newId: () => uuidv7() });
  planId = uuidv7();
  const as = (actor: typeof admin) => ({ actor, correlationId: 'approval-cli-test' });
  await service.execute(planId, { type: 'CreatePlan', title: 'Ofsted post-inspection action plan 2012-13', organisation: 'Central Bedfordshire Council', respondsTo: 'Ofsted 2012' }, as(admin));
  const added = await service.execute(planId, { type: 'AddAction', ref: '1.1', description: 'Guidance on chronologies', leads: ['Audit Manager'], target: '30 September 2012', dependencies: [] }, as(admin));
  const actionId = (added.events[0]!.data as { actionId: string }).actionId;
  await service.execute(planId, { type: 'SetApprovalRequirement', required: true }, as(admin));
  const a = await service.execute(planId, { type: 'RecordProgressUpdate', actionId, narrative: 'Draft guidance circulated', effectiveAt: '2012-07-01' }, as(editor));
  first = (a.events[0]!.data as { submissionId: string }).submissionId;
  const b = await service.execute(planId, { type: 'SlipTargetDate', actionId, to: '31 December 2012', reason: 'Awaiting the board' }, as(editor));
  second = (b.events[0]!.data as { submissionId: string }).submissionId;
  await service.execute(planId, { type: 'AcceptUpdate', submissionId: first }, as(approver));
  await store.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ledger approval-queue', () => {
  it('lists what awaits approval now, oldest first, with the action and the submitter', () => {
    const result = runLedgerCli(['approval-queue', planId, '--json', '--db', db]);
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((s) => [s.submissionId, s.action.ref, s.submittedBy.displayName])).toEqual([[second, '1.1', 'Rachel Deakin']]);
  });

  it('lists what was pending at an instant, and refuses an as-at it cannot read', () => {
    const before = runLedgerCli(['approval-queue', planId, '--as-at', '2000-01-01', '--db', db]);
    expect(before.stdout.trim()).toBe('Nothing was awaiting approval at 2000-01-01.');
    const bad = runLedgerCli(['approval-queue', planId, '--as-at', 'yesterday', '--db', db]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--as-at must be a date');
    const missing = runLedgerCli(['approval-queue', 'constructor', '--db', db]);
    expect(missing.status).toBe(1);
  });
});

describe('ledger approval accept|reject and ledger submissions', () => {
  const events = () => runLedgerCli(['events', planId, '--json', '--db', db]).stdout.trim().split('\n').length;

  it("lists a submitter's own open updates, and every open one without --by", () => {
    const mine = runLedgerCli(['submissions', planId, '--by', editor.id, '--json', '--db', db]);
    expect(mine.status).toBe(0);
    expect(mine.stdout.trim().split('\n').map((line) => JSON.parse(line)).map((s) => [s.submissionId, s.status, s.type])).toEqual([[second, 'pending', 'SlipTargetDate']]);
    expect(runLedgerCli(['submissions', planId, '--by', approver.id, '--db', db]).stdout.trim()).toBe(`${approver.id} has no submitted update awaiting approval or rejected.`);
    expect(runLedgerCli(['submissions', 'constructor', '--db', db]).status).toBe(1);
  });

  it('refuses a rejection without a reason, a decision already taken and a hostile id, appending nothing', () => {
    const before = events();
    const noReason = runLedgerCli(['approval', 'reject', second, '--plan', planId, '--db', db]);
    expect(noReason.status).toBe(2);
    expect(noReason.stderr).toContain('--reason');
    const decided = runLedgerCli(['approval', 'accept', first, '--plan', planId, '--db', db]);
    expect(decided.status).toBe(1);
    expect(decided.stderr).toMatch(/^Refused: /);
    for (const id of ['__proto__', 'constructor', 'toString']) {
      const hostile = runLedgerCli(['approval', 'accept', id, '--plan', planId, '--db', db]);
      expect({ id, status: hostile.status }).toEqual({ id, status: 1 });
    }
    expect(runLedgerCli(['approval', 'accept', second, '--plan', planId, '--effective-at', 'soon', '--db', db]).status).toBe(2);
    expect(events()).toBe(before);
  });

  it('rejects with the reason the submitter then sees, so nothing is left awaiting approval', () => {
    const rejected = runLedgerCli(['approval', 'reject', second, '--plan', planId, '--reason', 'The board has not met yet', '--json', '--db', db]);
    expect(rejected.status).toBe(0);
    expect(JSON.parse(rejected.stdout)).toMatchObject({ submissionId: second, status: 'rejected', events: ['UpdateRejected'] });
    const mine = runLedgerCli(['submissions', planId, '--by', editor.id, '--json', '--db', db]).stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(mine).toMatchObject([{ submissionId: second, status: 'rejected', reason: 'The board has not met yet' }]);
    expect(runLedgerCli(['approval-queue', planId, '--db', db]).stdout.trim()).toBe('Nothing is awaiting approval.');
  });
});
