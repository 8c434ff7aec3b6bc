import { parse } from 'csv-parse/sync';
import { ImportError } from './import-error.js';
import { type ImportedAction, type ImportedPlan, type ImportedRecommendation, type ImportedWorkstream, type ImportProblem } from './imported-plan.js';
import { splitLeads } from './split-leads.js';

/**
 * The review file: the plan as the importer understood it, one row per workstream, recommendation and action,
 * with the source lines, how they were read and every warning. A person corrects it in a spreadsheet and imports
 * it (`ledger import review.csv`): a file with this header is recognised and appended exactly as it says, not
 * interpreted again. The dry run's `preview` is the same rows.
 */
export const REVIEW_COLUMNS = [
  'kind',
  'ref',
  'recommendation',
  'workstream',
  'text',
  'leads',
  'priority',
  'start',
  'target',
  'target_baseline',
  'target_revised',
  'dependencies',
  'performance_indicators',
  'progress',
  'progress_as_at',
  'status',
  'rag',
  'phase',
  'key_aim',
  'source_lines',
  'interpretation',
  'warnings',
] as const;
export type ReviewColumn = (typeof REVIEW_COLUMNS)[number];
export type ReviewRow = { readonly [K in ReviewColumn]: string };

/** "completed (inferred)": proposed by the words; "completed": confirmed. Only these two mean anything. */
const INFERRED_COMPLETED = 'completed (inferred)';

/** The review rows of an interpreted plan: the first row is the plan itself (title, as-at date, layout). */
export function reviewRows(plan: ImportedPlan, extraProblems: readonly ImportProblem[] = []): ReviewRow[] {
  const empty = Object.fromEntries(REVIEW_COLUMNS.map((c) => [c, ''])) as Record<ReviewColumn, string>;
  const warn = (problems: readonly ImportProblem[]) => problems.map((p) => `${p.code} (${p.severity}): ${p.message}`).join('\n');
  const lines = (rows: readonly number[]) => rows.join(', ');
  const documentProblems = [...plan.problems, ...extraProblems];
  const rows: ReviewRow[] = [
    {
      ...empty,
      kind: 'plan',
      text: plan.title ?? '',
      progress_as_at: plan.asAt?.date ?? '',
      source_lines: plan.titleRow ? String(plan.titleRow) : '',
      interpretation: [`layout ${plan.layout ?? 'tab-separated'}`, `${plan.tables ?? 1} table${plan.tables === 1 ? '' : 's'}`, ...(plan.asAt ? [`as at ${plan.asAt.date} ("${plan.asAt.text}", line ${plan.asAt.row})`] : [])].join('; '),
      warnings: warn(documentProblems),
    },
  ];
  for (const w of plan.workstreams) {
    rows.push({ ...empty, kind: 'workstream', ref: w.number, text: w.title, leads: w.strategicLead ?? '', phase: w.phase ?? '', key_aim: w.keyAim ?? '', source_lines: lines(w.rows), interpretation: `work stream ${w.number}`, warnings: warn(w.problems) });
  }
  const actionsByRecommendation = new Map<string, ImportedAction[]>();
  const loose: ImportedAction[] = [];
  for (const a of plan.actions) {
    if (a.recommendationRef === undefined) loose.push(a);
    else {
      const key = `${a.workstream ?? ''}\u0000${a.recommendationRef}`;
      actionsByRecommendation.set(key, [...(actionsByRecommendation.get(key) ?? []), a]);
    }
  }
  const actionRow = (a: ImportedAction): ReviewRow => ({
    ...empty,
    kind: 'action',
    ref: a.ref,
    recommendation: a.recommendationRef ?? '',
    workstream: a.workstream ?? '',
    text: a.description,
    leads: a.leads.join('; '),
    priority: a.priority ?? '',
    start: a.startDate ?? '',
    target: a.target,
    target_baseline: a.targetSlip?.from ?? '',
    target_revised: a.targetSlip?.to ?? '',
    dependencies: a.dependencies.join('\n'),
    performance_indicators: a.performanceIndicators ?? '',
    progress: a.progress?.narrative ?? '',
    progress_as_at: a.progress?.asAt ?? '',
    status: a.status ? (a.status.inferred ? INFERRED_COMPLETED : 'completed') : '',
    rag: a.rag ?? '',
    source_lines: lines(a.rows),
    interpretation: interpretationOf(a),
    warnings: warn(a.problems),
  });
  for (const r of plan.recommendations) {
    const actions = actionsByRecommendation.get(`${r.workstream ?? ''}\u0000${r.ref}`) ?? [];
    rows.push({
      ...empty,
      kind: 'recommendation',
      ref: r.ref,
      workstream: r.workstream ?? '',
      text: r.text,
      source_lines: lines(r.rows),
      interpretation: `recommendation ${r.ref}${r.workstream ? ` in work stream ${r.workstream}` : ''}, ${actions.length} action${actions.length === 1 ? '' : 's'}`,
      warnings: warn(r.problems),
    });
    rows.push(...actions.map(actionRow));
  }
  rows.push(...loose.map(actionRow));
  return rows;
}

