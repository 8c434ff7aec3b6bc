import { z } from 'zod';
import { text } from '../shared/text.js';

/**
 * A target as councils write it. The original words are always kept (`text`); what we could
 * understand of them is alongside, so a reader sees "Sept 2012 and ongoing", and the RAG rules see
 * a due date of 30 Sep 2012 plus an ongoing commitment.
 */
export const TargetKind = z.enum([
  'date', // "30 September 2012", "9th June 2012", "1.10.09"
  'month', // "May 2012", "Sept 2012" → due at the end of that month
  'recurring', // "Quarterly", "Monthly", "6 monthly", "First audit by June 2009. Thereafter 6 monthly"
  'ongoing', // "Ongoing", "Sept 2012 and ongoing"
  'awaiting', // "Awaiting guidance", "Once guidance published", "With immediate effect once guidance is available."
  'to-be-advised', // "To be advised", "To be identified when the courses have been developed by …"
  'completed', // "Completed" written in the target column
  'event', // tied to a meeting or report: "July 09 meeting Training Commissioning Group", "Report at Operations Board (bimonthly)"
  'none', // empty cell
  'unparsed', // we could not read it: shown as written, flagged as a data-quality warning
]);
export type TargetKind = z.infer<typeof TargetKind>;

export const Cadence = z.object({
  /** How many units between occurrences: Quarterly = 3 months, 6 monthly = 6 months, Weekly = 1 week. */
  every: z.number().int().positive(),
  unit: z.enum(['day', 'week', 'month', 'year']),
  /** The cadence as the plan says it: "Quarterly", "6 monthly", "bimonthly". */
  label: text(),
});
export type Cadence = z.infer<typeof Cadence>;

export const Target = z.object({
  /** The words exactly as written in the plan. */
  text: text(),
  kind: TargetKind,
  /** ISO date (YYYY-MM-DD) by which it is due, if the words give one (end of month for a month). */
  due: text().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  /** For recurring targets. */
  cadence: Cadence.optional(),
  /** True when the words commit to continuing after the due date ("and ongoing", "Thereafter 6 monthly"). */
  ongoing: z.boolean().optional(),
  /** What it waits for: "guidance", "the courses to be developed by DCSF". */
  awaiting: text().optional(),
});
export type Target = z.infer<typeof Target>;
