// FROZEN ORACLE: libs/domain/src/rag/rag-calendar.ts exactly as it was at commit 8852ba9, before the round-4 work on
// rating a plan at a new instant cheaply. rag-equivalence.unit.spec.ts compares the live code with it at many
// instants; never edit it to make that test pass (a change of behaviour is a new rules version, docs/rag-rules.md).
import { DomainError } from '../../../shared/domain-error.js';
import { IsoDate, IsoInstant } from '../../../shared/dates.js';
import type { Cadence } from '../../../targets/target.js';

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

function isoOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysFromTo(from: string, to: string): number {
  return Math.round((utcMs(to) - utcMs(from)) / DAY_MS);
}

export function addDays(isoDate: string, days: number): string {
  return isoOf(utcMs(isoDate) + days * DAY_MS);
}

function daysInMonth(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}

/**
 * `times` cadences after `isoDate`. Months are calendar months: the day is kept, clamped to the
 * end of a shorter month (31 Aug + 6 months = 28 Feb), and a date on the last day of its month
 * stays on the last day ("June 2009, thereafter 6 monthly": 30 Jun 2009 → 31 Dec 2009). Counting
 * from the anchor each time (not step by step) so the clamping never drifts.
 */
export function addCadence(isoDate: string, cadence: Pick<Cadence, 'every' | 'unit'>, times = 1): string {
  const n = cadence.every * times;
  switch (cadence.unit) {
    case 'day':
      return addDays(isoDate, n);
    case 'week':
      return addDays(isoDate, 7 * n);
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
      return isoOf(Date.UTC(targetYear, targetMonth, day));
    }
    default: {
      const unreachable: never = cadence.unit;
      throw new Error(`Unknown cadence unit ${String(unreachable)}`);
    }
  }
}

/** "every 3 months", "every week", "every 2 weeks": how the cadence reads in a reason. */
export function describeCadence(cadence: Pick<Cadence, 'every' | 'unit'>): string {
  return cadence.every === 1 ? `every ${cadence.unit}` : `every ${cadence.every} ${cadence.unit}s`;
}
