import { parse } from 'csv-parse/sync';
import { recogniseColumn, detectHeaderRow } from '../column-headers.js';
import { importProblems, type ImportedPlan } from '../imported-plan.js';
import { plainLines } from '../plain-text.js';
import { looksLikeRef, normaliseRef } from '../plan-refs.js';
import type { TabularDocument } from '../tabular-document.js';

/** A piece of the source as a person sees it: the words of one cell, or one line of text, and where it is. */
export interface SourceFragment {
  readonly line: number;
  readonly text: string;
}

/** Every non-blank fragment of a text or CSV file: each cell's paragraphs, each line of text. Header cells are left out (they name columns). */
export function textFragments(text: string, kind: 'text' | 'csv'): SourceFragment[] {
  const records: string[][] =
    kind === 'csv'
      ? parse(text.replace(/^\uFEFF/, ''), { relax_column_count: true, skip_empty_lines: false })
      : text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/).map((line) => line.split('\t'));
  return fragmentsOf(records.map((cells, i) => ({ line: i + 1, cells })));
}

/** The same for a document a reader produced (a workbook's rows). */
export function documentFragments(document: TabularDocument): SourceFragment[] {
  return fragmentsOf(document.lines.map((l) => ({ line: l.line, cells: l.kind === 'row' ? [...l.cells] : l.kind === 'text' ? [l.text] : [] })));
}

function fragmentsOf(records: readonly { line: number; cells: readonly string[] }[]): SourceFragment[] {
  const out: SourceFragment[] = [];
  for (const { line, cells } of records) {
    if (detectHeaderRow(cells, line)) continue;
    const filled = cells.filter((c) => c.trim() !== '');
    // A header written one cell per line ("Recommendation" alone on its line) names a column too.
    if (filled.length === 1 && recogniseColumn(filled[0]!) !== undefined && filled[0]!.trim().length <= 40) continue;
    for (const cell of filled) for (const text of plainLines(cell.replace(/^#+\s*/, ''))) out.push({ line, text });
  }
  return out;
}

/**
 * The fragments found nowhere in what the import kept: not in an imported field (title, workstream, recommendation,
 * action, lead, date, progress) and not in a problem's text or message. Empty means nothing was dropped silently.
 */
export function uncoveredFragments(fragments: readonly SourceFragment[], plan: ImportedPlan): SourceFragment[] {
  const kept = [
    plan.title ?? '',
    ...plan.workstreams.flatMap((w) => [w.title, w.phase ?? '', w.strategicLead ?? '', w.keyAim ?? '']),
    ...plan.recommendations.map((r) => r.text),
    ...plan.actions.flatMap((a) => [a.description, a.performanceIndicators ?? '', ...a.leads, a.priority ?? '', a.startDate ?? '', a.target, ...a.dependencies, a.progress?.narrative ?? '', a.rag ?? '']),
    ...importProblems(plan).flatMap((p) => [p.text ?? '', p.message]),
  ].join('\n');
  const haystack = normalise(kept);
  const words = new Set(haystack.split(/[^\p{L}\p{N}]+/u).filter(Boolean));
  const refs = new Set([...plan.recommendations.map((r) => r.ref), ...plan.workstreams.map((w) => w.number)]);
  return fragments.filter(({ text }) => {
    // A reference is kept as the recommendation's ref, as read ("Ref 34" → 34).
    if (looksLikeRef(text) && refs.has(normaliseRef(text))) return false;
    const needle = normalise(text);
    if (needle === '' || haystack.includes(needle)) return false;
    // Split leads ("Ann / Bob" → "Ann", "Bob") and joined hyphenations keep every word, not the run of them.
    return !needle.split(/[^\p{L}\p{N}]+/u).filter(Boolean).every((word) => words.has(word));
  });
}

function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim().toLowerCase();
}
