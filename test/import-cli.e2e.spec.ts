import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import ExcelJS from 'exceljs';
import { runLedgerCli } from './support/run-cli.js';

const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures');
const OFSTED = path.join(FIXTURES, 'central-bedfordshire-ofsted-action-plan-2012-13.txt');
const NEW_PLAN = ['--organisation', 'Central Bedfordshire Council', '--responds-to', 'Ofsted inspection of safeguarding and looked after children services (2012)'];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ledger-import-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh ledger file for each test, so each says what it appended. */
let n = 0;
const freshDb = () => path.join(dir, `ledger-${++n}.sqlite`);

/** A council's workbook: a title row, the header, a Rec No merged down over its two actions, a target typed as a date. */
async function writeWorkbook(file: string): Promise<void> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Action plan');
  sheet.addRow(['Laming Recommendations 2009 – Response and Action Plan – June 2009']);
  sheet.addRow(['Rec No', 'Recommendations for CFL', 'Action', 'Date for completion /Review', 'Responsible manager(s)']);
  sheet.addRow([6, 'Chief Executives … must regularly review all points of referral', 'Audit manager to undertake regular specific audits of referrals', 'First audit by June 2009', 'Rachel Deakin / Sue Ioannou']);
  sheet.addRow([null, null, 'Quality Assurance strategy to be signed off', new Date(Date.UTC(2009, 7, 31)), 'Sue Ioannou']);
  sheet.mergeCells('A3:A4');
  sheet.mergeCells('B3:B4');
  writeFileSync(file, new Uint8Array(await book.xlsx.writeBuffer()));
}

