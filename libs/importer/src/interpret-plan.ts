import { parseBusinessDate, parseTarget, revisedTarget, type RagRating } from '#domain';
import { detectHeaderRow, sameColumns, type ColumnField, type ColumnMapping, type TableColumns } from './column-headers.js';
import { ImportError } from './import-error.js';
import type { ImportedAction, ImportedPlan, ImportedRecommendation, ImportedStatus, ImportedWorkstream, ImportProblem } from './imported-plan.js';
import { plainLines, plainText } from './plain-text.js';
import { looksLikeRef, normaliseRef } from './plan-refs.js';
import { splitLeads } from './split-leads.js';
import type { DocumentLine, PlanLayout, TabularDocument } from './tabular-document.js';

export interface InterpretOptions {
  readonly fileName: string;
  readonly fileSha256: string;
  /** Header text → field, overriding the known names (see ColumnMapping). */
  readonly mapping?: ColumnMapping;
  /**
   * Where a recommendation has no action and the document's action column is empty throughout (or it has none),
   * make one action of the recommendation's own row. Off by default: an invented action is a commitment the plan
   * did not write.
   */
  readonly actionFromRecommendation?: boolean;
  /** How the reader laid the document out (recorded in the result); the reader decides it, see readPlanFile. */
  readonly layout?: PlanLayout;
}

/**
 * Reads a plan's tables the way a person reads them (see the README of the fixtures for what the files look like):
 *
 * - A header row (known column names, or the explicit mapping) starts a table; the same header again is a page break.
 * - Markdown lines between tables carry the workstreams: "Work Stream 2: …" headings and "Key Aim:" lines. The work
 *   stream summary table ("Work Stream | Strategic Lead Officers", with "Phase 1: …" rows) gives each its phase and lead.
 * - A row with a reference starts a recommendation (Laming's "Rec No") or a key deliverable (Ofsted's "Key Del",
 *   recorded as recommendation "<workstream>.<key del>" whose text is the Actions cell).
 * - A row with no reference continues the one above. If it has its own action text it is a new action under the
 *   same recommendation; text in a recommendation column that flows over several rows (Laming rec 4) is joined on.
 * - A row that carries on cells cut by a page break is merged into the row above, column by column: a row with no
 *   action text of its own (Ofsted's lone "arising from health plans and LAC reviews"), or, right after a page break,
 *   a row whose action text goes on mid-sentence ("and Difficulties Questionnaires…") or that has no lead, date or
 *   progress of its own.
 * - Laming: the Action cell is the action; "a) …" keeps its letter as the ref ("8.a"), else "<rec>.<n>".
 *   Ofsted: "Description (including PIs)" is the action when the Actions cell is the deliverable: "<ws>.<kd>.<n>".
 *
 * Pure: the same document always reads the same. Throws ImportError only when the file has no table at all.
 */
export function interpretPlan(document: TabularDocument, options: InterpretOptions): ImportedPlan {
  return new PlanReading(options).read(document);
}

/** What the row's action text is, and whether the recommendation column flows across rows. */
interface Layout {
  readonly recField?: 'recommendation' | 'action';
  readonly actField?: 'action' | 'description';
  /** A "Recommendation" cell is one long text cut into rows; an Ofsted "Actions" cell is one per row. */
  readonly recFlows: boolean;
  readonly hasRef: boolean;
}

type ActionField = 'description' | 'performanceIndicators' | 'leads' | 'priority' | 'dependencies' | 'start' | 'target' | 'progress' | 'rag';
const OWN_FIELDS: readonly ActionField[] = ['leads', 'priority', 'start', 'target', 'progress', 'rag'];
/** Cells that hold a list of values: a cut cell's next part is a new line, never the same sentence. */
const LIST_FIELDS: ReadonlySet<ActionField> = new Set(['leads', 'start', 'target', 'priority', 'rag']);

interface WorkstreamDraft {
  number: string;
  /** Made for a second table with its own header and numbering: its recommendations keep their own refs. */
  fromTable?: boolean;
  headingTitle?: string;
  summaryTitle?: string;
  phase?: string;
  strategicLead?: string;
  keyAim?: string;
  rows: number[];
  problems: ImportProblem[];
}

interface RecommendationDraft {
  ref: string;
  workstream?: WorkstreamDraft;
  text: string;
  rows: number[];
  problems: ImportProblem[];
  actionCount: number;
  usedMarkers: Set<string>;
  /** The header line of the table it is in: whether that table's action column holds any text decides --action-from-recommendation. */
  tableLine: number;
  /** The recommendation's own row had a lead, timescale or progress but no action text: kept here, never invented into an action. */
  orphan?: ActionDraft;
}

interface ActionDraft {
  ref: string;
  recommendation?: RecommendationDraft;
  workstream?: WorkstreamDraft;
  cells: Partial<Record<ActionField, string>>;
  progressAsAt?: string;
  rows: number[];
  problems: ImportProblem[];
}

/**
 * "Completed", "Complete", "Achieved", "In place", "Done": alone, with a date ("Completed June 2009") or as the
 * note's first sentence ("Complete. Training is now part of induction", "In place – reviewed annually"), the
 * words propose a completed status. "Completed audit of …" and "Not yet in place" do not.
 */
const COMPLETED_WORDS = /^(?:completed?|achieved|in place|done|implemented|closed)\b(?:(?:[\s.,;:–-]+(?:in\s+|on\s+|by\s+)?(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|[A-Za-z]+\s+\d{2,4}|\d{1,2}\s+[A-Za-z]+\s+\d{2,4}))?[\s.!]*$|\s*(?:[.;!]|\s[–-])\s+\S)/i;

export function proposedStatus(progress: string | undefined, target: string | undefined): ImportedStatus | undefined {
  const note = (progress ?? '').trim();
  if (note && COMPLETED_WORDS.test(note)) return { to: 'completed', inferred: true, text: note, from: 'progress' };
  const when = (target ?? '').trim();
  if (when && /^(?:completed?|achieved|done)[\s.!]*$/i.test(when)) return { to: 'completed', inferred: true, text: when, from: 'target' };
  return undefined;
}

