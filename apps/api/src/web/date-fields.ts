import { isRealDate } from '#domain';

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


export interface DateRules {
  /** How the errors name the field, as a sentence starts: "The start date". */
  label: string;
  /** The example a "real date" error gives, written as the form asks for it. */
  example?: string;
  /** A date after today is allowed (an expiry, a follow-up); otherwise it is an error. */
  future?: boolean;
  today?: string;
}

export type DatePartsRead = { given: false } | { given: true; date: string } | { given: true; error: string };

/**
 * The one reading of a GOV.UK date input's day, month and year for every form and control of the web service:
 * YYYY-MM-DD, nothing given, or the error in the Design System's words with the field's own label.
 */
export function readDateParts(values: DateFields, rules: DateRules): DatePartsRead {
  const [day, month, year] = [values.day, values.month, values.year].map((part) => part.trim()) as [string, string, string];
  if (!day && !month && !year) return { given: false };
  if (!day || !month || !year) return { given: true, error: `${rules.label} must include a day, month and year` };
  const date = `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
  if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month) || !/^\d{4}$/.test(year) || !isRealDate(date)) {
    return { given: true, error: `${rules.label} must be a real date, for example ${rules.example ?? '1 10 2009'}` };
  }
  if (!rules.future && date > (rules.today ?? new Date().toISOString().slice(0, 10))) return { given: true, error: `${rules.label} must be today or in the past` };
  return { given: true, date };
}

/** A date input read from a query string. `name` is how the error names the field: "The start date must…". */
export function readDateFields(query: Readonly<Record<string, string | undefined>>, prefix: string, name: string, today = new Date().toISOString().slice(0, 10)): DateFieldsRead {
  const short = query[prefix];
  if (short !== undefined && short !== '') {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(short);
    const values = m ? { day: String(Number(m[3])), month: String(Number(m[2])), year: m[1]! } : EMPTY;
    if (!m) return { given: true, values, error: `The ${name} must be a real date, for example 1 10 2009` };
    return { values, ...readDateParts(values, { label: `The ${name}`, today }) };
  }
  const values = { day: query[`${prefix}-day`] ?? '', month: query[`${prefix}-month`] ?? '', year: query[`${prefix}-year`] ?? '' };
  return { values, ...readDateParts(values, { label: `The ${name}`, today }) };
}

/** The first and last instants of a UTC day. */
export const startOfDay = (date: string): string => `${date}T00:00:00.000Z`;
export const endOfDay = (date: string): string => `${date}T23:59:59.999Z`;
