import { describe, expect, it } from '@jest/globals';
import ExcelJS from 'exceljs';
import { readdirSync, readFileSync } from 'node:fs';
import { DEFAULT_IMPORT_LIMITS } from './import-limits.js';
import { importProblems } from './imported-plan.js';
import { readPlanFile } from './read-plan-file.js';
import { readReviewFile, reviewCsv, reviewRows } from './review-file.js';
import { readTabularFile } from './tabular-file.js';
import { corpusSummary } from './testing/corpus-summary.js';
import { documentFragments, textFragments, uncoveredFragments } from './testing/source-coverage.js';

/**
 * The corpus: synthetic plans in every layout, written from the Central Bedfordshire texts and mutated as other
 * councils' documents are (cells wrapped by a PDF, headers repeated per page, headings cut across columns, an
 * eighth cell, a second table, one cell per line, "Ref 34"). Each file has an expected-result file next to it:
 * every recommendation and action with every field, and every problem by code and line.
 */
const corpus = new URL('./testing/corpus/', import.meta.url);
const entries = readdirSync(corpus).filter((name) => !name.endsWith('.json'));

async function read(name: string, bytes: Uint8Array, options: Record<string, unknown> = {}) {
  return (await readPlanFile({ bytes, fileName: name, limits: DEFAULT_IMPORT_LIMITS, ...options })).plan;
}

describe('the import corpus', () => {
  it('has an entry in each layout', () => {
    const layouts = entries.map((name) => (JSON.parse(readFileSync(new URL(`${name}.expected.json`, corpus), 'utf8')) as { expected: { layout: string } }).expected.layout);
    expect(new Set(layouts)).toEqual(new Set(['tab-separated', 'cell-per-line', 'pdf-extracted', 'csv']));
  });

  describe.each(entries)('%s', (name) => {
    const bytes = readFileSync(new URL(name, corpus));
    const { options, expected } = JSON.parse(readFileSync(new URL(`${name}.expected.json`, corpus), 'utf8')) as { options: Record<string, unknown>; expected: unknown };

    it('reads every recommendation and action, every field exact', async () => {
      expect(corpusSummary(await read(name, bytes, options))).toEqual(expected);
    });

    it('drops nothing from the source without a warning', async () => {
      const plan = await read(name, bytes, options);
      const fragments = textFragments(bytes.toString('utf8'), name.endsWith('.csv') ? 'csv' : 'text');
      expect(fragments.length).toBeGreaterThan(5);
      expect(uncoveredFragments(fragments, plan)).toEqual([]);
    });

    it('names a source line in every warning', async () => {
      const plan = await read(name, bytes, options);
      for (const problem of importProblems(plan)) expect(problem.rows.length).toBeGreaterThan(0);
    });

    it('reads back from its review file exactly as understood', async () => {
      const plan = await read(name, bytes, options);
      const review = new TextEncoder().encode(reviewCsv(reviewRows(plan)));
      const again = readReviewFile(review, 'review.csv', 'sha')!;
      const fields = (p: typeof plan) => ({
        title: p.title,
        workstreams: p.workstreams.map((w) => [w.number, w.title]),
        recommendations: p.recommendations.map((r) => [r.ref, r.workstream, r.text]),
        actions: p.actions.map((a) => [a.ref, a.recommendationRef, a.workstream, a.description, a.leads, a.target, a.targetSlip, a.progress?.narrative, a.progress?.asAt, a.status?.inferred, a.rag]),
      });
      expect(fields(again)).toEqual(fields(plan));
    });
  });

  it('the coverage check finds a fragment that nothing kept', async () => {
    const name = 'pdf-scrutiny.txt';
    const bytes = readFileSync(new URL(name, corpus));
    const plan = await read(name, bytes);
    const withoutWarnings = { ...plan, problems: [], recommendations: plan.recommendations.map((r) => ({ ...r, problems: [] })) };
    expect(uncoveredFragments(textFragments(bytes.toString('utf8'), 'text'), withoutWarnings).map((f) => f.line)).toEqual(expect.arrayContaining([5, 20, 23]));
  });
});

