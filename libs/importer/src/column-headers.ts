import { z } from 'zod';
import { parseBusinessDate } from '#domain';
import { ImportError } from './import-error.js';
import { plainLines } from './plain-text.js';

/** What a column holds, in the plan's terms. `ignore` drops a column (only useful in an explicit mapping). */
export const ColumnField = z.enum([
  'ref',
  'recommendation',
  'action',
  'description',
  'performanceIndicators',
  'leads',
  'priority',
  'dependencies',
  'start',
  'target',
  'progress',
  'rag',
  'workstream',
  'workstreamNumber',
  'strategicLead',
  'ignore',
]);
export type ColumnField = z.infer<typeof ColumnField>;

/**
 * An explicit mapping, header text as written → field, for a plan whose headers we do not recognise
 * (or recognise wrongly). Keys are compared the way headers are: case, spacing and HTML do not matter.
 * Example: `{ "Ref.": "ref", "What we will do": "action", "Who": "leads", "When": "target" }`.
 */
export const ColumnMapping = z
  .record(z.string().trim().min(1, 'a header text must not be empty'), ColumnField)
  .refine((mapping) => Object.keys(mapping).length > 0, 'name at least one column');
export type ColumnMapping = z.infer<typeof ColumnMapping>;

/** Validate a mapping given as JSON (text or parsed); throws ImportError INVALID_MAPPING naming what is wrong. */
export function parseColumnMapping(input: unknown): ColumnMapping {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw new ImportError('INVALID_MAPPING', `The column mapping is not JSON: ${(error as Error).message}`);
    }
  }
  const parsed = ColumnMapping.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.length ? `"${issue.path.join('.')}"` : 'mapping'}: ${issue.message}`);
    throw new ImportError('INVALID_MAPPING', `The column mapping is not valid: ${problems.join('; ')}`);
  }
  return Object.fromEntries(Object.entries(parsed.data).map(([header, field]) => [normaliseHeader(header), field]));
}

/** A table's header row as read: the field of each column by position, and the date of the progress column. */
export interface TableColumns {
  readonly line: number;
  /** Field of each column; undefined for a column we do not know (its cells are ignored). */
  readonly fields: readonly (ColumnField | undefined)[];
  /** The headers as written, for messages. */
  readonly headers: readonly string[];
  /** "Progress as at 1.10.09" → 2009-10-01. */
  readonly progressAsAt?: string;
  /** The words after "as at" when they are not a date we can read. */
  readonly unreadableProgressDate?: string;
  /** An action table (refs, recommendations, actions) or the workstream summary (work stream, strategic lead, phase). */
  readonly kind: 'actions' | 'workstreams';
}

/** Header text compared without case, markup, trailing colons or the spacing around "/" and brackets. */
export function normaliseHeader(text: string): string {
  return plainLines(text)
    .join(' ')
    .toLowerCase()
    .replace(/\s*\/\s*/g, '/')
    .replace(/\(\s*/g, '(')
    .replace(/\s*\)/g, ')')
    .replace(/[\s:.*]+$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

const PROGRESS = /^(?:progress(?: update| report| to date| made)?|update|current (?:position|progress)|position statement)(?: (?:as at|at|as of|to)\s+(.+))?$/;

/** Known header names, as councils write them. Order matters only where two could match (none do today). */
const KNOWN: readonly [RegExp, ColumnField][] = [
  [/^(?:rec(?:ommendation)?\.? ?(?:no|number|ref)\.?|rec\.?|ref(?:erence)?\.?(?: no\.?)?|no\.?|item|(?:all )?key del(?:iverables?)?\.?(?: no\.?)?|kd)$/, 'ref'],
  [/^recommendations?(?: for .+)?$/, 'recommendation'],
  [/^(?:(?:proposed|key|further|next|agreed|planned) )?actions?(?: required| to be taken| planned| needed| agreed| proposed)?$|^next steps$/, 'action'],
  [/^description(?: \(including pis?\))?$/, 'description'],
  [/^(?:performance indicators?|pis?|kpis?|measures? of success|success (?:criteria|measures?))$/, 'performanceIndicators'],
  [
    /^(?:leads?|lead (?:officers?|officer\(s\)|managers?|manager\(s\)|person|agency)|responsible(?: (?:managers?|manager\(s\)|officers?|officer\(s\)|person|lead))?|assigned to|owner|responsibility|who)$/,
    'leads',
  ],
  [/^priority$/, 'priority'],
  [/^dependenc(?:y|ies)(?: on .+)?$/, 'dependencies'],
  [/^start(?: date)?$/, 'start'],
  [
    /^(?:target(?: end)?(?: date)?|date for completion(?:\/review)?|completion date|(?:review|completion) dates?|timescales?|deadline|due(?: date)?|by when|end date)$/,
    'target',
  ],
  [PROGRESS, 'progress'],
  [/^(?:rag|rag status|rag rating)$/, 'rag'],
  [/^work ?streams?(?: (?:title|name))?$/, 'workstream'],
  [/^(?:work ?stream (?:no|number)|ws(?: no)?)$/, 'workstreamNumber'],
  [/^strategic leads?(?: officers?)?$/, 'strategicLead'],
];

/** The field a header names, by the explicit mapping first, then by the known names. */
export function recogniseColumn(header: string, mapping?: ColumnMapping): ColumnField | undefined {
  const normalised = normaliseHeader(header);
  if (normalised === '') return undefined;
  const mapped = mapping?.[normalised];
  if (mapped) return mapped;
  return KNOWN.find(([pattern]) => pattern.test(normalised))?.[1];
}

const ACTION_TABLE_FIELDS: readonly ColumnField[] = ['ref', 'recommendation', 'action', 'description'];

/**
 * Is this row a table's header? It is when at least two of its cells name known columns and at least
 * half of its non-empty cells do (so a data row that happens to contain "Priority" is not one).
 */
export function detectHeaderRow(cells: readonly string[], line: number, mapping?: ColumnMapping): TableColumns | undefined {
  const fields = cells.map((cell) => recogniseColumn(cell, mapping));
  const known = fields.filter((field) => field !== undefined).length;
  const nonEmpty = cells.filter((cell) => normaliseHeader(cell) !== '').length;
  if (known < 2 || known * 2 < nonEmpty) return undefined;
  const present = new Set(fields.filter((field): field is ColumnField => field !== undefined && field !== 'ignore'));
  const kind = ACTION_TABLE_FIELDS.some((field) => present.has(field)) ? 'actions' : present.has('workstream') ? 'workstreams' : undefined;
  if (!kind) return undefined;

  const progressIndex = fields.indexOf('progress');
  const asAtWords = progressIndex >= 0 ? PROGRESS.exec(normaliseHeader(cells[progressIndex] ?? ''))?.[1] : undefined;
  const asAt = asAtWords ? parseBusinessDate(asAtWords) : null;
  return {
    line,
    fields,
    headers: cells.map((cell) => plainLines(cell).join(' ')),
    kind,
    ...(asAt ? { progressAsAt: asAt.date } : {}),
    ...(asAtWords && !asAt ? { unreadableProgressDate: asAtWords } : {}),
  };
}

/** Two header rows describe the same table (a header repeated at a page break). */
export function sameColumns(a: TableColumns, b: TableColumns): boolean {
  return a.kind === b.kind && a.progressAsAt === b.progressAsAt && a.fields.length === b.fields.length && a.fields.every((field, i) => field === b.fields[i]);
}