class PlanReading {
  private title?: { text: string; line: number; level: number };
  private readonly workstreams = new Map<string, WorkstreamDraft>();
  private readonly recommendations: RecommendationDraft[] = [];
  /** The same drafts by workstream and ref: a search of the list for every reference made large files quadratic. */
  private readonly recommendationsByKey = new Map<string, RecommendationDraft>();
  private readonly actions: ActionDraft[] = [];
  private readonly problems: ImportProblem[] = [];
  private readonly standaloneCounts = new Map<string, number>();

  private table?: TableColumns;
  private firstTable?: TableColumns;
  private phase?: string;
  private workstream?: WorkstreamDraft;
  private awaitingKeyAim = false;
  private recommendation?: RecommendationDraft;
  private action?: ActionDraft;
  /** A blank line, heading or repeated header since the last data row: the page may have broken. */
  private afterBreak = false;
  private firstRowLine?: number;
  /** A header row since the last data row, and whether its columns differ from the table before it. */
  private headerSinceRow = false;
  private headerChanged = false;
  private tableCount = 0;
  /** Sets of recommendations made by a second table with its own header and numbering. */
  private setCount = 1;
  private setFirstRef?: string;
  private lastText?: { text: string; line: number };
  private unnumbered = 0;
  /** The tables (header rows) whose action column holds text somewhere. */
  private readonly tablesWithActionText = new Set<number>();
  private readonly preamble: { text: string; line: number }[] = [];

  constructor(private readonly options: InterpretOptions) {}

  read(document: TabularDocument): ImportedPlan {
    if (!document.lines.some((line) => line.kind !== 'blank')) {
      throw new ImportError('EMPTY_FILE', `${this.options.fileName} holds nothing to import`);
    }
    this.problems.push(...(document.problems ?? []));
    for (const line of document.lines) this.readLine(line);
    if (!this.firstTable) throw noHeaderError(this.options.fileName, document, this.options.layout ?? document.layout);
    this.finishOrphans();
    if (this.recommendations.length === 0 && this.actions.length === 0 && this.workstreams.size === 0) {
      const under = document.lines.filter((l) => l.line > this.firstTable!.line && l.kind !== 'blank');
      const found = under.length === 0 ? 'nothing follows it' : `the ${under.length} line${under.length === 1 ? '' : 's'} after it ${describeLines(under)}`;
      throw new ImportError(
        'NOTHING_TO_IMPORT',
        `${this.options.fileName}: the header row (line ${this.firstTable.line}: ${this.firstTable.headers.filter(Boolean).join(' | ')}) was found, ` +
          `but no row under it could be read: ${found}. Expected rows with one cell per column of the header` +
          (document.layout === 'tab-separated' || document.layout === undefined ? ' (if each cell is on a line of its own, use --layout cell-per-line)' : ''),
        [this.firstTable.line],
      );
    }
    const asAt = this.documentAsAt();
    if (!this.title) {
      // No marked heading: the first line of text above the first table names the document (Word's text has no markup).
      const candidates = this.preamble.filter((p) => p.text.split(' ').length >= 3 && p.text.length <= 200);
      const first = candidates.find((p) => /\b(?:plan|report|recommendations?|progress|review|response|appendix|update)\b/i.test(p.text)) ?? candidates[0];
      if (first) {
        this.title = { text: first.text, line: first.line, level: 1 };
        const i = this.problems.findIndex((p) => p.code === 'TEXT_NOT_IMPORTED' && p.rows[0] === first.line);
        if (i >= 0) this.problems.splice(i, 1);
      }
    }
    return {
      ...(this.title ? { title: this.title.text, titleRow: this.title.line } : {}),
      source: { fileName: this.options.fileName, fileSha256: this.options.fileSha256, ...(document.sheet ? { sheet: document.sheet } : {}) },
      workstreams: [...this.workstreams.values()].map(finishWorkstream),
      recommendations: this.recommendations.map(finishRecommendation),
      actions: this.actions.map((draft) => finishAction(draft, asAt?.date)),
      problems: this.problems,
      ...(this.options.layout ?? document.layout ? { layout: (this.options.layout ?? document.layout)! } : {}),
      tables: this.tableCount,
      ...(asAt ? { asAt } : {}),
    };
  }

  /** The date the document speaks as at: "as at <date>" above its first table, else a date in its title or the lines above the table. */
  private documentAsAt(): { date: string; row: number; text: string } | undefined {
    const lines = [...(this.title ? [{ text: this.title.text, line: this.title.line }] : []), ...this.preamble];
    for (const { text, line } of lines) {
      const m = /\b(?:as\s+at|as\s+of|dated|updated)\s+(\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]+\s+\d{4}|[A-Za-z]+\s+\d{4})/i.exec(text);
      const date = m?.[1] ? parseBusinessDate(m[1]) : null;
      if (date) return { date: date.date, row: line, text: m![0] };
    }
    for (const { text, line } of lines) {
      const m = /\b(?:\d{1,2}(?:st|nd|rd|th)?\s+)?(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+\d{4}\b/i.exec(text);
      const date = m ? parseBusinessDate(m[0]) : null;
      if (date) return { date: date.date, row: line, text: m![0] };
    }
    return undefined;
  }