function interpretationOf(a: ImportedAction): string {
  const parts: string[] = [];
  if (a.leads.length > 1) parts.push(`${a.leads.length} leads`);
  if (a.targetSlip) parts.push(`target ${a.targetSlip.from}, slipped to ${a.targetSlip.to} (the file's revision)`);
  if (a.progress?.asAt) parts.push(`progress as at ${a.progress.asAt}${a.progress.asAtFrom === 'document' ? " (the document's date)" : ''}`);
  if (a.status) parts.push(a.status.inferred ? `"${a.status.text}" proposes completed: change status to "completed" to confirm, or clear it` : 'completed');
  return parts.join('; ');
}

/** The review file's text: CSV UTF-8 with a byte-order mark (so Excel opens it as UTF-8), CRLF line ends. */
export function reviewCsv(rows: readonly ReviewRow[]): string {
  const quote = (cell: string) => (/[",\r\n]/.test(cell) || /^[=+\-@]/.test(cell) ? `"${(/^[=+\-@]/.test(cell) ? `'${cell}` : cell).replace(/"/g, '""')}"` : cell);
  return `\uFEFF${[REVIEW_COLUMNS.join(','), ...rows.map((row) => REVIEW_COLUMNS.map((c) => quote(row[c])).join(','))].join('\r\n')}\r\n`;
}

/** Writes an interpreted plan's review file (see reviewRows). */
export function writeReviewFile(plan: ImportedPlan, extraProblems: readonly ImportProblem[] = []): string {
  return reviewCsv(reviewRows(plan, extraProblems));
}

/**
 * A review file as the plan it says, or undefined when the bytes are not one (their first line is not the
 * review header). Rows are checked as a whole before anything is imported: an unknown kind, an action under a
 * recommendation the file does not hold, a reference twice or a status that is not "completed" is refused
 * (INVALID_ROW) naming the row.
 */
export function readReviewFile(bytes: Uint8Array, fileName: string, fileSha256: string): ImportedPlan | undefined {
  const head = new TextDecoder('utf-8').decode(bytes.subarray(0, 600)).replace(/^\uFEFF/, '');
  if (!head.startsWith(`${REVIEW_COLUMNS.slice(0, 5).join(',')},`)) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw new ImportError('NOT_TEXT', `${fileName} is a review file but not UTF-8: save it as "CSV UTF-8 (Comma delimited)"`);
  }
  let records: string[][];
  try {
    records = parse(text, { relax_column_count: true, skip_empty_lines: false });
  } catch (error) {
    throw new ImportError('MALFORMED_CSV', `${fileName} (a review file) is not well-formed CSV: ${(error as Error).message}`, [], { cause: error });
  }
  const header = records[0]!.map((c) => c.trim());
  const index = new Map(header.map((name, i) => [name, i]));
  const missing = REVIEW_COLUMNS.filter((c) => !index.has(c) && c !== 'warnings' && c !== 'interpretation');
  if (missing.length) throw new ImportError('INVALID_ROW', `${fileName} is a review file without the column${missing.length === 1 ? '' : 's'} ${missing.join(', ')}: write it again with --review`, [1]);
  const cell = (record: string[], column: ReviewColumn) => {
    const value = (record[index.get(column) ?? -1] ?? '').trim();
    return value.startsWith("'") && /^'[=+\-@]/.test(value) ? value.slice(1) : value;
  };
  const problems: string[] = [];
  const bad: number[] = [];
  const refuse = (row: number, why: string) => {
    problems.push(`row ${row}: ${why}`);
    bad.push(row);
  };

  let title: string | undefined;
  let titleRow: number | undefined;
  let asAt: ImportedPlan['asAt'];
  const workstreams: ImportedWorkstream[] = [];
  const recommendations: ImportedRecommendation[] = [];
  const actions: ImportedAction[] = [];
  const recommendationKeys = new Set<string>();
  const actionKeys = new Set<string>();
  records.forEach((record, i) => {
    const row = i + 1;
    if (i === 0 || record.every((c) => c.trim() === '')) return;
    const kind = cell(record, 'kind').toLowerCase();
    const ref = cell(record, 'ref');
    const workstream = cell(record, 'workstream') || undefined;
    const text = cell(record, 'text');
    switch (kind) {
      case 'plan': {
        title = text || undefined;
        titleRow = row;
        const date = cell(record, 'progress_as_at');
        if (date && !/^\d{4}-\d{2}-\d{2}$/.test(date)) refuse(row, `progress_as_at "${date}" is not a date written YYYY-MM-DD`);
        else if (date) asAt = { date, row, text: date };
        return;
      }
      case 'workstream':
        if (!ref) return refuse(row, 'a workstream needs its number in ref');
        if (!text) return refuse(row, `work stream ${ref} needs its title in text`);
        workstreams.push({
          number: ref,
          title: text,
          ...(cell(record, 'phase') ? { phase: cell(record, 'phase') } : {}),
          ...(cell(record, 'leads') ? { strategicLead: cell(record, 'leads') } : {}),
          ...(cell(record, 'key_aim') ? { keyAim: cell(record, 'key_aim') } : {}),
          rows: [row],
          problems: [],
        });
        return;
      case 'recommendation': {
        if (!ref) return refuse(row, 'a recommendation needs its reference in ref');
        if (!text) return refuse(row, `recommendation ${ref} needs its text`);
        const key = `${workstream ?? ''}\u0000${ref}`;
        if (recommendationKeys.has(key)) return refuse(row, `recommendation ${ref} appears twice`);
        recommendationKeys.add(key);
        recommendations.push({ ref, ...(workstream ? { workstream } : {}), text, rows: [row], problems: [] });
        return;
      }
      case 'action': {
        if (!ref) return refuse(row, 'an action needs its reference in ref');
        if (!text) return refuse(row, `action ${ref} needs its description in text`);
        const recommendationRef = cell(record, 'recommendation') || undefined;
        if (recommendationRef && !recommendationKeys.has(`${workstream ?? ''}\u0000${recommendationRef}`)) {
          return refuse(row, `action ${ref} is under recommendation ${recommendationRef}, which no recommendation row above holds`);
        }
        const key = `${workstream ?? ''}\u0000${recommendationRef ?? ''}\u0000${ref}`;
        if (actionKeys.has(key)) return refuse(row, `action ${ref} appears twice`);
        actionKeys.add(key);
        const status = cell(record, 'status').toLowerCase();
        if (status !== '' && status !== 'completed' && status !== INFERRED_COMPLETED) return refuse(row, `status "${cell(record, 'status')}" is not "completed", "${INFERRED_COMPLETED}" or empty`);
        const asAtCell = cell(record, 'progress_as_at');
        if (asAtCell && !/^\d{4}-\d{2}-\d{2}$/.test(asAtCell)) return refuse(row, `progress_as_at "${asAtCell}" is not a date written YYYY-MM-DD`);
        const rag = cell(record, 'rag').toLowerCase();
        if (rag !== '' && rag !== 'red' && rag !== 'amber' && rag !== 'green') return refuse(row, `rag "${cell(record, 'rag')}" is not red, amber, green or empty`);
        const progress = cell(record, 'progress');
        const target = cell(record, 'target');
        const revised = cell(record, 'target_revised');
        actions.push({
          ref,
          ...(recommendationRef ? { recommendationRef } : {}),
          ...(workstream ? { workstream } : {}),
          description: text,
          ...(cell(record, 'performance_indicators') ? { performanceIndicators: cell(record, 'performance_indicators') } : {}),
          leads: splitLeads(cell(record, 'leads').replace(/;\s*/g, '\n')),
          ...(cell(record, 'priority') ? { priority: cell(record, 'priority') } : {}),
          ...(cell(record, 'start') ? { startDate: cell(record, 'start') } : {}),
          target,
          dependencies: cell(record, 'dependencies').split('\n').map((d) => d.trim()).filter(Boolean),
          ...(progress ? { progress: { narrative: progress, ...(asAtCell ? { asAt: asAtCell } : {}) } } : {}),
          ...(rag ? { rag: rag as 'red' | 'amber' | 'green' } : {}),
          ...(revised ? { targetSlip: { from: cell(record, 'target_baseline') || target, to: revised } } : {}),
          ...(status ? { status: { to: 'completed' as const, inferred: status === INFERRED_COMPLETED, text: progress || target, from: 'review' as const } } : {}),
          rows: [row],
          problems: [],
        });
        return;
      }
      default:
        refuse(row, `kind "${cell(record, 'kind')}" is not plan, workstream, recommendation or action`);
    }
  });
  if (problems.length) {
    throw new ImportError('INVALID_ROW', `${fileName} (a review file) cannot be imported; nothing was appended: ${problems.slice(0, 20).join('; ')}${problems.length > 20 ? ` … and ${problems.length - 20} more` : ''}`, bad);
  }
  if (recommendations.length === 0 && actions.length === 0 && workstreams.length === 0) {
    throw new ImportError('NOTHING_TO_IMPORT', `${fileName} is a review file with no workstream, recommendation or action rows`, [1]);
  }
  return {
    ...(title ? { title } : {}),
    ...(titleRow ? { titleRow } : {}),
    source: { fileName, fileSha256 },
    workstreams,
    recommendations,
    actions,
    problems: [],
    layout: 'review',
    tables: 1,
    ...(asAt ? { asAt } : {}),
  };
}
