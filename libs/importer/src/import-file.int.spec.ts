import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { v7 as uuidv7 } from 'uuid';
import { planStreamName, type PlanState } from '#domain';
import { importDemoPlan } from './demo-plan.js';
import { ImportError } from './import-error.js';
import { importFile, type PlanBatches } from './import-file.js';
import { openSqliteLedger, type RecordedEvent, type SqliteLedger } from '#application/testing/sqlite-ledger';
import { PlanCommandService, PlanRepository } from '#application';

const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures');
const LAMING = 'central-bedfordshire-laming-2009-progress.txt';
const OFSTED = 'central-bedfordshire-ofsted-action-plan-2012-13.txt';
const actor = { id: 'importer-int-test', displayName: 'Importer test' };
const lamingText = readFileSync(path.join(FIXTURES, LAMING), 'utf8');

describe('importFile on a real SQLite ledger', () => {
  let ledger: SqliteLedger;
  let dir: string;
  let store: SqliteLedger['store'];
  let plans: SqliteLedger['plans'];
  let service: SqliteLedger['service'];

  beforeEach(() => {
    ledger = openSqliteLedger('ledger-importer-');
    ({ dir, store, plans, service } = ledger);
  });

  afterEach(() => ledger.close());

  const eventsOf = (planId: string): Promise<RecordedEvent[]> => store.readStream(planStreamName(planId));
  const actionByRef = (state: PlanState, ref: string) => Object.values(state.actions).find((a) => a.ref === ref)!;
  const meta = (event: RecordedEvent) => event.metadata as { correlationId: string; reason?: string; provenance?: { fileName: string; fileSha256: string; rows: number[] } };

  it('imports the Laming plan as the demo plan, in one append with provenance', async () => {
    const result = await importDemoPlan(service, actor);
    expect(result).toMatchObject({
      dryRun: false,
      fileName: LAMING,
      title: 'Laming Recommendations 2009 – Children Families and Learning - Response and Action Plan – June 2009 and update on progress as at 1.10.2009',
      counts: { workstreams: 0, recommendations: 17, actions: 67, leads: 39, progressNotes: 59 },
      changes: { events: 1 + 17 + 67 + 59, byType: { PlanCreated: 1, RecommendationAdded: 17, ActionAdded: 67, ProgressUpdateRecorded: 59 } },
    });

    const state = await plans.load(result.planId);
    expect(state).toMatchObject({ organisation: 'Central Bedfordshire Council', respondsTo: 'Lord Laming, The Protection of Children in England (2009)' });
    expect(state.recommendationOrder.map((id) => state.recommendations[id]!.ref)).toEqual(['4', '6', '7', '8', '9', '11', '13', '14', '15', '17', '19', '21', '22', '23', '24', '29', '30']);
    const rec4 = Object.values(state.recommendations).find((r) => r.ref === '4')!;
    expect(rec4.text).toContain('as quickly as possible. The National Indicator Set should be revised with new national indicators for safeguarding and child protection developed');
    expect(rec4.actionIds).toHaveLength(7);
    const first = state.actions[rec4.actionIds[0]!]!;
    expect(first).toMatchObject({ ref: '4.1', leads: ['Peter Worthington', 'Iain Melville'], priority: 'High Priority', target: { text: 'With immediate effect once guidance is available.' } });
    expect(first.progress.map((p) => [p.narrative, p.asAt, p.effectiveAt])).toEqual([
      ['Comprehensive framework and regular reporting to all managers is in place', '2009-10-01', '2009-10-01T00:00:00.000Z'],
    ]);

    const events = await eventsOf(result.planId);
    expect(events).toHaveLength(result.changes.events);
    expect(result.revision).toBe(events.length - 1);
    // One append: one recorded instant, one correlation id, every event with the file's provenance.
    expect(new Set(events.map((e) => e.recordedAt)).size).toBe(1);
    expect(new Set(events.map((e) => meta(e).correlationId))).toEqual(new Set([result.correlationId]));
    const sha = createHash('sha256').update(readFileSync(path.join(FIXTURES, LAMING))).digest('hex');
    expect(result.fileSha256).toBe(sha);
    for (const event of events) expect(meta(event).provenance).toMatchObject({ fileName: LAMING, fileSha256: sha });
    const added = events.find((e) => e.type === 'ActionAdded' && e.data.ref === '4.1')!;
    expect(meta(added).provenance?.rows).toEqual([6]);
    expect(meta(events.find((e) => e.type === 'RecommendationAdded' && e.data.ref === '4')!).provenance?.rows).toEqual([6, 7, 8]);
    expect(meta(events[0]!).provenance?.rows).toEqual([3]);
  });

  it('appends nothing when the same file is imported again', async () => {
    const { planId, revision } = await importDemoPlan(service, actor);
    const again = await importFile({ service, filePath: path.join(FIXTURES, LAMING), planId, actor });
    expect(again).toMatchObject({ changes: { events: 0, byType: {} }, revision, problems: expect.not.arrayContaining([expect.objectContaining({ code: 'CHANGE_NOT_APPLIED' })]) });
    expect(await eventsOf(planId)).toHaveLength(revision! + 1);
  });

  it('appends only a slip and a reassignment for a copy with one target and one lead changed', async () => {
    const { planId, revision } = await importDemoPlan(service, actor);
    const copy = lamingText
      .replace('\tWith immediate effect once guidance is available.\t', '\t31 March 2010\t')
      .replace('\tRachel Deakin\t1st audit conducted', '\tSue Ioannou\t1st audit conducted');
    expect(copy).not.toBe(lamingText);
    const fileName = 'laming-progress-revised.txt';
    const result = await importFile({ service, content: Buffer.from(copy, 'utf8'), fileName, planId, actor });
    expect(result.changes).toEqual({ events: 2, byType: { TargetDateSlipped: 1, ActionReassigned: 1 } });

    const appended = (await eventsOf(planId)).slice(revision! + 1);
    expect(appended.map((e) => [e.type, meta(e).reason, meta(e).provenance?.rows, meta(e).provenance?.fileName])).toEqual([
      ['TargetDateSlipped', `Changed in ${fileName} (row 6)`, [6], fileName],
      ['ActionReassigned', `Changed in ${fileName} (row 11)`, [11], fileName],
    ]);
    const state = await plans.load(planId);
    expect(actionByRef(state, '4.1').target).toMatchObject({ text: '31 March 2010', due: '2010-03-31' });
    expect(actionByRef(state, '4.1').originalTarget.text).toBe('With immediate effect once guidance is available.');
    expect(actionByRef(state, '4.6').leads).toEqual(['Sue Ioannou']);
  });

  it('decides again, and appends once, when someone writes to the plan during the import', async () => {
    const { planId } = await importDemoPlan(service, actor);
    const state = await plans.load(planId);
    let interrupted = false;
    // Someone else's change lands between the import's read of the plan and its append. "Someone else" is
    // another process on the same file: a command service of its own (commands through one service take
    // turns per plan, so a write through the importer's own service would wait for the import to finish).
    const elsewhere = new PlanCommandService(store, new PlanRepository(store), { now: () => new Date(), newId: () => uuidv7() });
    const racing: PlanBatches = {
      runBatch: (id, decide, batchOptions) =>
        service.runBatch(
          id,
          async (batch) => {
            if (!interrupted) {
              interrupted = true;
              await elsewhere.execute(id, { type: 'ChangeActionStatus', actionId: actionByRef(state, '4.2').id, to: 'in_progress', reason: 'Started' }, { actor, correlationId: uuidv7() });
            }
            return decide(batch);
          },
          batchOptions,
        ),
    };
    const copy = lamingText.replace('\tWith immediate effect once guidance is available.\t', '\t31 March 2010\t');
    const result = await importFile({ service: racing, content: Buffer.from(copy), fileName: 'revised.txt', planId, actor });
    expect(interrupted).toBe(true);
    expect(result.changes.byType).toEqual({ TargetDateSlipped: 1 });
    const types = (await eventsOf(planId)).slice(-2).map((e) => e.type);
    expect(types).toEqual(['ActionStatusChanged', 'TargetDateSlipped']);
  });

  it('previews the Ofsted plan without appending anything', async () => {
    const preview = await importFile({
      service,
      filePath: path.join(FIXTURES, OFSTED),
      newPlan: { organisation: 'Central Bedfordshire Council', respondsTo: 'Ofsted inspection of safeguarding and looked after children services (2012)' },
      dryRun: true,
      actor,
    });
    expect(preview).toMatchObject({
      dryRun: true,
      title: 'Central Bedfordshire Council Safeguarding and Looked After Children Post Inspection Action Plan',
      counts: { workstreams: 9, phases: 2, recommendations: 70, actions: 104, progressNotes: 0 },
      changes: { events: 1 + 9 + 70 + 104 },
    });
    expect(preview.revision).toBeUndefined();
    expect(preview.problems.filter((p) => p.code === 'TARGET_BEFORE_START').map((p) => p.rows)).toEqual([[229], [232], [267]]);
    expect(await store.listStreams('plan-')).toEqual([]);
  });

  it('imports the Ofsted plan into nine workstreams across two phases, with their key deliverables and dates', async () => {
    const result = await importFile({
      service,
      filePath: path.join(FIXTURES, OFSTED),
      newPlan: { organisation: 'Central Bedfordshire Council', respondsTo: 'Ofsted inspection of safeguarding and looked after children services (2012)' },
      actor,
    });
    const state = await plans.load(result.planId);
    const workstreams = state.workstreamOrder.map((id) => state.workstreams[id]!);
    expect(workstreams.map((w) => w.number)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(new Set(workstreams.map((w) => w.phase))).toEqual(
      new Set([
        'Phase 1: Safeguarding and Looked After Children April – October 2012',
        'Phase 2: Improvement Planning for Safeguarding and Looked After Children September 2012- September 2013',
      ]),
    );
    expect(Object.keys(state.recommendations)).toHaveLength(70);
    const chronologies = actionByRef(state, '1.1.1');
    expect(chronologies).toMatchObject({ start: { text: 'May 2012', date: '2012-05-01' }, target: { text: '30 September 2012', due: '2012-09-30' } });
    expect(state.workstreams[chronologies.workstreamId!]?.number).toBe('1');
    expect(actionByRef(state, '5.2.1').warnings.map((w) => w.code)).toEqual(['TARGET_BEFORE_START']);
  });

  it('refuses an empty file, a file with no header row and a binary file, appending nothing', async () => {
    const { planId, revision } = await importDemoPlan(service, actor);
    const attempts: [string, Uint8Array, string][] = [
      ['empty.txt', new Uint8Array(), 'EMPTY_FILE'],
      ['no-header.txt', Buffer.from('4\tThe Government should introduce new statutory targets\tPerformance team\n'), 'NO_HEADER_ROW'],
      ['scan.txt', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0xff, 0xfe, 0xfd]), 'NOT_TEXT'],
    ];
    for (const [fileName, content, code] of attempts) {
      await expect(importFile({ service, content, fileName, planId, actor })).rejects.toMatchObject({ name: 'ImportError', code });
      await expect(
        importFile({ service, content, fileName, newPlan: { organisation: 'Central Bedfordshire Council', respondsTo: 'Lord Laming (2009)' }, actor }),
      ).rejects.toBeInstanceOf(ImportError);
    }
    expect(await eventsOf(planId)).toHaveLength(revision! + 1);
    expect(await store.listStreams('plan-')).toEqual([planStreamName(planId)]);
  });

  it('refuses to import into a plan that does not exist', async () => {
    await expect(importFile({ service, filePath: path.join(FIXTURES, LAMING), planId: uuidv7(), actor })).rejects.toMatchObject({ code: 'PLAN_NOT_FOUND' });
    await expect(importFile({ service, filePath: path.join(dir, 'missing.txt'), planId: uuidv7(), actor })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    expect(await store.listStreams('plan-')).toEqual([]);
  });

  it('says where to put the fixtures when the demo plan cannot be found', async () => {
    await expect(importDemoPlan(service, actor, { LEDGER_FIXTURES_DIR: path.join(dir, 'nowhere') })).rejects.toMatchObject({
      code: 'FIXTURES_NOT_FOUND',
      message: expect.stringContaining('LEDGER_FIXTURES_DIR'),
    });
    const moved = await importDemoPlan(service, actor, { LEDGER_FIXTURES_DIR: FIXTURES });
    expect(moved.counts.actions).toBe(67);
  });
});