  /** Recommendations whose own row had a lead, timescale or progress and no action: kept on the recommendation's warning, or made an action when asked. */
  private finishOrphans(): void {
    for (const recommendation of this.recommendations) {
      const orphan = recommendation.orphan;
      if (!orphan) continue;
      if (recommendation.actionCount === 0 && this.options.actionFromRecommendation && !this.tablesWithActionText.has(recommendation.tableLine)) {
        recommendation.actionCount += 1;
        orphan.ref = `${recommendation.ref}.1`;
        orphan.cells.description = recommendation.text;
        orphan.problems.push({
          code: 'ACTION_FROM_RECOMMENDATION',
          severity: 'info',
          message: `Line ${orphan.rows[0]}: the document has no action text; recommendation ${recommendation.ref}'s own row is imported as its action (--action-from-recommendation)`,
          rows: [...orphan.rows],
          ref: orphan.ref,
        });
        this.actions.push(orphan);
        continue;
      }
      const kept = Object.entries(orphan.cells)
        .filter(([field, text]) => field !== 'description' && text)
        .map(([field, text]) => `${field}: "${flat(text!)}"`);
      recommendation.problems.push({
        code: 'RECOMMENDATION_WITHOUT_ACTION',
        severity: 'warning',
        message:
          `Line ${orphan.rows[0]}: recommendation ${recommendation.ref} has no action in the file; its row's ${kept.join(', ')} ${kept.length === 1 ? 'was' : 'were'} not imported. ` +
          (this.tablesWithActionText.has(recommendation.tableLine) ? 'Add the action in the review file, or in the plan' : 'Give --action-from-recommendation to import each such row as its action'),
        rows: [...orphan.rows],
        ref: recommendation.ref,
        text: Object.values(orphan.cells).filter(Boolean).join('\n'),
      });
    }
    if (this.options.actionFromRecommendation) {
      for (const recommendation of this.recommendations) {
        if (recommendation.actionCount > 0 || recommendation.orphan || this.tablesWithActionText.has(recommendation.tableLine)) continue;
        recommendation.actionCount = 1;
        const action: ActionDraft = { ref: `${recommendation.ref}.1`, recommendation, workstream: recommendation.workstream, cells: { description: recommendation.text }, rows: [...recommendation.rows], problems: [] };
        action.problems.push({ code: 'ACTION_FROM_RECOMMENDATION', severity: 'info', message: `Line ${recommendation.rows[0]}: recommendation ${recommendation.ref} is imported as its own action (--action-from-recommendation)`, rows: [...recommendation.rows], ref: action.ref });
        this.actions.push(action);
      }
    }
  }

