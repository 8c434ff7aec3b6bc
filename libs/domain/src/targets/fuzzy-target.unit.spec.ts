import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseBusinessDate, parseTarget, revisedTarget, Target, type TargetKind } from './index.js';

describe('parseTarget', () => {
  describe('exact days', () => {
    it.each([
      ['30 September 2012', '2012-09-30'],
      ['9th June 2012', '2012-06-09'],
      ['9 <sup>th</sup> June 2012', '2012-06-09'],
      ['10<sup>th</sup> July 2012', '2012-07-10'],
      ['3rd May 2012', '2012-05-03'],
      ['1.10.09', '2009-10-01'],
      ['01/10/2009', '2009-10-01'],
      ['29 February 2012', '2012-02-29'],
    ])('reads "%s" as due on %s', (text, due) => {
      expect(parseTarget(text)).toEqual({ text, kind: 'date', due });
    });

    it('does not read a day that the month does not have', () => {
      expect(parseTarget('31 February 2012').kind).toBe('unparsed');
      expect(parseTarget('29 February 2013').kind).toBe('unparsed');
    });
  });

  describe('months, due at the end of the month', () => {
    it.each([
      ['May 2012', '2012-05-31'],
      ['Sept 2012', '2012-09-30'],
      ['July 09', '2009-07-31'],
      ['Nov 2009', '2009-11-30'],
      ['February 2012', '2012-02-29'],
      ['Feb 2013', '2013-02-28'],
      ['By December 2009', '2009-12-31'],
      ['Review February 2013', '2013-02-28'],
      ['July 2009 ( first audit)', '2009-07-31'],
      ['Feb 2013 for validated data but earlier for unvalidated', '2013-02-28'],
      ['May/June 09', '2009-06-30'],
      ['<p>October 2012</p>', '2012-10-31'],
    ])('reads "%s" as due by %s', (text, due) => {
      expect(parseTarget(text)).toEqual({ text, kind: 'month', due });
    });

    it('reads a season as due at the end of its last month, winter running into the next year', () => {
      expect(parseTarget('Summer 2012')).toEqual({ text: 'Summer 2012', kind: 'month', due: '2012-08-31' });
      expect(parseTarget('autumn 2009')).toEqual({ text: 'autumn 2009', kind: 'month', due: '2009-11-30' });
      expect(parseTarget('Winter 2012')).toEqual({ text: 'Winter 2012', kind: 'month', due: '2013-02-28' });
    });

    it('reads two-digit years as this century', () => {
      expect(parseTarget('June 09').due).toBe('2009-06-30');
      expect(parseTarget('1.10.99').due).toBe('2099-10-01');
    });
  });

  describe('cadences', () => {
    it.each([
      ['Quarterly', 3, 'month'],
      ['Monthly', 1, 'month'],
      ['Weekly', 1, 'week'],
      ['6 monthly', 6, 'month'],
      ['Three monthly', 3, 'month'],
      ['Bi monthly', 2, 'month'],
      ['bimonthly', 2, 'month'],
      ['bi-monthly', 2, 'month'],
      ['Fortnightly', 2, 'week'],
      ['Annually', 1, 'year'],
      ['Yearly', 1, 'year'],
      ['Review every two months', 2, 'month'],
    ] as const)('reads "%s" as recurring every %d %s, with no end', (text, every, unit) => {
      const target = parseTarget(text);
      expect(target.kind).toBe('recurring');
      expect(target.cadence).toEqual({ every, unit, label: text.replace(/^Review /, '') });
      expect(target.ongoing).toBe(true);
      expect(target.due).toBeUndefined();
    });

    it('reads a cadence followed by what recurs', () => {
      expect(parseTarget('Quarterly Local Safeguarding Children Board audit')).toEqual({
        text: 'Quarterly Local Safeguarding Children Board audit',
        kind: 'recurring',
        cadence: { every: 3, unit: 'month', label: 'Quarterly' },
        ongoing: true,
      });
    });

    it('reads a cadence throughout a financial year as ending on 31 March', () => {
      expect(parseTarget('Monthly throughout 2009/10')).toEqual({
        text: 'Monthly throughout 2009/10',
        kind: 'recurring',
        due: '2010-03-31',
        cadence: { every: 1, unit: 'month', label: 'Monthly' },
        ongoing: false,
      });
    });
  });

  describe('ongoing', () => {
    it.each(['Ongoing', 'On going', 'ongoing', 'on-going', 'Ongoing requirement in training', 'Existing requirement'])(
      'reads "%s" as ongoing with no due date',
      (text) => {
        expect(parseTarget(text)).toEqual({ text, kind: 'ongoing', ongoing: true });
      },
    );
  });

  describe('combinations', () => {
    it('reads a first audit by a month and a cadence thereafter as recurring from that month', () => {
      expect(parseTarget('First audit by June 2009. Thereafter 6 monthly or as required')).toEqual({
        text: 'First audit by June 2009. Thereafter 6 monthly or as required',
        kind: 'recurring',
        due: '2009-06-30',
        cadence: { every: 6, unit: 'month', label: '6 monthly' },
        ongoing: true,
      });
    });

    it('reads "October 2009.and monthly thereafter" despite the missing space', () => {
      expect(parseTarget('October 2009.and monthly thereafter')).toEqual({
        text: 'October 2009.and monthly thereafter',
        kind: 'recurring',
        due: '2009-10-31',
        cadence: { every: 1, unit: 'month', label: 'monthly' },
        ongoing: true,
      });
    });

    it.each([
      ['Sept 2012 and ongoing', '2012-09-30'],
      ['May 2012 and ongoing', '2012-05-31'],
      ['From October 2009', '2009-10-31'],
      ['Further training scheduled for autumn 2009 Ongoing through audit programme', '2009-11-30'],
    ])('reads "%s" as ongoing after %s', (text, due) => {
      expect(parseTarget(text)).toEqual({ text, kind: 'ongoing', due, ongoing: true });
    });

    it('reads an ongoing programme that runs to a month as ending with that month', () => {
      expect(parseTarget('On going throughout the one year programme to March 2013')).toEqual({
        text: 'On going throughout the one year programme to March 2013',
        kind: 'ongoing',
        due: '2013-03-31',
        ongoing: false,
      });
    });
  });

  describe('awaiting something', () => {
    it.each([
      ['Awaiting guidance', 'guidance'],
      ['Awaiting advice and guidance', 'advice and guidance'],
      ['Once guidance published', 'guidance'],
      ['With immediate effect once guidance is available.', 'guidance'],
      ['Once Working Together has been revised', 'Working Together to be revised'],
    ])('reads "%s" as awaiting %s', (text, awaiting) => {
      expect(parseTarget(text)).toEqual({ text, kind: 'awaiting', awaiting });
    });
  });

  describe('to be advised', () => {
    it.each(['To be advised', 'To be advised.', 'TBA', 'tbc', 'To be confirmed'])('reads "%s" as to be advised', (text) => {
      expect(parseTarget(text)).toEqual({ text, kind: 'to-be-advised' });
    });

    it('keeps what a to-be-advised date waits for', () => {
      expect(parseTarget('To be advised Awaiting guidance')).toEqual({
        text: 'To be advised Awaiting guidance',
        kind: 'to-be-advised',
        awaiting: 'guidance',
      });
      const courses = 'To be identified when the courses have been developed by Department for Children, Schools and Families';
      expect(parseTarget(courses)).toEqual({
        text: courses,
        kind: 'to-be-advised',
        awaiting: 'the courses to be developed by Department for Children, Schools and Families',
      });
    });
  });

  describe('completed', () => {
    it('reads "Completed" written in the target column', () => {
      expect(parseTarget('Completed')).toEqual({ text: 'Completed', kind: 'completed' });
    });
  });

  describe('meetings and reports', () => {
    it('reads a month and a meeting as an event due at the end of that month', () => {
      expect(parseTarget('July 09 meeting Training Commissioning Group')).toEqual({
        text: 'July 09 meeting Training Commissioning Group',
        kind: 'event',
        due: '2009-07-31',
      });
    });

    it('reads a first report to a team as an event due that month', () => {
      const text = "First report to Children's Specialist Service Management Team and Children Families & Learning Management Team June 2009";
      expect(parseTarget(text)).toEqual({ text, kind: 'event', due: '2009-06-30' });
    });

    it('reads a report at a board with a cadence as a recurring event', () => {
      expect(parseTarget('Report at Operations Board (bimonthly)')).toEqual({
        text: 'Report at Operations Board (bimonthly)',
        kind: 'event',
        cadence: { every: 2, unit: 'month', label: 'bimonthly' },
        ongoing: true,
      });
    });

    it('reads a review as part of a peer challenge as an event', () => {
      expect(parseTarget('Review February 2013 as part of peer challenge')).toEqual({
        text: 'Review February 2013 as part of peer challenge',
        kind: 'event',
        due: '2013-02-28',
      });
    });
  });

  describe('empty and unreadable cells', () => {
    it.each(['', '   ', '<p></p>', '&nbsp;'])('reads %j as no target', (text) => {
      expect(parseTarget(text)).toEqual({ text: text.trim(), kind: 'none' });
    });

    it.each(['As soon as possible', 'Phase 2', 'Next year', '2009/2012', 'May 2012 or June 2012', 'Dec/Jan 2012', 'Board to decide', 'When required'])(
      'flags "%s" as unparsed rather than guess',
      (text) => {
        expect(parseTarget(text)).toEqual({ text, kind: 'unparsed' });
      },
    );
  });

  describe('the words as written', () => {
    it('keeps the text exactly as passed, only trimmed, HTML and entities included', () => {
      const text = '  First report to Children Families &amp; Learning Management Team June 2009\n';
      expect(parseTarget(text)).toEqual({
        text: 'First report to Children Families &amp; Learning Management Team June 2009',
        kind: 'event',
        due: '2009-06-30',
      });
    });

    it('decodes entities and strips tags before reading', () => {
      expect(parseTarget('9&nbsp;<sup>th</sup>&nbsp;June&nbsp;2012').due).toBe('2012-06-09');
      expect(parseTarget('<b>Sept</b> 2012 &amp; ongoing')).toMatchObject({ kind: 'ongoing', due: '2012-09-30', ongoing: true });
    });
  });

  describe('several paragraphs in one cell', () => {
    it('takes the latest date as due, with the kind of the part due last', () => {
      expect(parseTarget('<p>10<sup>th</sup> July 2012</p> <p>May 2012</p> <p>April 2012</p>')).toMatchObject({ kind: 'date', due: '2012-07-10' });
      expect(parseTarget('October 2012  July 2012  Sept 2012  May 2012')).toMatchObject({ kind: 'month', due: '2012-10-31' });
    });

    it('keeps a row ongoing or recurring when one of its parts is', () => {
      expect(parseTarget('9 <sup>th</sup> June 2012  On going throughout the one year programme to March 2013')).toMatchObject({
        kind: 'ongoing',
        due: '2013-03-31',
        ongoing: false,
      });
      expect(parseTarget('October 2012  Review every two months')).toMatchObject({
        kind: 'recurring',
        due: '2012-10-31',
        cadence: { every: 2, unit: 'month', label: 'every two months' },
        ongoing: true,
      });
    });

    it('keeps a row waiting while one of its parts waits, with the due date of the dated parts', () => {
      expect(parseTarget('<p>June 2012</p><p>Awaiting guidance</p>')).toMatchObject({ kind: 'awaiting', due: '2012-06-30', awaiting: 'guidance' });
    });

    it('reads a cell as unparsed when one of its parts cannot be read', () => {
      expect(parseTarget('<p>June 2012</p><p>As soon as possible</p>').kind).toBe('unparsed');
    });

    it('reads a stray double space inside one phrase as one phrase', () => {
      expect(parseTarget('Sept 2012  and ongoing')).toMatchObject({ kind: 'ongoing', due: '2012-09-30', ongoing: true });
    });
  });

  describe('for any words at all', () => {
    it('returns a valid target that keeps the trimmed words, and never throws', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 80 }), (text) => {
          const target = parseTarget(text);
          expect(Target.parse(target)).toEqual(target);
          expect(target.text).toBe(text.trim());
        }),
      );
    });

    it('reads any real day written the UK way, in words or in figures', () => {
      const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
      fc.assert(
        fc.property(fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }), (date) => {
          const iso = date.toISOString().slice(0, 10);
          const [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
          expect(parseTarget(`${d} ${months[m - 1]} ${y}`)).toMatchObject({ kind: 'date', due: iso });
          expect(parseTarget(`${d}/${m}/${y}`)).toMatchObject({ kind: 'date', due: iso });
          expect(parseBusinessDate(`${d}.${m}.${String(y).slice(2)}`)).toEqual({ date: iso, precision: 'day' });
        }),
      );
    });
  });
});

