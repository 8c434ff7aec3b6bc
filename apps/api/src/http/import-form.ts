import { z } from 'zod';

const text = (max: number) => z.string().trim().min(1).max(max);

/**
 * The text fields of POST /plans/import (multipart/form-data; the file itself is the field `file`).
 * Either `planId` (import into that plan) or the new plan's `organisation` and `respondsTo` (and optionally
 * its `title`, `period`, `owner`). Never the actor: that is the signed-in person.
 */
export const ImportFormFields = z
  .object({
    planId: text(100).optional().describe('Import into this existing plan'),
    title: text(500).optional().describe("A new plan's title (default: the document's heading, else the file name)"),
    organisation: text(500).optional().describe("A new plan's organisation (required without planId)"),
    respondsTo: text(2_000).optional().describe('What a new plan responds to (required without planId)'),
    period: text(200).optional(),
    owner: text(500).optional(),
    planDate: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD')
      .optional()
      .describe("The date the plan was agreed: what the import adds is effective from it (default: read from the document)"),
    mapping: z.string().max(100_000).optional().describe('Header text → field, as JSON: {"What we will do": "action", "Who": "leads"}'),
    sheet: text(100).optional().describe('For a workbook: the sheet to import (default: the first visible sheet)'),
    layout: z
      .enum(['tab-separated', 'cell-per-line', 'pdf-extracted', 'csv', 'xlsx'])
      .optional()
      .describe('Read the tables in this layout instead of the one detected'),
    inferStatus: z.enum(['true', 'false']).optional().describe('true: apply the completed status that notes such as "Completed" propose'),
    actionFromRecommendation: z.enum(['true', 'false']).optional().describe("true: where the document has no action text, import each recommendation's row as its action"),
    progressAsAt: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD')
      .optional()
      .describe("The date of progress notes whose column gives none (default: the document's own as-at date)"),
    dryRun: z.enum(['true', 'false']).optional().describe('true: preview counts and problems; append nothing'),
    newPlan: z
      .enum(['true', 'false'])
      .optional()
      .describe('true: create a new plan even if a plan already holds a file with the same SHA-256 (otherwise that is a 409 FILE_ALREADY_IMPORTED naming the plan)'),
  })
  .strict();

export const ImportForm = ImportFormFields.superRefine((form, ctx) => {
  if (form.planId !== undefined) {
    for (const field of ['title', 'organisation', 'respondsTo', 'period', 'owner', 'newPlan'] as const) {
      if (form[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'describes a new plan; leave it out when importing into an existing plan (planId)' });
    }
    return;
  }
  if (form.organisation === undefined) ctx.addIssue({ code: 'custom', path: ['organisation'], message: 'is required for a new plan (or send planId to import into an existing one)' });
  if (form.respondsTo === undefined) ctx.addIssue({ code: 'custom', path: ['respondsTo'], message: 'is required for a new plan (or send planId to import into an existing one)' });
});
export type ImportForm = z.infer<typeof ImportForm>;
