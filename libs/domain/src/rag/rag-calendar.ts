import { DomainError } from '../shared/domain-error.js';
import { IsoDate, IsoInstant } from '../shared/dates.js';
import type { Cadence } from '../targets/target.js';

/**
 * The date arithmetic the RAG rules need, on ISO calendar dates (YYYY-MM-DD) in UTC, as the rest of
 * the domain reads business dates (see `startOfDayInstant`). Pure: the instant is always an argument.
 */

const DAY_MS = 86_400_000;

/** The instant a view is "as at", and its business date. */
export interface AsAtInstant {
  /** Normalised ISO instant (`toISOString`). */
  readonly instant: string;
  readonly ms: number;
  /** The UTC calendar date of the instant: what "due", "start" and "as at" dates are compared with. */
  readonly date: string;
}

/**
 * Reads the "as at" argument: an ISO instant, or a plain date meaning the END of that day, so that
 * "as at 1 Oct 2009" includes everything effective on 1 Oct 2009 (a progress update "as at 1.10.09"
 * is effective at the start of that day). Throws VALIDATION_FAILED otherwise.
 */
export function readAsAt(asAt: string): AsAtInstant {
  if (IsoDate.safeParse(asAt).success) {
    const instant = `${asAt}T23:59:59.999Z`;
    return { instant, ms: Date.parse(instant), date: asAt };
  }
  if (!IsoInstant.safeParse(asAt).success) {
    throw new DomainError('VALIDATION_FAILED', `"${asAt}" is not an instant or a date`, [
      { path: 'asAt', problem: 'must be an ISO-8601 instant such as 2012-10-01T09:00:00Z, or a date such as 2012-10-01' },
    ]);
  }
  const ms = Date.parse(asAt);
  const instant = new Date(ms).toISOString();
  return { instant, ms, date: instant.slice(0, 10) };
}

/** Milliseconds of an instant or of the start of a date, for comparing "…Z" and "….000Z" alike. */
export function instantMs(instantOrDate: string): number {
  return Date.parse(instantOrDate.length === 10 ? `${instantOrDate}T00:00:00.000Z` : instantOrDate);
}

function utcMs(isoDate: string): number {
  const [y, m, d] = isoDate.split('-').map(Number);
  return Date.UTC(y!, m! - 1, d!);
}

/**
 * A memo of a pure function of a string, bounded (emptied when full) so a long-running server never grows it
 * without end. What it answers depends on the string alone, so a hit is always the right answer. The RAG rules
 * read the same few thousand dates, instants and target words of a plan at every instant they rate it at.
 */
export function stringMemo<T>(fn: (s: string) => T, limit = 50_000): (s: string) => T {
  const memo = new Map<string, T>();
  return (s) => {
    const hit = memo.get(s);
    if (hit !== undefined || memo.has(s)) return hit as T;
    if (memo.size >= limit) memo.clear();
    const value = fn(s);
    memo.set(s, value);
    return value;
  };
}

const utcMsOf = stringMemo(utcMs);
/** instantMs, remembered per string: the effective instants of slips and assessments are read at every instant. */
export const instantMsOf = stringMemo(instantMs);

function isoOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysFromTo(from: string, to: string): number {
  return Math.round((utcMsOf(to) - utcMsOf(from)) / DAY_MS);
}