  private readLine(line: DocumentLine): void {
    switch (line.kind) {
      case 'blank':
        this.afterBreak = true;
        return;
      case 'text':
        this.afterBreak = true;
        if (line.fromCells) {
          this.lastText = { text: line.text, line: line.line };
          this.problems.push({
            code: 'SECTION_HEADING',
            severity: 'info',
            message:
              line.fromCells.length > 1
                ? `Line ${line.line}: "${clip(line.text, 60)}" is a heading printed across the table's columns (${line.fromCells.map((c) => `"${c}"`).join(' | ')}); it is not part of any row`
                : `Line ${line.line}: "${clip(line.text, 60)}" is a heading between the table's rows; it is not part of any row`,
            rows: [line.line],
            text: line.fromCells.join('\n'),
          });
          return;
        }
        this.readText(line.text, line.line, line.heading);
        return;
      case 'row':
        this.firstRowLine ??= line.line;
        this.readRow(line.cells, line.line, line.lines ?? [line.line]);
        return;
      default: {
        const unreachable: never = line;
        throw new Error(`Unknown line ${JSON.stringify(unreachable)}`);
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Text between the tables: title, workstream headings, key aims

  private readText(raw: string, line: number, heading = false): void {
    // A spreadsheet's title row is a heading without markdown: read it as a top-level one.
    const level = /^\s*(#{1,6})\s/.exec(raw)?.[1]?.length ?? (heading ? 1 : undefined);
    const bold = /^\s*(\*\*|__)/.test(raw);
    const words = headingWords(raw);
    if (words === '') return;

    const workstream = /^work\s*stream\s*(\d+)\s*[:.\-–]?\s*(.*)$/i.exec(words);
    if (workstream && (level !== undefined || bold || words.length <= 120)) {
      const number = workstream[1]!;
      const draft = this.workstreamNumbered(number);
      const title = tidyTitle(workstream[2] ?? '');
      if (title) draft.headingTitle ??= title;
      draft.rows.push(line);
      this.workstream = draft;
      this.recommendation = undefined;
      this.action = undefined;
      this.awaitingKeyAim = false;
      return;
    }
    const keyAim = /^key\s+aims?\s*:?\s*(.*)$/i.exec(words);
    if (keyAim && this.workstream) {
      const aim = keyAim[1]?.trim();
      if (aim) {
        this.workstream.keyAim ??= aim;
        this.workstream.rows.push(line);
      } else {
        this.awaitingKeyAim = true;
      }
      return;
    }
    if (this.awaitingKeyAim && this.workstream && level === undefined) {
      this.workstream.keyAim ??= words;
      this.workstream.rows.push(line);
      this.awaitingKeyAim = false;
      return;
    }
    this.awaitingKeyAim = false;
    // The document's title: its first top-level heading, else the first heading that is a title rather than a section name.
    if (level !== undefined && words.split(' ').length >= 3 && (!this.title || level < this.title.level)) {
      this.title = { text: words, line, level };
      return;
    }
    if (!this.firstTable) this.preamble.push({ text: words, line });
    this.lastText = { text: words, line };
    if (level !== undefined && this.title && words === this.title.text) return;
    this.problems.push({
      code: 'TEXT_NOT_IMPORTED',
      severity: 'info',
      message: `Line ${line}: text outside the tables, not part of any recommendation or action: "${clip(words, 60)}"`,
      rows: [line],
      text: words,
    });
  }

  private workstreamNumbered(number: string): WorkstreamDraft {
    let draft = this.workstreams.get(number);
    if (!draft) {
      draft = { number, rows: [], problems: [] };
      this.workstreams.set(number, draft);
    }
    return draft;
  }

  // -------------------------------------------------------------------------------------------
  // Table rows

  private readRow(rawCells: readonly string[], line: number, lines: readonly number[]): void {
    const header = detectHeaderRow(rawCells, line, this.options.mapping);
    if (header) {
      this.headerSinceRow = true;
      if (this.table && sameColumns(this.table, header)) this.headerChanged = false;
      if (!this.table || !sameColumns(this.table, header)) {
        this.headerChanged = this.table !== undefined;
        this.tableCount += 1;
        this.table = header;
        const unknown = header.headers.map((h, i) => ({ h, i })).filter(({ h, i }) => h !== '' && header.fields[i] === undefined);
        if (unknown.length > 0) {
          this.problems.push({
            code: 'UNKNOWN_COLUMN',
            severity: 'warning',
            message: `Line ${line}: the column${unknown.length === 1 ? '' : 's'} ${unknown.map(({ h }) => `"${h}"`).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not one the importer knows; ${unknown.length === 1 ? 'its cells are' : 'their cells are'} reported, not imported. Name the field with --mapping ({"${unknown[0]!.h}": "progress"}, or "ignore")`,
            rows: [line],
            text: unknown.map(({ h }) => h).join('\n'),
          });
        }
        if (header.unreadableProgressDate) {
          this.problems.push({
            code: 'UNREADABLE_PROGRESS_DATE',
            severity: 'warning',
            message: `Line ${line}: the progress column's date "${header.unreadableProgressDate}" could not be read; its notes are dated the day of the import`,
            rows: [line],
          });
        }
      }
      this.firstTable ??= header;
      this.afterBreak = true;
      return;
    }
    let cells = rawCells.map(plainText);
    const filled = cells.filter((cell) => cell !== '');
    if (filled.length === 0) return;
    this.lines = lines;
    // Markdown table rules ("----\t--") and captions repeated above a table ("ACTION PLAN").
    if (filled.every((cell) => /^:?-{2,}:?$/.test(cell)) || (filled.length === 1 && /^action plan$/i.test(filled[0]!))) {
      this.afterBreak = true;
      return;
    }
    if (!this.table) {
      this.skip(line, `it comes before the first header row`, filled);
      return;
    }
    if (this.table.kind === 'workstreams') this.readSummaryRow(this.table, cells, line);
    else {
      cells = this.alignCells(this.table, cells, line);
      this.reportUnknownCells(this.table, cells, line);
      this.readActionRow(this.table, cells, line);
    }
    this.afterBreak = false;
    this.headerSinceRow = false;
  }

  /** Cells under a column the importer does not know (and no mapping names): said, with their words, never dropped silently. */
  private reportUnknownCells(table: TableColumns, cells: readonly string[], line: number): void {
    const unknown = cells.map((text, i) => ({ text, i })).filter(({ text, i }) => text !== '' && table.fields[i] === undefined && i < table.fields.length && (table.headers[i] ?? '') !== '');
    if (unknown.length === 0) return;
    this.problems.push({
      code: 'UNKNOWN_COLUMN',
      severity: 'info',
      message: `Line ${line}: not imported from ${unknown.map(({ text, i }) => `${table.headers[i]}: "${clip(text, 40)}"`).join('; ')}`,
      rows: [...this.lines],
      text: unknown.map(({ text }) => text).join('\n'),
    });
  }

  /** The lines of the row being read (more than one for a row put together from a PDF's lines or a cell per line). */
  private lines: readonly number[] = [];

  /**
   * A row with more cells than its header: never shifted silently. The extra cell is joined to its neighbour, or an
   * empty cell dropped, whichever lines the cells up best with what the columns hold (a reference under Ref, a date
   * under Timescale); the row is reported either way, with the text concerned.
   */
  private alignCells(table: TableColumns, cells: string[], line: number): string[] {
    const lined = lineUpCells(table, cells);
    if (!lined) return cells;
    this.problems.push(extraCellProblem(table, line, lined));
    return lined.cells;
  }

  private skip(line: number, why: string, filled: readonly string[]): void {
    this.problems.push({ code: 'SKIPPED_ROW', severity: 'info', message: `Line ${line} was skipped (${why}): "${clip(filled.join(' | '))}"`, rows: [line], text: filled.join('\n') });
  }

  /** The work stream summary: "1. | Safeguarding six month actions | Interim Assistant Director…", under "Phase 1: …" rows. */
  private readSummaryRow(table: TableColumns, cells: readonly string[], line: number): void {
    const filled = cells.filter((cell) => cell !== '');
    if (filled.length === 1 && /^phase\s*\d+\b/i.test(filled[0]!)) {
      this.phase = filled[0]!.replace(/\s+/g, ' ');
      return;
    }
    // The RAG key ("Green On Target or Completed | Amber … | Red …") sits next to the summary.
    if (filled.every((cell) => /^(green|amber|red)\b/i.test(cell))) return;
    const get = (field: ColumnField) => cellOf(table, cells, field);
    // This summary's first column is headed "RAG" but holds the work stream's number ("1.").
    const number = [get('workstreamNumber'), get('rag'), cells[0] ?? ''].map((text) => /^(\d+)\.?$/.exec(text.trim())?.[1]).find((n) => n !== undefined);
    const title = tidyTitle(get('workstream').replace(/\n/g, ' '));
    if (!number || !title) {
      this.skip(line, 'a work stream summary row needs a number and a title', filled);
      return;
    }
    const draft = this.workstreamNumbered(number);
    draft.summaryTitle ??= title;
    if (this.phase) draft.phase ??= this.phase;
    const lead = get('strategicLead').replace(/\n/g, '; ');
    if (lead) draft.strategicLead ??= lead;
    draft.rows.push(line);
  }

  private readActionRow(table: TableColumns, cells: readonly string[], line: number): void {
    const layout = layoutOf(table);
    const get = (field: ColumnField) => cellOf(table, cells, field);
    const refText = layout.hasRef ? get('ref') : '';
    const recText = layout.recField ? get(layout.recField) : '';
    const actText = layout.actField ? get(layout.actField) : '';
    const own = (field: ActionField) => get(field as ColumnField) !== '';
    const hasOwnFields = OWN_FIELDS.some(own);
    if (actText !== '' && layout.recField === 'recommendation') this.tablesWithActionText.add(table.line);

    if (refText) {
      const others = table.fields.some((field, i) => field !== 'ref' && field !== undefined && field !== 'ignore' && (cells[i] ?? '') !== '');
      if (looksLikeRef(refText)) {
        this.startRecommendation(table, layout, cells, refText, line);
        return;
      }
      if (!others) {
        this.skip(line, `"${clip(refText, 40)}" is in the reference column but is not a reference`, [refText]);
        return;
      }
      this.problems.push({
        code: 'NOT_A_REFERENCE',
        severity: 'warning',
        message: `Line ${line}: "${clip(refText, 40)}" in the reference column is not a reference; the row is read as continuing the one above`,
        rows: [line],
      });
    }

    // A table without a reference column: each recommendation text that does not carry on a sentence starts one, numbered in order.
    if (!layout.hasRef && layout.recField === 'recommendation' && recText !== '' && !(this.recommendation && /^[a-z(),;]/.test(recText))) {
      this.unnumbered += 1;
      const number = String(this.unnumbered);
      this.startRecommendation(table, layout, cells, number, line);
      this.recommendation?.problems.push({
        code: 'UNNUMBERED_RECOMMENDATION',
        severity: 'warning',
        message: `Line ${line}: the recommendation has no reference (the table has no Ref column); it is numbered ${number}, in the order of the file`,
        rows: [...this.lines],
        ref: this.recommendation.ref,
      });
      return;
    }

    // No reference: this row continues the recommendation above.
    const deliverableAsAction = layout.recField === 'action' && actText === '' && recText !== '' && hasOwnFields;
    const hasActionText = actText !== '' || deliverableAsAction;
    // A list marker ("iii) Multi-agency…", "(b) …") starts an item; other lower case goes on a sentence cut above.
    const continuesAbove = (text: string) => text !== '' && /^[a-z(),;]/.test(text) && markerOf(text) === undefined;
    const cut =
      (this.action !== undefined || this.recommendation !== undefined) &&
      (!hasActionText ||
        (this.afterBreak && (!hasOwnFields || continuesAbove(actText) || (!layout.recFlows && layout.recField !== undefined && continuesAbove(recText)))));

    if (cut && (this.action || !hasActionText)) {
      this.mergeIntoAbove(table, layout, cells, line);
      return;
    }
    if (!hasActionText) {
      this.problems.push({
        code: 'FRAGMENT_WITHOUT_ROW',
        severity: 'warning',
        message: `Line ${line} has no action and nothing above it to continue: "${clip(cells.filter(Boolean).join(' | '))}"`,
        rows: [line],
        text: cells.filter(Boolean).join('\n'),
      });
      return;
    }
    const recommendation = this.recommendation;
    if (recommendation && recText) {
      if (layout.recFlows) recommendation.text = joinText(recommendation.text, recText);
      else if (!deliverableAsAction) recommendation.text = recommendation.text ? `${recommendation.text}\n${recText}` : recText;
      if (layout.recFlows || !deliverableAsAction) recommendation.rows.push(...this.lines);
    }
    if (!recommendation && layout.hasRef) {
      this.problems.push({
        code: 'ROW_WITHOUT_REFERENCE',
        severity: 'warning',
        message: `Line ${line}: an action before any ${this.workstream ? 'key deliverable' : 'recommendation'} reference; it is imported on its own`,
        rows: [line],
      });
    }
    this.addAction(table, layout, cells, line, actText || recText);
  }

  private startRecommendation(table: TableColumns, layout: Layout, cells: readonly string[], refText: string, line: number): void {
    const get = (field: ColumnField) => cellOf(table, cells, field);
    const recText = layout.recField ? get(layout.recField) : '';
    const actText = layout.actField ? get(layout.actField) : '';
    const hasOwnFields = OWN_FIELDS.some((field) => get(field as ColumnField) !== '');
    const own = normaliseRef(refText);
    let ref = this.workstream && !this.workstream.fromTable ? `${this.workstream.number}.${own}` : own;

    let key = recommendationKeyOf(ref, this.workstream);
    let recommendation = this.recommendationsByKey.get(key);
    // A table with its own header whose numbering starts again: its own set of recommendations, not more actions for the first.
    const newSet = this.headerSinceRow && (!this.workstream || this.workstream.fromTable) && (recommendation ? this.headerChanged || own === this.setFirstRef : this.headerChanged && this.recommendations.length > 0);
    if (newSet) {
      this.setCount += 1;
      const number = String(this.setCount);
      const draft = this.workstreamNumbered(number);
      draft.fromTable = true;
      draft.headingTitle ??= this.lastText ? tidyTitle(this.lastText.text) : `Table ${number}`;
      if (this.lastText) {
        const used = this.lastText.line;
        const i = this.problems.findIndex((p) => p.code === 'TEXT_NOT_IMPORTED' && p.rows[0] === used);
        if (i >= 0) this.problems.splice(i, 1);
      }
      draft.rows.push(...(this.lastText ? [this.lastText.line] : []), this.table?.line ?? line);
      draft.problems.push({
        code: 'NEW_TABLE',
        severity: 'info',
        message: `Line ${this.table?.line ?? line}: a table with its own header${recommendation ? `, numbered from ${refText} again` : ''}; its recommendations are a set of their own, "${draft.headingTitle}" (work stream ${number})`,
        rows: [this.table?.line ?? line],
        ref: number,
      });
      this.workstream = draft;
      this.setFirstRef = undefined;
      ref = own;
      key = recommendationKeyOf(ref, this.workstream);
      recommendation = undefined;
    }
    this.setFirstRef ??= own;
    if (recommendation) {
      recommendation.problems.push({
        code: 'REPEATED_REFERENCE',
        severity: 'info',
        message: `Line ${line}: ${this.workstream ? 'key deliverable' : 'recommendation'} ${refText} appears again (first at line ${recommendation.rows[0]}); its actions are added to ${ref}`,
        rows: [line],
        ref,
      });
      if (recText) recommendation.text = recommendation.text ? `${recommendation.text}\n${recText}` : recText;
      recommendation.rows.push(...this.lines);
    } else {
      // Without a recommendation column, the reference row's action names the recommendation too.
      const text = layout.recField ? recText : actText;
      recommendation = { ref, workstream: this.workstream, text, rows: [...this.lines], problems: [], actionCount: 0, usedMarkers: new Set(), tableLine: table.line };
      this.recommendations.push(recommendation);
      this.recommendationsByKey.set(key, recommendation);
    }
    this.recommendation = recommendation;
    this.action = undefined;
    if (actText) this.addAction(table, layout, cells, line, actText);
    else if (hasOwnFields && layout.recField === 'recommendation') {
      // A lead, timescale or progress but no action: an action copied from the recommendation would be one the plan never wrote.
      this.addAction(table, layout, cells, line, '', true);
    } else if (hasOwnFields) this.addAction(table, layout, cells, line, recText);
  }


  private addAction(table: TableColumns, layout: Layout, cells: readonly string[], line: number, description: string, orphan = false): void {
    const recommendation = this.recommendation;
    const workstream = this.workstream;
    let ref: string;
    const marker = markerOf(description);
    if (orphan && recommendation) {
      ref = `${recommendation.ref}.?`;
    } else if (recommendation) {
      recommendation.actionCount += 1;
      const useMarker = marker !== undefined && !recommendation.usedMarkers.has(marker);
      if (useMarker) recommendation.usedMarkers.add(marker);
      ref = `${recommendation.ref}.${useMarker ? marker : recommendation.actionCount}`;
    } else {
      const key = workstream?.number ?? '';
      const n = (this.standaloneCounts.get(key) ?? 0) + 1;
      this.standaloneCounts.set(key, n);
      ref = workstream ? `${workstream.number}.${n}` : String(n);
    }
    const action: ActionDraft = { ref, recommendation, workstream, cells: {}, rows: [...this.lines], problems: [], ...(table.progressAsAt ? { progressAsAt: table.progressAsAt } : {}) };
    // A list of one item ("<ul><li>(i) Head of Service…</li></ul>") is a sentence, not a list.
    if (description) action.cells.description = description.includes('\n') ? description : description.replace(/^•\s*/, '');
    table.fields.forEach((field, i) => {
      const role = field ? roleOf(field, layout) : undefined;
      const text = cells[i] ?? '';
      if (!role || role === 'description' || text === '') return;
      action.cells[role] = action.cells[role] ? joinCell(role, action.cells[role]!, text) : text;
    });
    if (orphan && recommendation) recommendation.orphan = action;
    else this.actions.push(action);
    this.action = action;
  }

  /** A row that carries on the cells of the row above, cut by a page break: each cell joins the one above it. */
  private mergeIntoAbove(table: TableColumns, layout: Layout, cells: readonly string[], line: number): void {
    let touchedRecommendation = false;
    let touchedAction = false;
    table.fields.forEach((field, i) => {
      const text = cells[i] ?? '';
      if (!field || field === 'ignore' || field === 'ref' || text === '') return;
      if (field === layout.recField && this.recommendation) {
        this.recommendation.text = joinText(this.recommendation.text, text);
        touchedRecommendation = true;
        return;
      }
      const role = roleOf(field, layout);
      if (!role) return;
      if (!this.action) {
        this.problems.push({
          code: 'FRAGMENT_WITHOUT_ROW',
          severity: 'warning',
          message: `Line ${line}: "${clip(text, 60)}" (${table.headers[i] ?? field}) continues a row that has no action; it was not imported`,
          rows: [line],
          text,
        });
        return;
      }
      const above = this.action.cells[role];
      this.action.cells[role] = above ? joinCell(role, above, text) : text;
      touchedAction = true;
    });
    if (touchedRecommendation) this.recommendation?.rows.push(...this.lines);
    if (touchedAction) this.action?.rows.push(...this.lines);
  }
}

/** A recommendation's identity within the file: its workstream's number (none is not "") and its ref. */
function recommendationKeyOf(ref: string, workstream: WorkstreamDraft | undefined): string {
  return `${workstream ? `w${workstream.number}` : '-'}\u0000${ref}`;
}

// ---------------------------------------------------------------------------------------------
// Columns and cells

function layoutOf(table: TableColumns): Layout {
  const has = (field: ColumnField) => table.fields.includes(field);
  const hasRef = has('ref');
  if (has('recommendation')) {
    return { recField: 'recommendation', actField: has('action') ? 'action' : has('description') ? 'description' : undefined, recFlows: true, hasRef };
  }
  if (has('action') && has('description')) return { recField: 'action', actField: 'description', recFlows: false, hasRef };
  return { actField: has('action') ? 'action' : has('description') ? 'description' : undefined, recFlows: false, hasRef };
}

/** Where a column's text goes on an action. */
function roleOf(field: ColumnField, layout: Layout): ActionField | undefined {
  if (field === layout.actField) return 'description';
  if (field === layout.recField) return undefined;
  switch (field) {
    case 'description':
    case 'performanceIndicators':
      return 'performanceIndicators';
    case 'leads':
    case 'priority':
    case 'dependencies':
    case 'start':
    case 'target':
    case 'progress':
    case 'rag':
      return field;
    default:
      return undefined;
  }
}

/** The plain text of the column(s) holding a field; several columns of one field are read as one cell. */
function cellOf(table: TableColumns, cells: readonly string[], field: ColumnField): string {
  return table.fields
    .map((f, i) => (f === field ? (cells[i] ?? '') : ''))
    .filter((text) => text !== '')
    .join('\n');
}

function joinCell(field: ActionField, above: string, below: string): string {
  return LIST_FIELDS.has(field) ? `${above}\n${below}` : joinText(above, below);
}

/**
 * Text cut by a page break (or flowing through a tall merged cell) joins the text above: with a space
 * mid-sentence ("…as quickly as possible. The" + "National Indicator Set…"), on a new line for a list item
 * ("• all referrals…") or after a finished sentence followed by a capital.
 */
export function joinText(above: string, below: string): string {
  if (!above) return below;
  if (!below) return above;
  const lastLine = above.slice(above.lastIndexOf('\n') + 1);
  if (below.startsWith('•')) return `${above}\n${below}`;
  if (/^[a-z(),;]/.test(below)) return `${above} ${below}`;
  if (/[.;:!?]$/.test(lastLine)) return `${above}\n${below}`;
  return `${above} ${below}`;
}

// ---------------------------------------------------------------------------------------------
// References

export { looksLikeRef, normaliseRef } from './plan-refs.js';

/** "a) Local…" → "a"; "(ii) Refer…" → "ii"; "• (i) Head of…" → "i". Only single letters and roman numerals. */
function markerOf(description: string): string | undefined {
  const m = /^(?:•\s*)?\(?([a-h]|[ivx]{1,4})\)\s+\S/i.exec(description);
  return m?.[1]?.toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Headings

function headingWords(raw: string): string {
  return plainLines(raw.replace(/^\s*#{1,6}\s*/, '').replace(/\*\*|__/g, ''))
    .join(' ')
    .trim();
}

function tidyTitle(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/^[\s:.\-–]+|[\s:]+$/g, '');
}

function clip(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

// ---------------------------------------------------------------------------------------------
// Finishing: drafts → the neutral model, with the reader's checks

function finishWorkstream(draft: WorkstreamDraft): ImportedWorkstream {
  const problems = [...draft.problems];
  const title = draft.headingTitle ?? draft.summaryTitle ?? `Work Stream ${draft.number}`;
  if (!draft.headingTitle && !draft.summaryTitle) {
    problems.push({ code: 'NO_TEXT', severity: 'warning', message: `Work stream ${draft.number} has no title in the file`, rows: draft.rows.slice(0, 1), ref: draft.number });
  }
  return {
    number: draft.number,
    title,
    ...(draft.phase ? { phase: draft.phase } : {}),
    ...(draft.strategicLead ? { strategicLead: draft.strategicLead } : {}),
    ...(draft.keyAim ? { keyAim: draft.keyAim } : {}),
    rows: uniqueRows(draft.rows),
    problems,
  };
}

function finishRecommendation(draft: RecommendationDraft): ImportedRecommendation {
  const problems = [...draft.problems];
  let text = draft.text;
  if (!text) {
    text = draft.workstream ? `Key deliverable ${draft.ref}` : `Recommendation ${draft.ref}`;
    problems.push({ code: 'NO_TEXT', severity: 'warning', message: `Line ${draft.rows[0]}: ${text} has no text in the file`, rows: draft.rows.slice(0, 1), ref: draft.ref });
  }
  return { ref: draft.ref, ...(draft.workstream ? { workstream: draft.workstream.number } : {}), text, rows: uniqueRows(draft.rows), problems };
}

function finishAction(draft: ActionDraft, documentAsAt?: string): ImportedAction {
  const rows = uniqueRows(draft.rows);
  const where = `${rows.length > 1 ? 'Lines' : 'Line'} ${rows.join(', ')} (action ${draft.ref})`;
  const problems: ImportProblem[] = [...draft.problems];
  const problem = (code: ImportProblem['code'], severity: ImportProblem['severity'], message: string) =>
    problems.push({ code, severity, message: `${where}: ${message}`, rows, ref: draft.ref });

  const { cells } = draft;
  const leads = splitLeads(cells.leads ?? '');
  const target = cells.target ?? '';
  const startDate = cells.start || undefined;
  const description = cells.description || '';
  if (!description) problem('NO_TEXT', 'warning', 'the action has no description in the file');
  if (leads.length === 0) problem('NO_LEAD', 'warning', 'no lead is named');
  if (!target) problem('NO_TARGET', 'warning', 'no target date is given');
  else if (parseTarget(target).kind === 'unparsed') problem('UNREADABLE_TARGET', 'warning', `the target "${flat(target)}" could not be read as a date; it is kept as written`);
  if (startDate && parseBusinessDate(startDate) === null) problem('UNREADABLE_START', 'warning', `the start "${flat(startDate)}" could not be read as a date; it is kept as written`);
  for (const clash of targetsBeforeStarts(startDate, target)) problem('TARGET_BEFORE_START', 'warning', clash);

  const slip = target ? revisedTarget(target) : undefined;
  if (slip) problem('REVISED_TARGET', 'info', `the target "${flat(target)}" is a baseline and its revision: the action is added with "${slip.baseline}" and its target slipped to "${slip.revised}", the file as the reason`);
  const status = proposedStatus(cells.progress, cells.target);
  if (status) {
    problem('INFERRED_STATUS', 'info', `"${flat(status.text)}" in the ${status.from === 'progress' ? 'progress note' : 'timescale'} reads as completed: proposed, applied only with --infer-status or when confirmed in the review file`);
  }
  const asAt = draft.progressAsAt ?? documentAsAt;

  let rag: RagRating | undefined;
  if (cells.rag) {
    rag = ragOf(cells.rag);
    if (!rag) problem('UNREADABLE_RAG', 'warning', `the RAG rating "${flat(cells.rag)}" is not Red, Amber or Green; it was not recorded`);
  }
  return {
    ref: draft.ref,
    ...(draft.recommendation ? { recommendationRef: draft.recommendation.ref } : {}),
    ...(draft.workstream ? { workstream: draft.workstream.number } : {}),
    description: description || `Action ${draft.ref}`,
    ...(cells.performanceIndicators ? { performanceIndicators: cells.performanceIndicators } : {}),
    leads,
    ...(cells.priority ? { priority: cells.priority.replace(/\n/g, ' ') } : {}),
    ...(startDate ? { startDate } : {}),
    target,
    dependencies: dependenciesOf(cells.dependencies ?? ''),
    ...(cells.progress ? { progress: { narrative: cells.progress, ...(asAt ? { asAt, ...(draft.progressAsAt ? {} : { asAtFrom: 'document' as const }) } : {}) } } : {}),
    ...(rag ? { rag } : {}),
    ...(slip ? { targetSlip: { from: slip.baseline, to: slip.revised } } : {}),
    ...(status ? { status } : {}),
    rows,
    problems,
  };
}

/**
 * Targets before starts, as a reader would spot them. When the start and target cells hold the same number
 * of paragraphs (one per sub-action) they are compared pair by pair; otherwise the earliest start against
 * the latest target, as the domain reads the whole cells.
 */
function targetsBeforeStarts(start: string | undefined, target: string): string[] {
  if (!start || !target) return [];
  const starts = start.split('\n');
  const targets = target.split('\n');
  const pairs: [string, string][] = starts.length > 1 && starts.length === targets.length ? starts.map((s, i) => [s, targets[i]!]) : [[start, target]];
  const clashes: string[] = [];
  for (const [s, t] of pairs) {
    const begins = parseBusinessDate(s);
    const due = parseTarget(t).due;
    if (begins && due && due < begins.date) {
      clashes.push(`the target "${flat(t)}" (${due}) is before the start "${flat(s)}" (${begins.date})`);
    }
  }
  return clashes;
}

/** One dependency per paragraph; "None" and "N/A" say there are none. */
function dependenciesOf(cell: string): string[] {
  return cell
    .split('\n')
    .map((line) => line.replace(/^•\s*/, '').trim())
    .filter((line) => line !== '' && !/^(?:none|n\/a|nil|-+)\.?$/i.test(line));
}

function ragOf(text: string): RagRating | undefined {
  const word = text.trim().toLowerCase();
  if (/^(?:g|green)\b/.test(word)) return 'green';
  if (/^(?:a|amber)\b/.test(word)) return 'amber';
  if (/^(?:r|red)\b/.test(word)) return 'red';
  return undefined;
}

function uniqueRows(rows: readonly number[]): number[] {
  return [...new Set(rows)].sort((a, b) => a - b);
}

function flat(text: string): string {
  return text.replace(/\n/g, ' / ');
}

/** How well a row's cells fit their columns: a reference under Ref, a readable date under Timescale, a name under Lead. */
function fitScore(table: TableColumns, cells: readonly string[]): number {
  let score = 0;
  table.fields.forEach((field, i) => {
    const text = cells[i] ?? '';
    if (text === '') return;
    if (field === 'ref') score += looksLikeRef(text) ? 2 : -2;
    else if (field === 'target' || field === 'start') score += parseTarget(text).kind !== 'unparsed' ? 1 : -1;
    else if (field === 'rag') score += ragOf(text) ? 1 : -1;
    else if (field === 'leads') score += text.length <= 120 ? 0.5 : -0.5;
    else if (field === 'progress' || field === 'action' || field === 'recommendation') score += 0.25;
  });
  return score;
}

/** What the first lines of a document were, for a message: "are text without a tab (lines 1–5)". */
function describeLines(lines: readonly DocumentLine[]): string {
  const rows = lines.filter((l) => l.kind === 'row');
  const texts = lines.filter((l) => l.kind === 'text');
  const parts: string[] = [];
  if (rows.length) parts.push(`${rows.length} row${rows.length === 1 ? '' : 's'} with no recommendation, action or reference in the header's columns (first at line ${rows[0]!.line})`);
  if (texts.length) parts.push(`${texts.length} line${texts.length === 1 ? '' : 's'} of text with no cells side by side (first at line ${texts[0]!.line})`);
  return parts.length ? `hold ${parts.join(' and ')}` : 'are empty';
}

/** NO_HEADER_ROW, saying what was looked for, what the file holds instead, and the option that would read it. */
function noHeaderError(fileName: string, document: TabularDocument, layout: PlanLayout | undefined): ImportError {
  const firstRow = document.lines.find((l) => l.kind === 'row' && l.cells.filter((c) => plainText(c) !== '').length >= 2);
  const firstText = document.lines.find((l) => l.kind === 'text' || l.kind === 'row');
  let found: string;
  if (firstRow && firstRow.kind === 'row') {
    const cells = firstRow.cells.map((c) => plainText(c)).filter(Boolean);
    found = `the first row with cells side by side is line ${firstRow.line} ("${clip(cells.join(' | '), 100)}"), and no row names at least two known columns`;
  } else if (firstText) {
    const words = firstText.kind === 'text' ? firstText.text : firstText.cells.map((c) => plainText(c)).join(' ');
    found = `no line has cells side by side (first line of text: line ${firstText.line}, "${clip(words.trim(), 60)}")`;
  } else found = 'it holds no rows';
  const fixes = [
    'a --mapping file naming your headers ({"Your header": "recommendation", …})',
    ...(layout !== 'cell-per-line' ? ['--layout cell-per-line if each cell is on a line of its own'] : []),
  ];
  return new ImportError(
    'NO_HEADER_ROW',
    `${fileName} has no header row, so its columns cannot be known: ${found}. ` +
      'Expected a row naming columns such as "Rec No" or "Ref", "Recommendation", "Action", "Lead", "Timescale", "Progress"' +
      ` (read as ${layout ?? 'tab-separated'}). To fix it: ${fixes.join(', or ')}.`,
    firstRow ? [firstRow.line] : firstText ? [firstText.line] : [],
  );
}

/**
 * A row with more cells than its header, lined up with the columns: the extra cell joined to its neighbour, or an
 * empty cell dropped, whichever fits what the columns hold best (see fitScore). Undefined when the row fits.
 */
export function lineUpCells(table: TableColumns, cells: readonly string[]): { cells: string[]; how: string[]; found: number; original: string[] } | undefined {
  const width = table.fields.length;
  let end = cells.length;
  while (end > width && cells[end - 1] === '') end--;
  if (end <= width) return undefined;
  let current = cells.slice(0, end);
  const how: string[] = [];
  while (current.length > width) {
    let best: { cells: string[]; score: number; how: string } | undefined;
    for (let k = 0; k < current.length; k++) {
      if (current[k] === '') {
        const candidate = [...current.slice(0, k), ...current.slice(k + 1)];
        const score = fitScore(table, candidate) + 0.1;
        if (!best || score > best.score) best = { cells: candidate, score, how: `the empty cell ${k + 1} was dropped` };
      }
      if (k + 1 < current.length) {
        const joined = [current[k], current[k + 1]].filter((c) => c !== '').join(' ');
        const candidate = [...current.slice(0, k), joined, ...current.slice(k + 2)];
        // Ties go to the rightmost join: the fewest fields move.
        const score = fitScore(table, candidate) + k * 0.001;
        if (!best || score > best.score) best = { cells: candidate, score, how: `"${clip(current[k + 1]!, 50)}" (cell ${k + 2}) was joined to cell ${k + 1}${table.headers[k] ? ` (${table.headers[k]})` : ''}` };
      }
    }
    current = best!.cells;
    how.push(best!.how);
  }
  return { cells: current, how, found: end, original: cells.slice(0, end) };
}

export function extraCellProblem(table: TableColumns, line: number, lined: { how: string[]; found: number; original: string[] }): ImportProblem {
  return {
    code: 'EXTRA_CELL',
    severity: 'warning',
    message: `Line ${line} has ${lined.found} cells where the header (line ${table.line}) has ${table.fields.length}: ${lined.how.join('; ')}, so that the cells line up with the columns. Check the row; if the header is missing a column, add it (or map it with --mapping)`,
    rows: [line],
    text: lined.original.join('\n'),
  };
}
