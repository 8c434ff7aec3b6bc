import { describe, expect, it } from '@jest/globals';
import type { Cadence } from '../targets/target.js';
import { addCadence, cadenceMs } from './rag-calendar.js';
import { addCadence as referenceAddCadence } from './testing/reference/rag-calendar.js';

/**
 * addCadence counts on numbers (cadenceMs, the month lengths from a table where that is exact) and the RAG rules'
 * intervals read cadenceMs as a day number without writing the date: both must give exactly the frozen calendar's
 * dates, at the calendar's edges (month ends, 29 February, century years, the years Date reads as 1900-1999, the
 * first and last years ISO dates sort in) and for strings that are not quite dates, and fail where it failed.
 */

const CADENCES: readonly Pick<Cadence, 'every' | 'unit'>[] = [
  { every: 1, unit: 'day' },
  { every: 3, unit: 'day' },
  { every: 1, unit: 'week' },
  { every: 2, unit: 'week' },
  { every: 1, unit: 'month' },
  { every: 2, unit: 'month' },
  { every: 3, unit: 'month' },
  { every: 6, unit: 'month' },
  { every: 1, unit: 'year' },
  { every: 4, unit: 'year' },
];

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Month ends and starts, 28/29 February and 1 March, over leap, century and 400-year years, and odd years of Date. */
function edgeDates(): string[] {
  const dates = new Set<string>();
  for (const year of [1, 50, 99, 100, 999, 1000, 1600, 1900, 2000, 2011, 2012, 2013, 2100, 2400, 9998, 9999]) {
    for (let month = 1; month <= 12; month++) {
      for (const day of [1, 15, 27, 28, 29, 30, 31]) dates.add(`${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`);
    }
  }
  // Not quite dates: what the split-and-Number reading makes of them is part of the rules' behaviour.
  for (const odd of ['2012-02-30', '2013-02-29', '2012-13-01', '2012-00-10', '2012-04-31', '2012-1-5', '0000-01-01', '2012-02-29.5', '2012.5-01-31']) dates.add(odd);
  return [...dates];
}

function outcome(fn: () => string): string {
  try {
    return fn();
  } catch (error) {
    return `throws ${(error as Error).name}`;
  }
}

describe('the RAG calendar counts cadences on numbers, exactly as it did on dates', () => {
  it('addCadence gives the frozen calendar’s date for every edge date, cadence and count (0 to 30, and 1,000)', () => {
    const differences: string[] = [];
    for (const date of edgeDates()) {
      for (const cadence of CADENCES) {
        for (const times of [0, 1, 2, 3, 5, 11, 12, 13, 23, 24, 30, 1_000]) {
          const expected = outcome(() => referenceAddCadence(date, cadence, times));
          const actual = outcome(() => addCadence(date, cadence, times));
          if (actual !== expected) differences.push(`${date} + ${times} × ${cadence.every} ${cadence.unit}: ${actual}, expected ${expected}`);
        }
      }
    }
    expect(differences).toEqual([]);
  });

  it('cadenceMs is the UTC midnight of addCadence’s date, outside years 0-9999 where that date is not one, and not a time Date holds where addCadence throws', () => {
    const FIRST_MS = Date.parse('0000-01-01T00:00:00.000Z');
    const END_MS = Date.parse('9999-12-31T00:00:00.000Z') + 86_400_000;
    const differences: string[] = [];
    for (const date of [...edgeDates(), 'not a date', '2012-xx-01', '']) {
      for (const cadence of CADENCES) {
        for (const times of [0, 1, 7, 1_000]) {
          const ms = cadenceMs(date, cadence, times);
          const written = outcome(() => addCadence(date, cadence, times));
          let fits: boolean;
          if (written.startsWith('throws')) fits = !(Math.abs(ms) <= 8.64e15);
          // toISOString writes a year past 9999 with a sign and six digits, and addCadence keeps its first ten characters.
          else if (!/^\d{4}-\d{2}-\d{2}$/.test(written)) fits = ms < FIRST_MS || ms >= END_MS;
          else fits = ms === Date.parse(`${written}T00:00:00.000Z`);
          if (!fits) differences.push(`${date} + ${times} × ${cadence.every} ${cadence.unit}: ${ms} for ${written}`);
        }
      }
    }
    expect(differences).toEqual([]);
  });
});