describe('ledger import', () => {
  it('previews a plan without appending anything: its counts and every problem, with row numbers', () => {
    const db = freshDb();
    const result = runLedgerCli(['import', OFSTED, ...NEW_PLAN, '--dry-run', '--db', db]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Dry run of central-bedfordshire-ofsted-action-plan-2012-13.txt: nothing was appended.');
    for (const line of ['Workstreams:     9', 'Recommendations: 70', 'Actions:         104', 'Progress notes:  0', 'Would append:    184 events (PlanCreated 1, WorkstreamAdded 9']) {
      expect(result.stdout).toContain(line);
    }
    expect(result.stdout).toMatch(/Distinct leads: {2}\d+/);
    // Targets before starts, actions with no lead, rows with no target: each with the row a person can open.
    expect(result.stdout).toMatch(/row 229 +warning TARGET_BEFORE_START +Line 229 \(action 5\.2\.1\): the target "February 2012"/);
    expect(result.stdout).toMatch(/row 232 +warning NO_LEAD/);
    expect(result.stdout).toMatch(/row 89 +warning NO_TARGET/);
    expect(runLedgerCli(['plans', '--db', db]).stdout).toContain('The ledger holds no plans yet.');
  });

  it('imports a workbook into a new plan in one append, and appends nothing when it is imported again', async () => {
    const db = freshDb();
    const file = path.join(dir, 'laming-plan.xlsx');
    await writeWorkbook(file);
    const first = runLedgerCli(['import', file, '--organisation', 'Central Bedfordshire Council', '--responds-to', 'Lord Laming (2009)', '--actor', 'Rachel Deakin', '--json', '--db', db]);
    expect(first.status).toBe(0);
    const result = JSON.parse(first.stdout);
    expect(result).toMatchObject({
      dryRun: false,
      sheet: 'Action plan',
      title: 'Laming Recommendations 2009 – Response and Action Plan – June 2009',
      counts: { recommendations: 1, actions: 2, leads: 2 },
      changes: { events: 4, byType: { PlanCreated: 1, RecommendationAdded: 1, ActionAdded: 2 } },
      revision: 3,
    });
    const events = runLedgerCli(['events', result.planId, '--json', '--db', db])
      .stdout.trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.map((e) => [e.type, e.metadata.actor.displayName, e.metadata.provenance.sheet, e.metadata.provenance.rows])).toEqual([
      ['PlanCreated', 'Rachel Deakin', 'Action plan', [1]],
      ['RecommendationAdded', 'Rachel Deakin', 'Action plan', [3]],
      ['ActionAdded', 'Rachel Deakin', 'Action plan', [3]],
      ['ActionAdded', 'Rachel Deakin', 'Action plan', [4]],
    ]);
    expect(events[3].data).toMatchObject({ ref: '6.2', target: { text: '31 August 2009', due: '2009-08-31' } });
    expect(events[0].metadata.effectiveAt).toBe('2009-06-01T00:00:00.000Z');

    const again = runLedgerCli(['import', file, '--plan', result.planId, '--db', db]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`Nothing to append: plan ${result.planId} already says what laming-plan.xlsx says.`);
    expect(runLedgerCli(['plans', '--db', db]).stdout).toContain('(4 events)');

    // The same file again without --plan would be a second, identical plan: refused, naming the plan.
    const duplicate = runLedgerCli(['import', file, '--organisation', 'Central Bedfordshire Council', '--responds-to', 'Lord Laming (2009)', '--db', db]);
    expect(duplicate.status).toBe(1);
    expect(duplicate.stderr).toContain(`is already in plan "Laming Recommendations 2009 – Response and Action Plan – June 2009" (${result.planId})`);
    expect(runLedgerCli(['plans', '--db', db]).stdout).not.toMatch(/\(4 events\)[\s\S]*\(4 events\)/);
    const anyway = runLedgerCli(['import', file, '--new-plan', 'Laming 2009 (a copy for training)', '--organisation', 'Central Bedfordshire Council', '--responds-to', 'Lord Laming (2009)', '--json', '--db', db]);
    expect(anyway.status).toBe(0);
    expect(JSON.parse(anyway.stdout)).toMatchObject({ title: 'Laming 2009 (a copy for training)', changes: { events: 4 } });
  });

  it('reads headers it does not know through a mapping file', () => {
    const db = freshDb();
    const file = path.join(dir, 'own-headings.csv');
    writeFileSync(file, 'Step,What we will do,Person responsible,Done by\r\n1,Audit referrals quarterly,Rachel Deakin / Sue Ioannou,March 2010\r\n');
    const mapping = path.join(dir, 'mapping.json');
    writeFileSync(mapping, JSON.stringify({ Step: 'ref', 'What we will do': 'action', 'Person responsible': 'leads', 'Done by': 'target' }));
    const without = runLedgerCli(['import', file, ...NEW_PLAN, '--dry-run', '--db', db]);
    expect(without.status).toBe(1);
    expect(without.stderr).toContain('own-headings.csv has no header row');
    const withMapping = runLedgerCli(['import', file, ...NEW_PLAN, '--mapping', mapping, '--json', '--db', db]);
    expect(withMapping.status).toBe(0);
    expect(JSON.parse(withMapping.stdout)).toMatchObject({ counts: { recommendations: 1, actions: 1, leads: 2 }, problems: [] });
  });

  it('refuses a bad file with exit code 1 and a clear message on stderr, appending nothing', () => {
    const db = freshDb();
    const windows1252 = path.join(dir, 'plan-1252.csv');
    writeFileSync(windows1252, Buffer.from([...'Rec No,Action,Lead\r\n4,Caf\u00e9 sessions for carers,Sue Ioannou\r\n'].map((ch) => ch.charCodeAt(0))));
    const encoding = runLedgerCli(['import', windows1252, ...NEW_PLAN, '--db', db]);
    expect(encoding.status).toBe(1);
    expect(encoding.stderr).toMatch(/^ledger import: plan-1252\.csv is not UTF-8 text .*Windows-1252.*line 2.*"CSV UTF-8 \(Comma delimited\)"/);
    expect(encoding.stdout).toBe('');

    const huge = path.join(dir, 'everything.xlsx');
    const fd = openSync(huge, 'w');
    ftruncateSync(fd, 50 * 1024 * 1024); // sparse: refused from its size, never read
    closeSync(fd);
    const started = Date.now();
    const tooLarge = runLedgerCli(['import', huge, ...NEW_PLAN, '--db', db]);
    expect(tooLarge.status).toBe(1);
    expect(tooLarge.stderr).toContain('everything.xlsx is 50 MB; the ledger imports files of up to 20 MB (LEDGER_IMPORT_MAX_BYTES)');
    expect(Date.now() - started).toBeLessThan(10_000);
    const smaller = runLedgerCli(['import', OFSTED, ...NEW_PLAN, '--db', db], { LEDGER_IMPORT_MAX_BYTES: '1024' });
    expect(smaller.status).toBe(1);
    expect(smaller.stderr).toContain('is 54 KB; the ledger imports files of up to 1 KB');

    const missing = runLedgerCli(['import', path.join(dir, 'nowhere.txt'), ...NEW_PLAN, '--db', db]);
    expect(missing.status).toBe(1);
    expect(runLedgerCli(['plans', '--db', db]).stdout).toContain('The ledger holds no plans yet.');
  });

  it('explains a wrong command with exit code 2', () => {
    const db = freshDb();
    const cases: [string[], RegExp][] = [
      [['import', '--db', db], /say which file to import/],
      [['import', OFSTED, '--db', db], /a new plan needs --organisation and --responds-to/],
      [['import', OFSTED, '--plan', 'x', '--new-plan', 'y', '--db', db], /either --plan .* or --new-plan, not both/],
      [['import', OFSTED, '--plan', 'x', '--organisation', 'A council', '--db', db], /--organisation and --responds-to describe a new plan/],
      [['import', OFSTED, ...NEW_PLAN, '--colour', '--db', db], /Unknown option '--colour'/],
      [['import', OFSTED, ...NEW_PLAN, '--plan-date', '30/09/2012', '--db', db], /planDate: must be a date written YYYY-MM-DD/],
    ];
    for (const [args, message] of cases) {
      const result = runLedgerCli(args);
      expect({ args: args.join(' '), status: result.status }).toEqual({ args: args.join(' '), status: 2 });
      expect(result.stderr).toMatch(message);
    }
    expect(runLedgerCli(['import', '--help']).stdout).toContain('--dry-run');
  });

  it('draws its progress on stderr only, so what it prints on stdout stays readable by a script', () => {
    const db = freshDb();
    const result = runLedgerCli(['import', OFSTED, ...NEW_PLAN, '--progress', '--json', '--db', db]);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ counts: { actions: 104 }, changes: { events: 184 } });
    expect(result.stderr).toContain('import: deciding rows 100% (183/183)');
    expect(result.stderr.trim().split('\n').at(-1)).toBe('import: done');
    // Without --progress, and with stderr not a terminal, nothing is drawn at all.
    expect(runLedgerCli(['import', OFSTED, ...NEW_PLAN, '--dry-run', '--db', freshDb()]).stderr).toBe('');
  });
  it('writes a review file instead of appending, and imports the corrected file exactly as it says', () => {
    const db = freshDb();
    const source = path.resolve(process.cwd(), 'libs/importer/src/testing/corpus/pdf-scrutiny.txt');
    const review = path.join(dir, 'review.csv');
    const written = runLedgerCli(['import', source, ...NEW_PLAN, '--review', review, '--db', db]);
    expect(written.status).toBe(0);
    expect(written.stdout).toContain('Layout:          pdf-extracted, 2 tables; as at 2009-10-01');
    expect(written.stdout).toMatch(/Review file written: .*review\.csv \(15 rows\)/);
    expect(runLedgerCli(['plans', '--db', db]).stdout).toContain('The ledger holds no plans yet.');
    const confirmed = readFileSync(review, 'utf8').replace(/completed \(inferred\)/g, 'completed');
    writeFileSync(review, confirmed);
    const imported = runLedgerCli(['import', review, ...NEW_PLAN, '--json', '--db', db]);
    expect(imported.status).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ layout: 'review', counts: { recommendations: 7, actions: 6 }, changes: { byType: { ActionCompleted: 2, TargetDateSlipped: 1 } } });
  });

  it('refuses a layout it does not know, as a usage error', () => {
    const result = runLedgerCli(['import', OFSTED, ...NEW_PLAN, '--layout', 'pdf', '--db', freshDb()]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--layout must be one of tab-separated, cell-per-line, pdf-extracted, csv, xlsx/);
  });
});