export function addDays(isoDate: string, days: number): string {
  return isoOf(utcMs(isoDate) + days * DAY_MS);
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Days in a month of years 1000-9999 (monthIndex 0-11), by the table and the leap-year rule. */
function monthDays(year: number, monthIndex: number): number {
  return monthIndex === 1 && isLeap(year) ? 29 : MONTH_DAYS[monthIndex]!;
}

function daysInMonth(year: number, monthIndex: number): number {
  // By the table where it is exact; through Date otherwise (Date.UTC reads years 0-99 as 1900-1999, and that is
  // what addCadence has always counted with).
  if (Number.isInteger(year) && year >= 1000 && year <= 9999 && Number.isInteger(monthIndex) && monthIndex >= 0 && monthIndex <= 11) return monthDays(year, monthIndex);
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}

/**
 * `times` cadences after `isoDate`. Months are calendar months: the day is kept, clamped to the
 * end of a shorter month (31 Aug + 6 months = 28 Feb), and a date on the last day of its month
 * stays on the last day ("June 2009, thereafter 6 monthly": 30 Jun 2009 → 31 Dec 2009). Counting
 * from the anchor each time (not step by step) so the clamping never drifts.
 */
export function addCadence(isoDate: string, cadence: Pick<Cadence, 'every' | 'unit'>, times = 1): string {
  return isoOf(cadenceMs(isoDate, cadence, times));
}

/**
 * addCadence's date as the milliseconds of its UTC midnight, without making the string (NaN, or beyond what Date
 * holds, where addCadence throws): the RAG rules turn it into a day number, and the string was most of its price.
 */
export function cadenceMs(isoDate: string, cadence: Pick<Cadence, 'every' | 'unit'>, times = 1): number {
  const n = cadence.every * times;
  switch (cadence.unit) {
    case 'day':
      return utcMs(isoDate) + n * DAY_MS;
    case 'week':
      return utcMs(isoDate) + 7 * n * DAY_MS;
    case 'month':
    case 'year': {
      const months = cadence.unit === 'year' ? 12 * n : n;
      const [y, m, d] = isoDate.split('-').map(Number);
      const year = y!;
      const monthIndex = m! - 1;
      const endOfMonth = d === daysInMonth(year, monthIndex);
      const targetYear = year + Math.floor((monthIndex + months) / 12);
      const targetMonth = (((monthIndex + months) % 12) + 12) % 12;
      const last = daysInMonth(targetYear, targetMonth);
      const day = endOfMonth ? last : Math.min(d!, last);
      return Date.UTC(targetYear, targetMonth, day);
    }
    default: {
      const unreachable: never = cadence.unit;
      throw new Error(`Unknown cadence unit ${String(unreachable)}`);
    }
  }
}

/** One cadence after `isoDate` (addCadence), remembered per cadence object and date. */
const NEXT = new WeakMap<object, (isoDate: string) => string>();
export function nextCadence(isoDate: string, cadence: Pick<Cadence, 'every' | 'unit'>): string {
  let of = NEXT.get(cadence);
  if (!of) {
    // A cadence is read from a stored event or a rule set, neither changed once made: its every and unit are fixed.
    const { every, unit } = cadence;
    of = stringMemo((date) => addCadence(date, { every, unit }), 20_000);
    NEXT.set(cadence, of);
  }
  return of(isoDate);
}

/** YYYY-MM-DD with a year from 1000 to 9999, as numbers; undefined for anything else. */
function calendarParts(isoDate: string): { y: number; m: number; d: number } | undefined {
  if (isoDate.length !== 10 || isoDate.charCodeAt(4) !== 45 || isoDate.charCodeAt(7) !== 45) return undefined;
  let y = 0;
  for (let i = 0; i < 4; i++) {
    const c = isoDate.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    y = y * 10 + c;
  }
  const m1 = isoDate.charCodeAt(5) - 48;
  const m2 = isoDate.charCodeAt(6) - 48;
  const d1 = isoDate.charCodeAt(8) - 48;
  const d2 = isoDate.charCodeAt(9) - 48;
  if (m1 < 0 || m1 > 9 || m2 < 0 || m2 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return undefined;
  const m = m1 * 10 + m2;
  const d = d1 * 10 + d2;
  if (y < 1000 || m < 1 || m > 12 || d < 1 || d > 31) return undefined;
  return { y, m, d };
}

const LAST_DAY_NUMBER = Date.UTC(9999, 11, 31) / DAY_MS;

/**
 * How many of addCadence(from, cadence, k) for k = 0, 1, … cap - 1 fall before `date` (ISO dates compared as
 * strings, as the rules compare them): at most `cap`. addCadence only grows with k, so this is the smallest k
 * whose date is not before `date`, found on day numbers and month counts rather than by building date strings
 * (a binary search over addCadence strings was most of the price of rating a recurring action). Outside years
 * 1000-9999, where ISO strings stop sorting as the dates do, it takes that search exactly as before.
 */
export function cadencesBefore(from: string, cadence: Pick<Cadence, 'every' | 'unit'>, date: string, cap: number): number {
  const f = calendarParts(from);
  const t = calendarParts(date);
  if (f && t && cadence.every >= 1 && Number.isSafeInteger(cadence.every)) {
    if (cadence.unit === 'day' || cadence.unit === 'week') {
      const step = cadence.every * (cadence.unit === 'week' ? 7 : 1);
      const start = Date.UTC(f.y, f.m - 1, f.d) / DAY_MS;
      const target = Date.UTC(t.y, t.m - 1, t.d) / DAY_MS;
      if (start + step * cap <= LAST_DAY_NUMBER) return start >= target ? 0 : Math.min(cap, Math.ceil((target - start) / step));
    } else if (cadence.unit === 'month' || cadence.unit === 'year') {
      const step = cadence.every * (cadence.unit === 'year' ? 12 : 1);
      const monthIndex = f.m - 1;
      if (f.y + Math.floor((monthIndex + step * cap) / 12) <= 9999) {
        const endOfMonth = f.d === monthDays(f.y, monthIndex);
        const target = t.y * 10_000 + t.m * 100 + t.d;
        const key = (k: number): number => {
          const total = monthIndex + step * k;
          const year = f.y + Math.floor(total / 12);
          const month = total % 12;
          const last = monthDays(year, month);
          return year * 10_000 + (month + 1) * 100 + (endOfMonth ? last : Math.min(f.d, last));
        };
        let k = Math.min(cap, Math.max(0, Math.floor((t.y * 12 + t.m - 1 - (f.y * 12 + monthIndex)) / step)));
        while (k > 0 && key(k - 1) >= target) k--;
        while (k < cap && key(k) < target) k++;
        return k;
      }
    }
  }
  let low = 0;
  let high = cap;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (addCadence(from, cadence, mid) < date) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** "every 3 months", "every week", "every 2 weeks": how the cadence reads in a reason. */
export function describeCadence(cadence: Pick<Cadence, 'every' | 'unit'>): string {
  return cadence.every === 1 ? `every ${cadence.unit}` : `every ${cadence.every} ${cadence.unit}s`;
}
