import { closeSync, openSync, readFileSync, ftruncateSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import ExcelJS from 'exceljs';
import { planStreamName } from '#domain';
import { importDemoPlan } from './demo-plan.js';
import { importFile, type ImportFileOptions } from './import-file.js';
import { openSqliteLedger, type RecordedEvent, type SqliteLedger } from '#application/testing/sqlite-ledger';

const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures');
const LAMING = readFileSync(path.join(FIXTURES, 'central-bedfordshire-laming-2009-progress.txt'), 'utf8');
const actor = { id: 'spreadsheet-int-test', displayName: 'Spreadsheet import test' };
const newPlan = { organisation: 'Central Bedfordshire Council', respondsTo: 'Lord Laming, The Protection of Children in England (2009)' };

type Cell = string | number | Date | ExcelJS.CellRichTextValue | ExcelJS.CellFormulaValue;

/**
 * The first 36 lines of the Laming plan (its title, recommendations 4, 6 and 7 across three page breaks) as
 * a council's spreadsheet holds them: one sheet row per line, the title in a cell of its own, a real date in
 * one target cell. Each cell is kept as Excel would hold it; `text` is how the same cell reads in a CSV.
 */
function lamingRows(): Cell[][] {
  const rows: Cell[][] = LAMING.split('\n')
    .slice(0, 36)
    .map((line) => (line.includes('\t') ? line.split('\t') : line.trim() === '' ? [] : [line.replace(/^#+\s*/, '')]));
  rows[5]![0] = 4; // Rec No as Excel stores a number typed in
  rows[16]![0] = 6;
  rows[32]![0] = 7;
  rows[17]![3] = new Date(Date.UTC(2009, 7, 31)); // "August 2009" typed as a date: 31/08/2009
  const recommendation = rows[5]![1] as string;
  rows[5]![1] = { richText: [{ text: recommendation.slice(0, 40), font: { bold: true } }, { text: recommendation.slice(40) }] };
  rows[8]![4] = { formula: 'IF(TRUE,"High Priority","")', result: 'High Priority' };
  return rows;
}

function text(cell: Cell | undefined): string {
  if (cell === undefined) return '';
  if (typeof cell === 'string') return cell;
  if (typeof cell === 'number') return String(cell);
  if (cell instanceof Date) return '31 August 2009';
  if ('richText' in cell) return cell.richText.map((run) => run.text).join('');
  return String(cell.result);
}

/** As Excel's "CSV UTF-8" writes it in a continental locale: a byte-order mark, semicolons, CRLF, RFC 4180 quoting. */
function csvOf(rows: Cell[][]): Buffer {
  const width = Math.max(...rows.map((r) => r.length));
  const quote = (value: string) => (/[;"\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  const body = rows.map((row) => Array.from({ length: width }, (_, i) => quote(text(row[i]))).join(';')).join('\r\n');
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${body}\r\n`, 'utf8')]);
}

/** The same rows as a workbook, with the title merged across the table and each Rec No merged down over its rows. */
async function xlsxOf(rows: Cell[][]): Promise<Uint8Array> {
  const book = new ExcelJS.Workbook();
  book.addWorksheet('Read me').addRow(['This workbook holds the Laming action plan']).worksheet.state = 'hidden';
  const sheet = book.addWorksheet('Laming 2009');
  rows.forEach((row, i) => {
    row.forEach((cell, column) => {
      if (cell !== '') sheet.getCell(i + 1, column + 1).value = cell;
    });
  });
  sheet.mergeCells('A3:G3');
  sheet.mergeCells('A6:A11'); // rec 4's rows before the page break
  sheet.mergeCells('A17:A18'); // rec 6
  return new Uint8Array(await book.xlsx.writeBuffer());
}

describe('importing spreadsheets on a real SQLite ledger', () => {
  let ledger: SqliteLedger;
  let dir: string;
  let store: SqliteLedger['store'];
  let plans: SqliteLedger['plans'];
  let service: SqliteLedger['service'];

  beforeEach(() => {
    ledger = openSqliteLedger('ledger-spreadsheet-');
    ({ dir, store, plans, service } = ledger);
  });

  afterEach(() => ledger.close());

  const eventsOf = (planId: string): Promise<RecordedEvent[]> => store.readStream(planStreamName(planId));

  /** What an event says, without what differs by nature between two imports: ids, the file's name and hash, the sheet. */
  function decided(events: RecordedEvent[]): unknown[] {
    const ids = new Map<string, string>();
    const anonymise = (value: unknown): unknown => {
      if (typeof value === 'string') {
        return value
          .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (id) => ids.get(id) ?? (ids.set(id, `id-${ids.size + 1}`), ids.get(id)!))
          .replace(/laming-2009\.(csv|xlsx)/g, 'the file');
      }
      if (Array.isArray(value)) return value.map(anonymise);
      if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, anonymise(v)]));
      return value;
    };
    return events.map((event) => {
      const meta = event.metadata as { effectiveAt?: string; reason?: string; provenance?: { rows: number[] } };
      return anonymise({ type: event.type, data: event.data, effectiveAt: meta.effectiveAt, reason: meta.reason, rows: meta.provenance?.rows });
    });
  }

  it('imports the same table from an XLSX and a CSV version as the same events', async () => {
    const rows = lamingRows();
    const fromCsv = await importFile({ service, content: csvOf(rows), fileName: 'laming-2009.csv', newPlan, actor });
    const fromXlsx = await importFile({ service, content: await xlsxOf(rows), fileName: 'laming-2009.xlsx', newPlan, actor });

    const csvEvents = await eventsOf(fromCsv.planId);
    const xlsxEvents = await eventsOf(fromXlsx.planId);
    expect(decided(xlsxEvents)).toEqual(decided(csvEvents));
    expect(fromXlsx.counts).toEqual(fromCsv.counts);
    expect(fromXlsx.problems).toEqual(fromCsv.problems);

    // What a person reading the table sees, from either file.
    expect(fromCsv).toMatchObject({
      title: 'Laming Recommendations 2009 – Children Families and Learning - Response and Action Plan – June 2009 and update on progress as at 1.10.2009',
      counts: { recommendations: 3, actions: 16 },
    });
    const state = await plans.load(fromXlsx.planId);
    const rec4 = Object.values(state.recommendations).find((r) => r.ref === '4')!;
    expect(rec4.text).toMatch(/as quickly as possible\. The National Indicator Set should be revised .* for the next Comprehensive Spending Review\.$/);
    // The merged Rec No cell reads once; the row after the page break still belongs to recommendation 4.
    expect(rec4.actionIds.map((id) => state.actions[id]!.ref)).toEqual(['4.1', '4.2', '4.3', '4.4', '4.5', '4.6', '4.7']);
    const byRef = (ref: string) => Object.values(state.actions).find((a) => a.ref === ref)!;
    expect(byRef('4.1').leads).toEqual(['Peter Worthington', 'Iain Melville']);
    expect(byRef('4.4').priority).toBe('High Priority');
    expect(byRef('6.2').target).toMatchObject({ text: '31 August 2009', due: '2009-08-31' });
    expect(xlsxEvents[0]!.metadata.effectiveAt).toBe('2009-06-01T00:00:00.000Z');

    // Provenance names the file and, for the workbook, the sheet the rows came from.
    const provenance = (e: RecordedEvent) => e.metadata.provenance as { fileName: string; sheet?: string; rows: number[] };
    expect(fromXlsx.sheet).toBe('Laming 2009');
    expect(xlsxEvents.every((e) => provenance(e).fileName === 'laming-2009.xlsx' && provenance(e).sheet === 'Laming 2009')).toBe(true);
    expect(csvEvents.every((e) => provenance(e).fileName === 'laming-2009.csv' && provenance(e).sheet === undefined)).toBe(true);
    expect(provenance(xlsxEvents.find((e) => e.type === 'ActionAdded' && e.data.ref === '4.7')!).rows).toEqual([16]);
  });

  it('appends nothing when the workbook is imported again, even after it is saved as CSV', async () => {
    const rows = lamingRows();
    const first = await importFile({ service, content: await xlsxOf(rows), fileName: 'laming-2009.xlsx', newPlan, actor });
    const again = await importFile({ service, content: csvOf(rows), fileName: 'laming-2009.csv', planId: first.planId, actor });
    expect(again.changes).toEqual({ events: 0, byType: {} });
    expect(await eventsOf(first.planId)).toHaveLength(first.revision! + 1);
  });

  describe('refusing a file, appending nothing', () => {
    let planId: string;
    let revision: number;
    beforeEach(async () => {
      ({ planId, revision } = (await importDemoPlan(service, actor)) as { planId: string; revision: number });
    });

    async function refused(options: Partial<ImportFileOptions>, expected: Record<string, unknown>): Promise<void> {
      await expect(importFile({ service, planId, actor, ...options })).rejects.toMatchObject({ name: 'ImportError', ...expected });
      await expect(importFile({ service, newPlan, actor, ...options })).rejects.toMatchObject({ name: 'ImportError', ...expected });
      expect(await eventsOf(planId)).toHaveLength(revision + 1);
      expect(await store.listStreams('plan-')).toEqual([planStreamName(planId)]);
    }

    it('refuses a 50 MB upload at once, with the limit in the message, before reading a byte of it', async () => {
      const content = Buffer.alloc(50 * 1024 * 1024, 'Rec No\tAction\n');
      const started = Date.now();
      await expect(importFile({ service, content, fileName: 'everything.txt', planId, actor })).rejects.toMatchObject({ code: 'FILE_TOO_LARGE' });
      expect(Date.now() - started).toBeLessThan(500);
      await refused({ content, fileName: 'everything.txt' }, { code: 'FILE_TOO_LARGE', message: expect.stringMatching(/^everything\.txt is 50 MB; the ledger imports files of up to 20 MB \(LEDGER_IMPORT_MAX_BYTES\)/) });
    });

    it('refuses a 50 MB file on disk from its size alone, and honours a configured limit', async () => {
      const filePath = path.join(dir, 'everything.xlsx');
      const fd = openSync(filePath, 'w');
      ftruncateSync(fd, 50 * 1024 * 1024); // sparse: 50 MB long, nothing written
      closeSync(fd);
      await refused({ filePath }, { code: 'FILE_TOO_LARGE', message: expect.stringContaining('everything.xlsx is 50 MB') });
      await expect(importFile({ service, content: Buffer.from(LAMING), fileName: 'laming.txt', planId, actor, maxBytes: 1024 })).rejects.toMatchObject({
        code: 'FILE_TOO_LARGE',
        message: expect.stringContaining('laming.txt is 25 KB; the ledger imports files of up to 1 KB'),
      });
    });

    it('refuses a CSV saved as Windows-1252, saying how to save it', async () => {
      const csv = LAMING.split('\n').slice(4, 12).join('\r\n').replace(/,/g, ' ').replace(/\t/g, ',').replace("Children's Trust", 'Children\u2019s Trust (caf\u00e9 sessions)');
      const windows1252 = Buffer.from([...csv].map((ch) => ({ '\u2019': 0x92, '\u2013': 0x96 })[ch] ?? ch.charCodeAt(0)));
      await refused({ content: windows1252, fileName: 'laming.csv' }, { code: 'NOT_TEXT', message: expect.stringMatching(/Windows-1252.*"CSV UTF-8 \(Comma delimited\)"/) });
    });

    it('refuses a workbook whose table has no header row, naming the row it expected one on', async () => {
      const book = new ExcelJS.Workbook();
      const sheet = book.addWorksheet('Plan');
      sheet.addRow([4, 'The Government should introduce new statutory targets', 'Performance team to report', 'Quarterly', 'Martin Pratt']);
      sheet.addRow([null, null, "Children's Trust to monitor performance", 'Quarterly', 'All Assistant Directors']);
      const content = new Uint8Array(await book.xlsx.writeBuffer());
      await refused({ content, fileName: 'no-header.xlsx' }, { code: 'NO_HEADER_ROW', rows: [1], message: expect.stringMatching(/^no-header\.xlsx has no header row/) });
    });

    it('refuses a sheet the workbook does not have', async () => {
      const content = await xlsxOf(lamingRows());
      await refused({ content, fileName: 'laming-2009.xlsx', sheet: 'Progress' }, { code: 'SHEET_NOT_FOUND', message: expect.stringContaining('its sheets are "Read me", "Laming 2009"') });
    });
  });
});
