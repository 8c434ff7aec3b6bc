import { z } from 'zod';

/** A calendar date, YYYY-MM-DD, that exists. */
export const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD')
  .refine((s) => isRealDate(s), 'is not a real calendar date');

/** An instant, ISO-8601 with a timezone (Z or offset). */
export const IsoInstant = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 instant such as 2012-09-30T00:00:00Z');

export function isRealDate(isoDate: string): boolean {
  const [y, m, d] = isoDate.split('-').map(Number);
  const date = new Date(Date.UTC(y!, m! - 1, d!));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m! - 1 && date.getUTCDate() === d;
}

/** The instant a business date begins (UTC midnight): what "effective on 1 Oct 2009" means on the timeline. */
export function startOfDayInstant(isoDate: string): string {
  return `${isoDate}T00:00:00.000Z`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** 30 Sep 2012 — the UK form our users read. Spelt out here, not by Intl, so it is the same on every Node (ICU says "Sept" on some). */
export function formatUkDate(isoDateOrInstant: string): string {
  const date = new Date(isoDateOrInstant.length === 10 ? `${isoDateOrInstant}T00:00:00Z` : isoDateOrInstant);
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}
