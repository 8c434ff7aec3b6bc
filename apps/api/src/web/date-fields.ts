/**
 * A GOV.UK date input read from a query string: `<prefix>-day`, `<prefix>-month`, `<prefix>-year`, or the
 * short `<prefix>=YYYY-MM-DD` form a shared link carries. Errors are worded as the Design System's date
 * input pattern words them, with the field's own name.
 */
export interface DateFields {
  day: string;
  month: string;
  year: string;
}

export type DateFieldsRead =
  | { given: false; values: DateFields }
  | { given: true; values: DateFields; date: string }
  | { given: true; values: DateFields; error: string };

const EMPTY: DateFields = { day: '', month: '', year: '' };

export function isRealDate(iso: string): boolean {
  const date = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === iso;
}

/** `name` is how the error names the field: "Enter the start date as…". */
export function readDateFields(query: Readonly<Record<string, string | undefined>>, prefix: string, name: string, today = new Date().toISOString().slice(0, 10)): DateFieldsRead {
  const short = query[prefix];
  if (short !== undefined && short !== '') {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(short);
    const values = m ? { day: String(Number(m[3])), month: String(Number(m[2])), year: m[1]! } : EMPTY;
    if (!m || !isRealDate(short)) return { given: true, values, error: `The ${name} must be a real date, for example 1 10 2009` };
    if (short > today) return { given: true, values, error: `The ${name} must be today or in the past` };
    return { given: true, values, date: short };
  }
  const values = { day: query[`${prefix}-day`] ?? '', month: query[`${prefix}-month`] ?? '', year: query[`${prefix}-year`] ?? '' };
  const parts = [values.day, values.month, values.year];
  if (parts.every((p) => !p)) return { given: false, values };
  if (!parts.every(Boolean)) return { given: true, values, error: `The ${name} must include a day, month and year` };
  if (!/^\d{1,2}$/.test(values.day) || !/^\d{1,2}$/.test(values.month) || !/^\d{4}$/.test(values.year)) return { given: true, values, error: `The ${name} must be a real date, for example 1 10 2009` };
  const date = `${values.year}-${values.month.padStart(2, '0')}-${values.day.padStart(2, '0')}`;
  if (!isRealDate(date)) return { given: true, values, error: `The ${name} must be a real date, for example 1 10 2009` };
  if (date > today) return { given: true, values, error: `The ${name} must be today or in the past` };
  return { given: true, values, date };
}

/** The first and last instants of a UTC day. */
export const startOfDay = (date: string): string => `${date}T00:00:00.000Z`;
export const endOfDay = (date: string): string => `${date}T23:59:59.999Z`;
