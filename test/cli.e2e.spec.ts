import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { PlanCommandService, PlanRepository } from '#application';
import { SqliteEventStore } from '#event-store';
import { runLedgerCli } from './support/run-cli.js';

const actor = { id: 'sue', displayName: 'Sue Ioannou' };
let dir: string;
let db: string;
let planId: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ledger-cli-'));
  db = path.join(dir, 'ledger.sqlite');
  const store = new SqliteEventStore({ path: db });
  const service = new PlanCommandService(store, new PlanRepository(store), { now: () => new Date(), newId: () => uuidv7() });
  planId = uuidv7();
  const meta = { actor, correlationId: 'cli-test' };
  await service.execute(planId, { type: 'CreatePlan', title: 'Ofsted post-inspection action plan 2012-13', organisation: 'Central Bedfordshire Council', respondsTo: 'Ofsted 2012' }, meta);
  const ws = await service.execute(planId, { type: 'AddWorkstream', number: '1', title: 'Safeguarding six month actions' }, meta);
  const workstreamId = (ws.events[0]!.data as { workstreamId: string }).workstreamId;
  const added = await service.execute(
    planId,
    { type: 'AddAction', ref: '1.1', workstreamId, description: 'Guidance on chronologies', leads: ['Audit Manager'], target: '30 September 2012', dependencies: [] },
    meta,
  );
  const actionId = (added.events[0]!.data as { actionId: string }).actionId;
  await service.execute(planId, { type: 'RecordProgressUpdate', actionId, narrative: 'Draft guidance circulated', effectiveAt: '2012-07-01' }, meta);
  await store.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the ledger command', () => {
  it('lists the plans in the ledger file', () => {
    const result = runLedgerCli(['plans', '--db', db]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`${planId}  Ofsted post-inspection action plan 2012-13  (4 events)`);
  });

  it("prints a plan's raw event stream", () => {
    const result = runLedgerCli(['events', planId, '--db', db]);
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n').map((line) => line.split(/\s+/)[2])).toEqual(['PlanCreated', 'WorkstreamAdded', 'ActionAdded', 'ProgressUpdateRecorded']);
    const json = runLedgerCli(['events', planId, '--json', '--db', db]);
    expect(JSON.parse(json.stdout.trim().split('\n')[3]!)).toMatchObject({ revision: 3, data: { narrative: 'Draft guidance circulated' } });
  });

  it('says the chain is intact when nothing was touched', () => {
    const result = runLedgerCli(['verify-chain', planId, '--db', db]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('chain intact, 4 events');
  });

  it('reports tampering with one byte of one stored event at the right revision', () => {
    const raw = new Database(db);
    raw.exec('DROP TRIGGER events_are_not_updated');
    raw.prepare(`UPDATE events SET data = replace(data, 'chronologies', 'chronologiez') WHERE stream_id = ? AND revision = 2`).run(`plan-${planId}`);
    raw.close();
    const result = runLedgerCli(['verify-chain', '--db', db]);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(`${planId}: CHAIN BROKEN at revision 2`);
  });

  it('explains how to use it when the command is wrong', () => {
    const result = runLedgerCli(['frobnicate', '--db', db]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Unknown command "frobnicate"');
    expect(result.stderr).toContain('ledger --help');
  });
});