describe('parseBusinessDate', () => {
  it.each([
    ['3rd May 2012', '2012-05-03'],
    ['18<sup>th</sup> June 2012', '2012-06-18'],
    ['1.10.09', '2009-10-01'],
  ])('reads "%s" as starting on %s, to the day', (text, date) => {
    expect(parseBusinessDate(text)).toEqual({ date, precision: 'day' });
  });

  it.each([
    ['May 2012', '2012-05-01'],
    ['Mar 2012', '2012-03-01'],
    ['Sept 2012', '2012-09-01'],
    ['Summer 2012', '2012-06-01'],
    ['May/June 09', '2009-05-01'],
  ])('reads "%s" as starting on the first day, %s, to the month', (text, date) => {
    expect(parseBusinessDate(text)).toEqual({ date, precision: 'month' });
  });

  it('starts a month on its first day while a target month is due on its last', () => {
    expect(parseBusinessDate('May 2012')?.date).toBe('2012-05-01');
    expect(parseTarget('May 2012').due).toBe('2012-05-31');
  });

  it('takes the earliest date when the cell holds several', () => {
    expect(parseBusinessDate('<p>April 2012</p> <p>18<sup>th</sup> June 2012</p>')).toEqual({ date: '2012-04-01', precision: 'month' });
    expect(parseBusinessDate('November 2012  February 2013  February 2013')).toEqual({ date: '2012-11-01', precision: 'month' });
  });

  it.each(['', '  ', 'Ongoing', 'To be advised', '31 February 2012', 'May 2012 and ongoing'])('reads %j as no start date', (text) => {
    expect(parseBusinessDate(text)).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// The target columns of the real plans. The extractor is for this test only: the importer reads
// tables for real (with provenance), this just finds the cells a person would point at.

interface TableRow {
  /** 1-based line in the fixture, to find the row by eye. */
  readonly line: number;
  readonly cells: readonly string[];
}

function fixturePath(name: string): string {
  return path.resolve(process.cwd(), '../shared/fixtures', name);
}

/**
 * Rows of the tables in a Word-pasted fixture: tab-separated lines under a header that `isHeader`
 * recognises. The header repeats at page breaks; running page titles ("## Central Bedfordshire
 * Council …") and blank lines sit inside a table; any other line without a tab (a workstream
 * heading, the outcomes list) ends it; markdown rules ("----\t--") are skipped.
 */
function tableRows(fixture: string, isHeader: (cells: readonly string[]) => boolean): TableRow[] {
  const lines = readFileSync(fixturePath(fixture), 'utf8').split(/\r?\n/);
  const rows: TableRow[] = [];
  let width: number | undefined;
  lines.forEach((line, index) => {
    if (!line.includes('\t')) {
      if (line.trim() !== '' && !/^#+\s*Central Bedfordshire Council\b/.test(line)) width = undefined;
      return;
    }
    const cells = line.split('\t');
    if (isHeader(cells)) {
      width = cells.length;
      return;
    }
    if (width === undefined || cells.every((cell) => /^-*$/.test(cell.trim()))) return;
    if (cells.length !== width) throw new Error(`${fixture}:${index + 1} has ${cells.length} cells, its header ${width}`);
    rows.push({ line: index + 1, cells });
  });
  return rows;
}

const LAMING = 'central-bedfordshire-laming-2009-progress.txt';
const OFSTED = 'central-bedfordshire-ofsted-action-plan-2012-13.txt';

/** Laming: "Date for completion /Review", 4th column, under headers starting "Rec No". */
const lamingRows = (): TableRow[] =>
  tableRows(LAMING, (cells) => cells[0] === 'Rec No' && cells[3] === 'Date for completion /Review');
/** Ofsted: "Start Date" and "Target End Date", 6th and 7th columns, under "Key Del" (once "All Key Del") headers. */
const ofstedRows = (): TableRow[] =>
  tableRows(OFSTED, (cells) => /^(All )?Key Del$/.test(cells[0] ?? '') && cells[5] === 'Start Date' && cells[6] === 'Target End Date');

const cell = (row: TableRow, column: number): string => row.cells[column] ?? '';

/** Cells no rule can read, each with the reason. Empty: every target cell of both plans is read. */
const UNREADABLE: Readonly<Record<string, string>> = {};

function countKinds(targets: readonly Target[]): Partial<Record<TargetKind, number>> {
  const counts: Partial<Record<TargetKind, number>> = {};
  for (const target of targets) counts[target.kind] = (counts[target.kind] ?? 0) + 1;
  return counts;
}

function expectEveryCellRead(cells: readonly string[]): Target[] {
  const targets = cells.map(parseTarget);
  targets.forEach((target, i) => {
    expect(target.text).toBe(cells[i]?.trim());
    expect(Target.parse(target)).toEqual(target);
  });
  const unparsed = targets.filter((t) => t.kind === 'unparsed').map((t) => t.text);
  expect(unparsed).toEqual(Object.keys(UNREADABLE).filter((text) => cells.includes(text)));
  return targets;
}

function expectSample(cells: readonly string[], sample: readonly Target[]): void {
  for (const expected of sample) {
    expect(cells).toContain(expected.text); // the phrase really is in the plan
    expect(parseTarget(expected.text)).toEqual(expected);
  }
}

describe('the target columns of the real plans', () => {
  describe('Central Bedfordshire, response to Laming 2009', () => {
    const cells = lamingRows().map((row) => cell(row, 3));

    it('finds a target cell in every one of the 68 action rows', () => {
      expect(cells).toHaveLength(68);
    });

    it('reads every target cell, keeping its words exactly', () => {
      const targets = expectEveryCellRead(cells);
      expect(countKinds(targets)).toEqual({
        month: 26,
        recurring: 11,
        ongoing: 10,
        'to-be-advised': 8,
        none: 5,
        awaiting: 4,
        event: 3,
        completed: 1,
      });
    });

    it('reads the targets as a person reading the plan would', () => {
      expectSample(cells, [
        { text: 'With immediate effect once guidance is available.', kind: 'awaiting', awaiting: 'guidance' },
        { text: 'Quarterly', kind: 'recurring', cadence: { every: 3, unit: 'month', label: 'Quarterly' }, ongoing: true },
        { text: 'Weekly', kind: 'recurring', cadence: { every: 1, unit: 'week', label: 'Weekly' }, ongoing: true },
        { text: 'Ongoing', kind: 'ongoing', ongoing: true },
        { text: 'October 2009', kind: 'month', due: '2009-10-31' },
        {
          text: 'First audit by June 2009. Thereafter 6 monthly or as required',
          kind: 'recurring',
          due: '2009-06-30',
          cadence: { every: 6, unit: 'month', label: '6 monthly' },
          ongoing: true,
        },
        { text: 'August 2009', kind: 'month', due: '2009-08-31' },
        {
          text: 'October 2009.and monthly thereafter',
          kind: 'recurring',
          due: '2009-10-31',
          cadence: { every: 1, unit: 'month', label: 'monthly' },
          ongoing: true,
        },
        { text: 'Nov 2009', kind: 'month', due: '2009-11-30' },
        {
          text: "First report to Children's Specialist Service Management Team and Children Families & Learning Management Team June 2009",
          kind: 'event',
          due: '2009-06-30',
        },
        { text: 'July 2009 ( first audit)', kind: 'month', due: '2009-07-31' },
        {
          text: 'Report at Operations Board (bimonthly)',
          kind: 'event',
          cadence: { every: 2, unit: 'month', label: 'bimonthly' },
          ongoing: true,
        },
        { text: 'Completed', kind: 'completed' },
        { text: 'July 09 meeting Training Commissioning Group', kind: 'event', due: '2009-07-31' },
        { text: 'September 09', kind: 'month', due: '2009-09-30' },
        {
          text: 'To be identified when the courses have been developed by Department for Children, Schools and Families',
          kind: 'to-be-advised',
          awaiting: 'the courses to be developed by Department for Children, Schools and Families',
        },
        { text: 'To be advised Awaiting guidance', kind: 'to-be-advised', awaiting: 'guidance' },
        { text: 'Once guidance published', kind: 'awaiting', awaiting: 'guidance' },
        { text: 'Ongoing requirement in training', kind: 'ongoing', ongoing: true },
        { text: 'Existing requirement', kind: 'ongoing', ongoing: true },
        { text: 'From October 2009', kind: 'ongoing', due: '2009-10-31', ongoing: true },
        {
          text: 'Further training scheduled for autumn 2009 Ongoing through audit programme',
          kind: 'ongoing',
          due: '2009-11-30',
          ongoing: true,
        },
        { text: 'By December 2009', kind: 'month', due: '2009-12-31' },
        {
          text: 'Quarterly Local Safeguarding Children Board audit',
          kind: 'recurring',
          cadence: { every: 3, unit: 'month', label: 'Quarterly' },
          ongoing: true,
        },
        { text: 'To be advised.', kind: 'to-be-advised' },
        { text: 'Awaiting advice and guidance', kind: 'awaiting', awaiting: 'advice and guidance' },
        {
          text: 'Monthly throughout 2009/10',
          kind: 'recurring',
          due: '2010-03-31',
          cadence: { every: 1, unit: 'month', label: 'Monthly' },
          ongoing: false,
        },
        { text: 'Bi monthly', kind: 'recurring', cadence: { every: 2, unit: 'month', label: 'Bi monthly' }, ongoing: true },
        { text: 'Three monthly', kind: 'recurring', cadence: { every: 3, unit: 'month', label: 'Three monthly' }, ongoing: true },
        { text: '', kind: 'none' },
      ]);
    });
  });

  describe('Central Bedfordshire, post-inspection action plan 2012-13', () => {
    const rows = ofstedRows();
    const targetCells = rows.map((row) => cell(row, 6));
    const startCells = rows.map((row) => cell(row, 5));

    it('finds a start and a target cell in every one of the 117 action rows', () => {
      expect(rows).toHaveLength(117);
    });

    it('reads every target end date, keeping its words exactly', () => {
      const targets = expectEveryCellRead(targetCells);
      expect(countKinds(targets)).toEqual({ month: 81, none: 16, ongoing: 10, date: 8, event: 1, recurring: 1 });
    });

    it('reads the target end dates as a person reading the plan would', () => {
      expectSample(targetCells, [
        { text: '30 September 2012', kind: 'date', due: '2012-09-30' },
        { text: '30 July 2012', kind: 'date', due: '2012-07-30' },
        { text: 'Sept 2012 and ongoing', kind: 'ongoing', due: '2012-09-30', ongoing: true },
        { text: 'May 2012 and ongoing', kind: 'ongoing', due: '2012-05-31', ongoing: true },
        { text: 'May 2012', kind: 'month', due: '2012-05-31' },
        { text: 'Dec 2012', kind: 'month', due: '2012-12-31' },
        { text: '9 <sup>th</sup> June 2012', kind: 'date', due: '2012-06-09' },
        { text: '<p>October 2012</p> <p>October 2012</p> <p>October 2012</p>', kind: 'month', due: '2012-10-31' },
        {
          text: '<p>10<sup>th</sup> July 2012</p> <p>10<sup>th</sup> July 2012</p> <p>May 2012</p> <p>April 2012</p> <p>April 2012</p> <p>May 2012</p>',
          kind: 'date',
          due: '2012-07-10',
        },
        { text: 'October 2012  July 2012  Sept 2012  May 2012', kind: 'month', due: '2012-10-31' },
        {
          text: '9 <sup>th</sup> June 2012  On going throughout the one year programme to March 2013',
          kind: 'ongoing',
          due: '2013-03-31',
          ongoing: false,
        },
        {
          text: '<p>April 2013</p> <p>Feb 2013 for validated data but earlier for unvalidated</p> <p>June 2013</p> <p>Feb 2013</p>',
          kind: 'month',
          due: '2013-06-30',
        },
        { text: 'Review February 2013', kind: 'month', due: '2013-02-28' },
        {
          text: 'October 2012  Review every two months',
          kind: 'recurring',
          due: '2012-10-31',
          cadence: { every: 2, unit: 'month', label: 'every two months' },
          ongoing: true,
        },
        { text: 'Review February 2013 as part of peer challenge', kind: 'event', due: '2013-02-28' },
        { text: 'November 2012  February 2013  Dec 2013', kind: 'month', due: '2013-12-31' },
        { text: 'ongoing', kind: 'ongoing', ongoing: true },
        { text: 'ongoing  ongoing', kind: 'ongoing', ongoing: true },
        { text: 'December 2013', kind: 'month', due: '2013-12-31' },
        { text: '', kind: 'none' },
      ]);
    });

    it('reads every start date that is filled in, and the sample as written', () => {
      const filled = startCells.filter((text) => text.trim() !== '');
      expect(filled).toHaveLength(104);
      expect(filled.filter((text) => parseBusinessDate(text) === null)).toEqual([]);

      const sample: ReadonlyArray<readonly [string, ReturnType<typeof parseBusinessDate>]> = [
        ['May 2012', { date: '2012-05-01', precision: 'month' }],
        ['3rd May 2012', { date: '2012-05-03', precision: 'day' }],
        ['Mar 2012', { date: '2012-03-01', precision: 'month' }],
        ['July 2011', { date: '2011-07-01', precision: 'month' }],
        ['Summer 2012', { date: '2012-06-01', precision: 'month' }],
        ['<p>April 2012</p> <p>18<sup>th</sup> June 2012</p>', { date: '2012-04-01', precision: 'month' }],
        ['May 2012  May 2012  June 2012  May 2012', { date: '2012-05-01', precision: 'month' }],
        ['February 2013  March 2013', { date: '2013-02-01', precision: 'month' }],
        ['', null],
      ];
      for (const [text, expected] of sample) {
        expect(startCells).toContain(text);
        expect(parseBusinessDate(text)).toEqual(expected);
      }
    });

    it('reads targets that end before their start as written, leaving the slip for data-quality checks to flag', () => {
      const endsBeforeStart = rows
        .map((row) => ({ start: parseBusinessDate(cell(row, 5)), target: parseTarget(cell(row, 6)) }))
        .filter(({ start, target }) => start && target.due && target.due < start.date)
        .map(({ target }) => target.text);
      expect(endsBeforeStart).toEqual(['February 2012', 'Review Feb 2012', 'Review February 2012']);
    });
  });
});

describe('timescales written as two dates, a cadence from a date, or a baseline and its revision', () => {
  it.each([
    ['April 2010 Jun 2010', { kind: 'month', due: '2010-06-30' }],
    ['April 2010\nJun 2010', { kind: 'month', due: '2010-06-30' }],
    ['Nov 09 Summer 10', { kind: 'month', due: '2010-08-31' }],
    ['Bi monthly February 2010', { kind: 'recurring', due: '2010-02-28', ongoing: true, cadence: { every: 2, unit: 'month', label: 'Bi monthly' } }],
    ['February 2010 Revised to May 2010', { kind: 'month', due: '2010-05-31' }],
    ['February 2010\nRevised to May 2010', { kind: 'month', due: '2010-05-31' }],
  ])('reads %j', (text, expected) => {
    expect(parseTarget(text)).toEqual({ text, ...expected });
  });

  it('splits a revised target into its baseline and the revision, and nothing else', () => {
    expect(revisedTarget('February 2010 Revised to May 2010')).toEqual({ baseline: 'February 2010', revised: 'May 2010' });
    expect(revisedTarget('30 June 2010 (revised to 30 September 2010)')).toEqual({ baseline: '30 June 2010', revised: '30 September 2010' });
    expect(revisedTarget('April 2010 Jun 2010')).toBeUndefined();
    expect(revisedTarget('Revised guidance awaited')).toBeUndefined();
  });
});

describe('a revision written with its noun', () => {
  it('reads "December 2009 Revised date: March 2010" as a slip to March 2010', () => {
    expect(revisedTarget('December 2009 Revised date: March 2010')).toEqual({ baseline: 'December 2009', revised: 'March 2010' });
    expect(parseTarget('December 2009 Revised date: March 2010')).toMatchObject({ kind: 'month', due: '2010-03-31' });
  });
});
