import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { PlanCommandService, PlanRepository } from '#application';
import { SqliteEventStore } from '#event-store';
import { runLedgerCli } from './support/run-cli.js';

/** `ledger update-requests` and `ledger rounds open|close|show`, from a real ledger file, as a process. */
const admin = { id: 'sam', displayName: 'Sam Lloyd' };
let dir: string;
let db: string;
let planId: string;
let overdueId: string;
let monthlyId: string;
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ledger-update-requests-cli-'));
  db = path.join(dir, 'ledger.sqlite');
  const store = new SqliteEventStore({ path: db });
  const service = new PlanCommandService(store, new PlanRepository(store), { now: () => new Date(), newId: () => uuidv7() });
  planId = uuidv7();
  const as = { actor: admin, correlationId: 'update-requests-cli-test' };
  await service.execute(planId, { type: 'CreatePlan', title: 'Ofsted post-inspection action plan 2012-13', organisation: 'Central Bedfordshire Council', respondsTo: 'Ofsted 2012', effectiveAt: '2012-04-01' }, as);
  const a = await service.execute(planId, { type: 'AddAction', ref: '1.1', description: 'Chronology guidance', leads: ['Audit Manager'], target: '30 September 2012', dependencies: [], effectiveAt: '2012-04-01' }, as);
  overdueId = (a.events[0]!.data as { actionId: string }).actionId;
  const b = await service.execute(planId, { type: 'AddAction', ref: '1.2', description: 'Supervision reports', leads: ['Head of QA'], target: 'Monthly', dependencies: [], effectiveAt: '2012-04-01' }, as);
  monthlyId = (b.events[0]!.data as { actionId: string }).actionId;
  await service.execute(planId, { type: 'RecordProgressUpdate', actionId: monthlyId, narrative: 'September report to the board', effectiveAt: '2012-09-20' }, as);
  await store.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ledger update-requests', () => {
  it('lists what each action owed as at a date, by lead, with the reason and due date', () => {
    const result = runLedgerCli(['update-requests', '--as-at', '2012-10-01', '--time', 'effective', '--json', '--db', db]);
    expect(result.status).toBe(0);
    const list = JSON.parse(result.stdout);
    expect(list.requests.map((r: { ref: string; kind: string; dueOn: string; escalated: boolean }) => [r.ref, r.kind, r.dueOn, r.escalated])).toEqual([
      ['1.1', 'overdue', '2012-09-30', true],
      ['1.2', 'cadence', '2012-10-20', false],
    ]);
    expect(list.byLead.map((g: { lead: string }) => g.lead)).toEqual(['Audit Manager', 'Head of QA']);
    const text = runLedgerCli(['update-requests', '--as-at', '2012-10-01', '--time', 'effective', '--escalated', '--db', db]);
    expect(text.stdout).toContain('Audit Manager');
    expect(text.stdout).toContain('ESCALATED action 1.1');
    expect(text.stdout).not.toContain('action 1.2');
  });

  it('refuses an as-at it cannot read, and an unknown plan', () => {
    expect(runLedgerCli(['update-requests', '--as-at', 'yesterday', '--db', db]).status).toBe(2);
    expect(runLedgerCli(['update-requests', '--time', 'now', '--db', db]).status).toBe(2);
    expect(runLedgerCli(['update-requests', '--plan', 'constructor', '--db', db]).status).toBe(1);
  });
});

describe('ledger rounds', () => {
  it('opens a round, shows it, and closes it with what was not received', () => {
    const opened = runLedgerCli(['rounds', 'open', '--plan', planId, '--title', 'October 2012 monitoring', '--due-by', inDays(7), '--json', '--db', db]);
    expect(opened.stderr).toBe('');
    expect(opened.status).toBe(0);
    const { roundId, requests } = JSON.parse(opened.stdout);
    expect(requests).toBe(2);
    const shown = runLedgerCli(['rounds', 'show', roundId, '--plan', planId, '--json', '--db', db]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ roundId, status: 'open', received: [] });
    const closed = runLedgerCli(['rounds', 'close', roundId, '--plan', planId, '--db', db]);
    expect(closed.status).toBe(0);
    expect(closed.stdout).toContain('0 received, 2 not received');
    expect(closed.stdout).toContain('not received: action 1.1');
    expect(runLedgerCli(['rounds', 'close', roundId, '--plan', planId, '--db', db])).toMatchObject({ status: 1, stderr: expect.stringContaining('Refused') });
    expect(runLedgerCli(['rounds', 'show', '__proto__', '--plan', planId, '--db', db]).status).toBe(1);
    expect(runLedgerCli(['rounds', 'open', '--plan', planId, '--title', 'x', '--due-by', 'soon', '--db', db]).status).toBe(2);
    void overdueId;
  });
});