describe('a workbook with merged cells', () => {
  /** The tab-rows corpus entry as a sheet: the title merged across, each reference and recommendation merged down its rows. */
  async function workbook(): Promise<Uint8Array> {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('Action plan');
    const rows = [
      ['Local Safeguarding Children Board – Laming Response Action Plan – March 2010'],
      ['Ref', 'Recommendation', 'Action', 'Lead', 'Timescale', 'Progress'],
      ['Ref 34', "Directors of Children's Services should ensure that all staff are trained.", 'Training needs analysis for all staff', 'DCS\nKSCB', 'April 2010 Jun 2010', 'Complete'],
      ['', '', 'Training programme agreed with partners', 'Sue Ioannou and Rachel Deakin', 'Nov 09 Summer 10', 'In place'],
      ['35', "Children's Trust Boards should review their performance framework.", 'Performance framework reviewed', 'Martin Pratt / Iain Melville', 'February 2010 Revised to May 2010', 'Framework revised and agreed', 'by the Board in May 2010.'],
    ];
    rows.forEach((row, i) => row.forEach((value, c) => value !== '' && (sheet.getCell(i + 1, c + 1).value = value)));
    sheet.mergeCells('A1:F1');
    sheet.mergeCells('A3:A4');
    sheet.mergeCells('B3:B4');
    return new Uint8Array(await book.xlsx.writeBuffer());
  }

  it('reads a merged reference and recommendation once, its rows as actions under it', async () => {
    const plan = await read('plan.xlsx', await workbook());
    expect(corpusSummary(plan)).toMatchObject({
      layout: 'xlsx',
      title: 'Local Safeguarding Children Board – Laming Response Action Plan – March 2010',
      asAt: '2010-03-01',
      counts: { recommendations: 2, actions: 3 },
      recommendations: [
        {
          ref: '34',
          text: "Directors of Children's Services should ensure that all staff are trained.",
          actions: [
            { ref: '34.1', leads: ['DCS', 'KSCB'], target: 'April 2010 Jun 2010', status: 'completed (inferred)', rows: [3] },
            { ref: '34.2', leads: ['Sue Ioannou', 'Rachel Deakin'], target: 'Nov 09 Summer 10', status: 'completed (inferred)', rows: [4] },
          ],
        },
        {
          ref: '35',
          actions: [{ ref: '35.1', targetSlip: { from: 'February 2010', to: 'May 2010' }, progress: { narrative: 'Framework revised and agreed by the Board in May 2010.' } }],
        },
      ],
    });
    expect(importProblems(plan).map((p) => `${p.code} ${p.rows.join(',')}`)).toEqual(['INFERRED_STATUS 3', 'INFERRED_STATUS 4', 'EXTRA_CELL 5', 'REVISED_TARGET 5']);
    const document = await readTabularFile(await workbook(), 'plan.xlsx');
    expect(uncoveredFragments(documentFragments(document), plan)).toEqual([]);
  });
});

describe('choosing the layout', () => {
  it('says which layout it detected, and reads another when told to', async () => {
    const bytes = readFileSync(new URL('pdf-scrutiny.txt', corpus));
    expect((await read('pdf-scrutiny.txt', bytes)).layout).toBe('pdf-extracted');
    const asRows = await read('pdf-scrutiny.txt', bytes, { layout: 'tab-separated' });
    expect(asRows.layout).toBe('tab-separated');
    expect(asRows.actions.length).toBeGreaterThan(10);
  });

  it('refuses a layout that cannot read the file, saying what would', async () => {
    const bytes = readFileSync(new URL('pdf-scrutiny.txt', corpus));
    await expect(read('pdf-scrutiny.txt', bytes, { layout: 'xlsx' })).rejects.toMatchObject({ code: 'UNREADABLE_SPREADSHEET', message: expect.stringMatching(/--layout xlsx/) });
  });

  it('names what it found when cells are one per line and the header is not known', async () => {
    const text = 'Our plan\n\n\tWhat we said\n\tWhat we did\n\n\tOne\n\tTwo\n';
    await expect(read('plan.txt', new TextEncoder().encode(text))).rejects.toMatchObject({
      code: 'NO_HEADER_ROW',
      message: expect.stringMatching(/no line has cells side by side.*line 1.*--mapping.*--layout cell-per-line/),
    });
  });
});

describe('the review file', () => {
  it('refuses a corrected file that does not hold together, naming the rows, before anything is read into a plan', () => {
    const header = 'kind,ref,recommendation,workstream,text,leads,priority,start,target,target_baseline,target_revised,dependencies,performance_indicators,progress,progress_as_at,status,rag,phase,key_aim,source_lines,interpretation,warnings';
    const bad = `${header}\r\nrecommendation,1,,,Do it,,,,,,,,,,,,,,,,,\r\naction,1.1,2,,Act,,,,,,,,,,,,,,,,,\r\naction,1.2,1,,Act,,,,,,,,,,,finished,,,,,,\r\n`;
    expect(() => readReviewFile(new TextEncoder().encode(bad), 'review.csv', 'x')).toThrow(
      expect.objectContaining({ code: 'INVALID_ROW', rows: [3, 4], message: expect.stringMatching(/row 3: action 1.1 is under recommendation 2.*row 4: status "finished"/) }),
    );
  });

  it('is not taken for a plan when its header is not the review header', () => {
    expect(readReviewFile(new TextEncoder().encode('Ref,Recommendation\n1,Do it\n'), 'plan.csv', 'x')).toBeUndefined();
  });
});
