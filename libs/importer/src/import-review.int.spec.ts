import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { planStreamName } from '#domain';
import { importFile } from './import-file.js';
import { reviewCsv } from './review-file.js';
import { openSqliteLedger, type SqliteLedger } from '#application/testing/sqlite-ledger';

const actor = { id: 'review-int-test', displayName: 'Review test' };
const corpus = new URL('./testing/corpus/', import.meta.url);
const scrutiny = readFileSync(new URL('pdf-scrutiny.txt', corpus));
const newPlan = { organisation: 'Central Bedfordshire Council', respondsTo: 'Lord Laming (2009)' };

describe('reviewing an import before appending it, on a real SQLite ledger', () => {
  let ledger: SqliteLedger;
  beforeEach(() => {
    ledger = openSqliteLedger('ledger-review-');
  });
  afterEach(() => ledger.close());

  const typesOf = async (planId: string) => (await ledger.store.readStream(planStreamName(planId))).map((e) => e.type);

  it('previews the plan as understood, appending nothing, with the layout and a row per recommendation and action', async () => {
    const preview = await importFile({ service: ledger.service, content: scrutiny, fileName: 'appendix.txt', newPlan, actor, dryRun: true });
    expect(preview).toMatchObject({ dryRun: true, layout: 'pdf-extracted', tables: 2, asAt: { date: '2009-10-01' }, counts: { recommendations: 7, actions: 6 } });
    expect(preview.preview!.filter((r) => r.kind === 'recommendation')).toHaveLength(7);
    expect(preview.preview!.filter((r) => r.kind === 'action').map((r) => [r.ref, r.status, r.source_lines])).toEqual([
      ['1.1', 'completed (inferred)', '6, 7, 8'],
      ['2.1', '', '9, 10, 11, 12'],
      ['3.1', 'completed (inferred)', '17, 18, 19'],
      ['5.1', '', '24, 25'],
      ['1.1', '', '30, 31'],
      ['2.1', '', '32, 33'],
    ]);
    expect(preview.preview![0]).toMatchObject({ kind: 'plan', interpretation: expect.stringMatching(/layout pdf-extracted; 2 tables; as at 2009-10-01/) });
    expect(await ledger.store.readStream(planStreamName(preview.planId))).toEqual([]);
  });

  it('records the plan\'s own slip, and completes only what the words propose when asked (--infer-status)', async () => {
    const proposed = await importFile({ service: ledger.service, content: scrutiny, fileName: 'appendix.txt', newPlan, actor });
    expect(proposed.changes.byType).toMatchObject({ TargetDateSlipped: 1 });
    expect(proposed.changes.byType.ActionCompleted).toBeUndefined();
    const slipped = Object.values((await ledger.plans.load(proposed.planId)).actions).find((a) => a.ref === '3.1')!;
    expect(slipped.target).toMatchObject({ text: 'May 2010', due: '2010-05-31' });

    const inferred = await importFile({ service: ledger.service, content: scrutiny, fileName: 'appendix.txt', newPlan, actor, inferStatus: true, evenIfAlreadyImported: true });
    expect(inferred.changes.byType).toMatchObject({ ActionCompleted: 2, TargetDateSlipped: 1 });
    const state = await ledger.plans.load(inferred.planId);
    const completed = Object.values(state.actions).filter((a) => a.status === 'completed').map((a) => a.ref).sort();
    expect(completed).toEqual(['1.1', '3.1']);
    // Importing it again into the same plan changes nothing: the slip and the completions are already there.
    const again = await importFile({ service: ledger.service, content: scrutiny, fileName: 'appendix.txt', planId: inferred.planId, actor, inferStatus: true });
    expect(again.changes.events).toBe(0);
  });

  it('imports a corrected review file exactly as it says', async () => {
    const preview = await importFile({ service: ledger.service, content: scrutiny, fileName: 'appendix.txt', newPlan, actor, dryRun: true });
    const rows = preview.preview!.map((row) => {
      // The reviewer confirms 1.1 as completed, rejects 3.1's inference, and gives recommendation 4 the action the file lacked.
      if (row.kind === 'action' && row.ref === '1.1' && row.workstream === '') return { ...row, status: 'completed' };
      if (row.kind === 'action' && row.ref === '3.1') return { ...row, status: '' };
      return row;
    });
    const at = rows.findIndex((r) => r.kind === 'recommendation' && r.ref === '4');
    rows.splice(at + 1, 0, { ...rows.find((r) => r.kind === 'action')!, ref: '4.1', recommendation: '4', workstream: '', text: 'Training for senior political leaders', leads: 'Head of QA; Sue Ioannou', target: 'Nov 09 Summer 10', target_baseline: '', target_revised: '', progress: '', progress_as_at: '', status: '' });
    const corrected = new TextEncoder().encode(reviewCsv(rows));

    const result = await importFile({ service: ledger.service, content: corrected, fileName: 'review.csv', newPlan, actor });
    expect(result).toMatchObject({ layout: 'review', counts: { recommendations: 7, actions: 7 }, problems: [] });
    const state = await ledger.plans.load(result.planId);
    const actions = Object.values(state.actions);
    expect(actions.filter((a) => a.status === 'completed').map((a) => a.ref)).toEqual(['1.1']);
    expect(actions.find((a) => a.ref === '4.1')).toMatchObject({ description: 'Training for senior political leaders', leads: ['Head of QA', 'Sue Ioannou'] });
    expect(actions.find((a) => a.ref === '3.1')?.target.text).toBe('May 2010');
    expect(state.title).toBe("Appendix A: Response to Lord Laming's recommendations – Progress as at 1.10.09");
    expect((await typesOf(result.planId)).filter((t) => t === 'ActionCompleted')).toHaveLength(1);
  });

  it('refuses a review file with a broken row and appends nothing', async () => {
    const preview = await importFile({ service: ledger.service, content: scrutiny, fileName: 'appendix.txt', newPlan, actor, dryRun: true });
    const rows = preview.preview!.map((row) => (row.kind === 'action' && row.ref === '2.1' && row.workstream === '' ? { ...row, recommendation: '99' } : row));
    await expect(importFile({ service: ledger.service, content: new TextEncoder().encode(reviewCsv(rows)), fileName: 'review.csv', newPlan, actor })).rejects.toMatchObject({
      code: 'INVALID_ROW',
      message: expect.stringMatching(/action 2.1 is under recommendation 99/),
    });
  });
});
