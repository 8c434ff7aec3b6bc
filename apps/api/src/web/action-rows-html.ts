import { randomBytes } from 'node:crypto';
import { actionRagJsonParts, formatUkDate, own, type Action, type ActionRag, type PlanRagSummary, type PlanState, type ProgressUpdate } from '#domain';
import { latestProgressOf } from '#plan-views';
import { BoundedCache } from '#projections';
import { dayCountBytes } from '../cqrs/plan-read-cache.js';
import { baseOfRow, byWorkstream, cachedRowBase, ragTag, ratingView, type ActionRow, type ActionRowBase, type planLayout } from './plan-page.js';
import { escapeHtml } from './rag-trend-chart.js';

type PlanLayout = ReturnType<typeof planLayout>;

/**
 * The plan page's work streams, recommendations and tables of actions, written straight to a string. It is
 * the markup plan.njk's loops and the Design System's tag and details macros wrote (the same elements,
 * classes and text, every text escaped as autoescape does: action-rows-html.unit.spec.ts compares the two
 * on hostile text), without a macro call per cell: on a 280-action plan those calls were most of the page.
 *
 * Two levels of cache, each against an object that is never changed once made: the cells a row makes from
 * its action alone against the row's base (plan-page.ts makes one per Action object), and the whole
 * section's bytes against the layout (kept with its plan state). So a new as-at instant writes the first
 * four cells only of the actions it changed, and for every action only its rating's cell.
 */
export function planLayoutHtml(layout: PlanLayout): string {
  return writeLayout(layout);
}

const LAYOUT_BYTES = new WeakMap<PlanLayout, Buffer>();

/** planLayoutHtml as UTF-8, encoded once per layout: renderPage splices it into the page as it is. */
export function planLayoutBytes(layout: PlanLayout): Buffer {
  let bytes = LAYOUT_BYTES.get(layout);
  if (bytes === undefined) LAYOUT_BYTES.set(layout, (bytes = Buffer.from(planLayoutHtml(layout), 'utf8')));
  return bytes;
}

/** A value as `{{ value }}` writes it: escaped, and nothing for undefined or null. */
function text(value: unknown): string {
  return value === undefined || value === null ? '' : escapeHtml(String(value));
}

type RecommendationSection = PlanLayout['outside']['recommendations'][number];

function writeLayout(layout: PlanLayout): string {
  const out: string[] = [];
  const recommendation = (rec: RecommendationSection) => {
    out.push(
      '<div class="ledger-recommendation">',
      `<h3 class="govuk-heading-s">Recommendation ${text(rec.ref)} ${tagHtml(rec.rating)}</h3>`,
      `<p class="govuk-body">${text(rec.text)}</p>`,
    );
    if (rec.actions.length > 0) out.push(actionRowsHtml(rec.actions, `Actions for recommendation ${rec.ref}`));
    out.push('</div>');
  };
  for (const ws of layout.workstreams) {
    out.push(`<h2 class="govuk-heading-m">Work stream ${text(ws.number)}: ${text(ws.title)} ${tagHtml(ws.rating)}</h2>`);
    for (const rec of ws.recommendations) recommendation(rec);
    if (ws.actions.length > 0) out.push(actionRowsHtml(ws.actions, `Other actions in work stream ${ws.number}`));
  }
  if (layout.outside.recommendations.length > 0 || layout.outside.actions.length > 0) {
    if (layout.workstreams.length > 0) out.push('<h2 class="govuk-heading-m">Outside any work stream</h2>');
    for (const rec of layout.outside.recommendations) recommendation(rec);
    if (layout.outside.actions.length > 0) out.push(actionRowsHtml(layout.outside.actions, 'Actions outside any recommendation'));
  }
  return out.join('');
}

/** One table of actions, with its caption. */
export function actionRowsHtml(actions: readonly ActionRow[], caption: string): string {
  const out: string[] = [TABLE_HEAD_START, escapeHtml(caption), TABLE_HEAD_END];
  for (const row of actions) out.push(actionRowHtml(row));
  out.push('</tbody></table>');
  return out.join('');
}

const BASE_HTML = new WeakMap<ActionRowBase, string>();

const TABLE_HEAD_START = '<table class="govuk-table ledger-action-table"><caption class="govuk-table__caption govuk-visually-hidden">';
const TABLE_HEAD_END = [
  '</caption>',
  '<thead class="govuk-table__head"><tr class="govuk-table__row">',
  '<th scope="col" class="govuk-table__header">Ref</th>',
  '<th scope="col" class="govuk-table__header">Action and leads</th>',
  '<th scope="col" class="govuk-table__header">Target</th>',
  '<th scope="col" class="govuk-table__header">Latest progress</th>',
  '<th scope="col" class="govuk-table__header">Rating</th>',
  '</tr></thead>',
  '<tbody class="govuk-table__body">',
].join('');

/** One action's <tr>: the cells made from the action alone written once per row base (plan-page.ts), the rating's cell each time. */
export function actionRowHtml(row: ActionRow): string {
  const made = ROW_HTML.get(row);
  if (made !== undefined) return made;
  const base = baseOfRow(row);
  let start = BASE_HTML.get(base);
  if (start === undefined) BASE_HTML.set(base, (start = writeRowStart(base)));
  const html = start + writeRatingCell(row);
  ROW_HTML.set(row, html);
  return html;
}

/** A row's whole HTML, against the row (never changed once made; plan-page.ts hands out the same row for the same action part and rating). */
const ROW_HTML = new WeakMap<ActionRow, string>();

function hint(text: string, testId?: string): string {
  return `<span class="govuk-hint govuk-!-margin-bottom-0"${testId ? ` data-testid="${testId}"` : ''}>${text}</span>`;
}

function writeRowStart(a: ActionRowBase): string {
  return writeRowHead(a) + writeProgressCell(a.latestProgress);
}

/** A row's cells before its latest progress: reference, description with leads and status, target. */
function writeRowHead(a: RowHeadView): string {
  const out: string[] = [];
  out.push(`<tr class="govuk-table__row" data-action-ref="${escapeHtml(a.ref)}">`);
  out.push(`<td class="govuk-table__cell"><a class="govuk-link" href="/web/plans/${escapeHtml(encodeURIComponent(a.planId))}/actions/${escapeHtml(encodeURIComponent(a.id))}">${escapeHtml(a.ref)}</a></td>`);
  out.push(`<td class="govuk-table__cell">${escapeHtml(a.description)}`);
  if (a.leads.length > 0) out.push(hint(`Lead: ${escapeHtml(a.leads.join(', '))}`));
  out.push(hint(`Status: ${escapeHtml(a.status)}`));
  if (a.awaitingApproval) out.push('<strong class="govuk-tag govuk-tag--yellow ledger-tag-nowrap" data-testid="awaiting-approval">Awaiting approval</strong>');
  out.push('</td>');
  out.push(`<td class="govuk-table__cell">${escapeHtml(a.target)}`, hint(`Read as: ${escapeHtml(a.targetInterpreted)}`));
  if (a.slips) out.push(hint(`Slipped ${a.slips} ${a.slips === 1 ? 'time' : 'times'}; first set as ${escapeHtml(a.originalTarget ?? '')}`, 'slips'));
  out.push('</td>');
  return out.join('');
}

/** The latest progress cell: the note's narrative, when and by whom; or that there is none. */
function writeProgressCell(latest: ActionRowBase['latestProgress']): string {
  const cell = '<td class="govuk-table__cell" data-testid="latest-progress">';
  if (!latest) return `${cell}<span class="govuk-hint">None recorded</span></td>`;
  return `${cell}${escapeHtml(latest.narrative)}${hint(`As at ${escapeHtml(formatUkDate(latest.asAt.slice(0, 10)))}, ${escapeHtml(String(latest.actor))}`)}</td>`;
}

function writeRatingCell(a: Pick<ActionRow, 'rag' | 'declared' | 'discrepancy'>): string {
  let html = '<td class="govuk-table__cell" data-testid="rating">';
  if (a.rag) {
    html += `${tagHtml(a.rag)}<details class="govuk-details govuk-!-margin-top-2 govuk-!-margin-bottom-0"><summary class="govuk-details__summary"><span class="govuk-details__summary-text">Why</span></summary><div class="govuk-details__text">${escapeHtml(a.rag.reasons.join(' '))}</div></details>`;
  }
  if (a.declared) html += hint(`Declared: ${escapeHtml(a.declared.text)}`);
  if (a.discrepancy) html += `<strong class="govuk-!-font-weight-bold" data-testid="discrepancy">Discrepancy: ${escapeHtml(a.discrepancy)}</strong>`;
  return `${html}</td></tr>`;
}

/** govukTag's markup for a rating; as a SafeString-free string the template marks safe. */
export function tagHtml(tag: { text: string; classes: string } | undefined): string {
  return tag ? `<strong class="govuk-tag ${escapeHtml(tag.classes)}">${escapeHtml(tag.text)}</strong>` : '';
}

/**
 * The unfiltered plan page's section as bytes, straight from the state and its RAG summary: what
 * planLayoutBytes(planLayout(state, rag, {}, awaiting)) gives, byte for byte (plan-section-bytes.unit.spec.ts
 * compares them at many instants), without a layout or a row object per action per instant. A row is three kept
 * Buffers: its head (reference, description, leads, status, target), against what it shows (the copies of an
 * action other events made share it); its latest progress cell, against the note; and the rating's cell, against
 * the rating object (the RAG rules keep one per Action object for the span of instants it holds over). So a new
 * instant encodes only the headings (a few KB), the new notes' cells and the cells of ratings not seen before,
 * and hands out the rest as it was kept.
 * Kept per summary (cachedRagSummary gives one `actions` object per state and RAG key) and approval marks.
 */
export function planSectionBytes(state: PlanState, rag: PlanRagSummary, awaiting?: ReadonlySet<string>, marks = awaiting ? [...awaiting].sort().join(',') : '-'): PlanSection {
  let byMarks = SECTIONS.get(rag.actions);
  if (!byMarks) SECTIONS.set(rag.actions, (byMarks = new Map()));
  const kept = byMarks.get(marks);
  if (kept && kept.state === state) return kept.section;
  const section = writeSection(state, rag, awaiting);
  byMarks.set(marks, { state, section });
  return section;
}

export interface PlanSection {
  /**
   * The section's bytes in order: kept Buffers (rows' pieces, a day count between a rating's kept pieces) and the
   * headings between them. renderPage lays them into one reused Buffer for a client that takes no encoding (one
   * write; no 500 KB allocation per page, whose memory outside the heap set off most of the collector's full
   * collections under an as-at load).
   */
  readonly parts: readonly Buffer[];
  /** The parts' length in bytes, summed. */
  readonly byteLength: number;
  /** The parts joined, made once and kept: what a compressed response deflates, kept so a repeat reuses its deflate. */
  joined(): Buffer;
  /** What the filters' form says of the layout: nothing filtered, so every row shown. */
  readonly layout: { readonly filtering: false; readonly shown: number; readonly total: number };
}

const SECTIONS = new WeakMap<object, Map<string, { state: PlanState; section: PlanSection }>>();
const CELL_BYTES = new WeakMap<ActionRag, Buffer>();
const NO_RATING_CELL = Buffer.from(writeRatingCell(ratingView(undefined)), 'utf8');
const TABLE_END = Buffer.from('</tbody></table>', 'utf8');

function ratingCellBytes(rag: ActionRag | undefined): Buffer {
  if (rag === undefined) return NO_RATING_CELL;
  let bytes = CELL_BYTES.get(rag);
  if (bytes === undefined) CELL_BYTES.set(rag, (bytes = Buffer.from(ratingCellOf(rag), 'utf8')));
  return bytes;
}

/**
 * A rating whose reasons count days is a new object each day of the interval it holds over, the same words
 * but for the count (the RAG rules fill it in from a template: actionRagJsonParts). Its cell is kept the same
 * way: the cell's bytes cut where the count goes, against the template's JSON parts (one array for the
 * interval), and against their text, since the copies of an action that other events made (a progress update,
 * evidence) are rated with templates of the same words. So a new day, or a new copy of the action, costs the
 * count's bytes. null: a template whose cell could not be cut so (checked against the cell written whole when
 * first met).
 */
const COUNTED_CELLS = new WeakMap<readonly string[], readonly Buffer[] | null>();
/** The same, by the template's JSON text (its parts joined with NUL, which JSON text never holds unescaped). */
const COUNTED_CELLS_BY_TEXT = new BoundedCache<string, readonly Buffer[] | null>(20_000);
/** Where the count goes in a counted rating's cell while it is cut: random per process, and left alone by JSON and escapeHtml. */
const COUNT_MARK = `\ue000${randomBytes(6).toString('hex')}\ue001`;

/** The rating's cell, as ratingCellBytes, pushed onto `out`: kept pieces and the day's count between them for a counted rating. */
function pushRatingCell(out: Buffer[], rag: ActionRag | undefined): void {
  const counted = rag && actionRagJsonParts(rag);
  if (counted) {
    let cell = COUNTED_CELLS.get(counted.parts);
    if (cell === undefined) {
      cell = COUNTED_CELLS_BY_TEXT.getOrSet(counted.parts.join('\u0000'), () => countedCellParts(rag, counted));
      COUNTED_CELLS.set(counted.parts, cell);
    }
    if (cell !== null) {
      const count = dayCountBytes(counted.count);
      out.push(cell[0]!);
      for (let i = 1; i < cell.length; i++) out.push(count, cell[i]!);
      return;
    }
  }
  out.push(ratingCellBytes(rag));
}

/**
 * The cell of the template (its JSON parts joined with the mark, read back) cut at the mark, if its pieces joined
 * with the count are this rating's cell written whole; null if not (the plan's own words holding the mark, say).
 */
function countedCellParts(rag: ActionRag, counted: { readonly parts: readonly string[]; readonly count: string }): readonly Buffer[] | null {
  let template: ActionRag;
  try {
    template = JSON.parse(counted.parts.join(COUNT_MARK)) as ActionRag;
  } catch {
    return null;
  }
  const pieces = ratingCellOf(template).split(COUNT_MARK);
  if (pieces.length < 2 || pieces.join(counted.count) !== ratingCellOf(rag)) return null;
  return pieces.map((piece) => Buffer.from(piece, 'utf8'));
}

/** Each rating's tag, as tagHtml(ragTag(rating, completed)) writes it: a handful of strings made once. */
const TAGS = new Map<string, string>();
function tagOf(rating: ActionRag['rating'], completed: boolean): string {
  const key = `${completed ? 1 : 0}${rating}`;
  let html = TAGS.get(key);
  if (html === undefined) TAGS.set(key, (html = tagHtml(ragTag(rating, completed))));
  return html;
}

/** writeRatingCell(ratingView(rag)), written from the rating itself: no view object per new rating. */
function ratingCellOf(rag: ActionRag): string {
  let html = `<td class="govuk-table__cell" data-testid="rating">${tagOf(rag.rating, Boolean(rag.completed))}<details class="govuk-details govuk-!-margin-top-2 govuk-!-margin-bottom-0"><summary class="govuk-details__summary"><span class="govuk-details__summary-text">Why</span></summary><div class="govuk-details__text">${escapeHtml(rag.reasons.join(' '))}</div></details>`;
  if (rag.declared) html += hint(`Declared: ${escapeHtml(ragTag(rag.declared.rating).text)}`);
  if (rag.discrepancy?.message) html += `<strong class="govuk-!-font-weight-bold" data-testid="discrepancy">Discrepancy: ${escapeHtml(rag.discrepancy.message)}</strong>`;
  return `${html}</td></tr>`;
}

type RowHeadView = Pick<ActionRowBase, 'ref' | 'planId' | 'id' | 'description' | 'leads' | 'status' | 'awaitingApproval' | 'target' | 'targetInterpreted' | 'slips' | 'originalTarget'>;

/**
 * A row's head (writeRowHead) kept against what it shows of the action: the copies of an action that a progress
 * update, evidence or an assessment made are new Action objects (copy-on-write folds), but share the target, the
 * leads and the words, so their head is the kept one and only their latest progress cell is new. Kept against the
 * Target object (which every copy shares until a slip), a few per target, each compared field by field.
 */
interface KeptHead {
  readonly planId: string;
  readonly marked: boolean;
  readonly id: string;
  readonly ref: string;
  readonly description: string;
  readonly leads: readonly string[];
  readonly status: Action['status'];
  readonly slips: number;
  readonly originalTarget: string;
  readonly bytes: Buffer;
}
const HEADS = new WeakMap<Action['target'], KeptHead[]>();
/** The copies of one action with one target and different heads (status, leads) kept at once; the oldest goes first. */
const HEADS_PER_TARGET = 4;

const showsSameHead = (kept: KeptHead, planId: string, action: Action, marked: boolean): boolean =>
  kept.planId === planId &&
  kept.marked === marked &&
  kept.id === action.id &&
  kept.ref === action.ref &&
  kept.description === action.description &&
  kept.leads === action.leads &&
  kept.status === action.status &&
  kept.slips === action.targetChanges.length &&
  kept.originalTarget === action.originalTarget.text;

function rowHeadBytes(state: PlanState, action: Action, marked: boolean): Buffer {
  let heads = HEADS.get(action.target);
  if (heads === undefined) HEADS.set(action.target, (heads = []));
  for (const kept of heads) if (showsSameHead(kept, state.id, action, marked)) return kept.bytes;
  const bytes = Buffer.from(writeRowHead(cachedRowBase(state, action, marked)), 'utf8');
  if (heads.length >= HEADS_PER_TARGET) heads.shift();
  const { id, ref, description, leads, status } = action;
  heads.push({ planId: state.id, marked, id, ref, description, leads, status, slips: action.targetChanges.length, originalTarget: action.originalTarget.text, bytes });
  return bytes;
}

/** The latest progress cell, kept against the note shown (notes are never changed once folded); one for none. */
const PROGRESS_CELLS = new WeakMap<ProgressUpdate, Buffer>();
const NO_PROGRESS_CELL = Buffer.from(writeProgressCell(undefined), 'utf8');

function progressCellBytes(action: Action): Buffer {
  const latest = latestProgressOf(action);
  if (latest === undefined) return NO_PROGRESS_CELL;
  let bytes = PROGRESS_CELLS.get(latest);
  if (bytes === undefined) PROGRESS_CELLS.set(latest, (bytes = Buffer.from(writeProgressCell(latest), 'utf8')));
  return bytes;
}

/** A row's start (writeRowStart) as its head and its progress cell, kept against the Action object and plan: one lookup per row for most rows. */
const STARTS = new WeakMap<Action, { planId: string; marked: boolean; head: Buffer; progress: Buffer }>();

function pushRowStart(out: Buffer[], state: PlanState, action: Action, marked: boolean): void {
  let kept = STARTS.get(action);
  if (kept === undefined || kept.planId !== state.id || kept.marked !== marked) {
    STARTS.set(action, (kept = { planId: state.id, marked, head: rowHeadBytes(state, action, marked), progress: progressCellBytes(action) }));
  }
  out.push(kept.head, kept.progress);
}

/** Kept Buffers and the text between them, joined once at the end. */
class SectionWriter {
  private readonly parts: Buffer[] = [];
  private pending = '';

  text(html: string): void {
    this.pending += html;
  }

  bytes(part: Buffer): void {
    this.flush();
    this.parts.push(part);
  }

  done(): Buffer[] {
    this.flush();
    return this.parts;
  }

  private flush(): void {
    if (this.pending === '') return;
    this.parts.push(Buffer.from(this.pending, 'utf8'));
    this.pending = '';
  }
}

/** planLayout's walk (work streams → recommendations → actions, then what sits outside) and writeLayout's markup, in one pass. */
function writeSection(state: PlanState, rag: PlanRagSummary, awaiting: ReadonlySet<string> | undefined): PlanSection {
  const out = new SectionWriter();
  let shown = 0;
  const rows: Buffer[] = [];
  /** The rows of these actions that exist, their pieces in order, into `rows`; how many pieces. */
  const rowsOf = (ids: readonly string[]): number => {
    rows.length = 0;
    for (const id of ids) {
      const action = own(state.actions, id);
      if (!action) continue;
      pushRowStart(rows, state, action, awaiting?.has(id) ?? false);
      pushRatingCell(rows, own(rag.actions, id));
      shown += 1;
    }
    return rows.length;
  };
  const table = (caption: string) => {
    out.text(`${TABLE_HEAD_START}${escapeHtml(caption)}${TABLE_HEAD_END}`);
    for (const row of rows) out.bytes(row);
    out.bytes(TABLE_END);
  };
  const recommendation = (id: string) => {
    const rec = own(state.recommendations, id)!;
    const recRag = own(rag.recommendations, id);
    out.text(`<div class="ledger-recommendation"><h3 class="govuk-heading-s">Recommendation ${text(rec.ref)} ${tagHtml(recRag ? ragTag(recRag.rating, recRag.complete) : undefined)}</h3><p class="govuk-body">${text(rec.text)}</p>`);
    if (rowsOf(rec.actionIds) > 0) table(`Actions for recommendation ${rec.ref}`);
    out.text('</div>');
  };
  const { recsByWorkstream, looseByWorkstream } = byWorkstream(state);
  let workstreams = 0;
  for (const id of state.workstreamOrder) {
    const ws = own(state.workstreams, id);
    if (!ws) continue;
    workstreams += 1;
    const wsRag = own(rag.workstreams, id);
    out.text(`<h2 class="govuk-heading-m">Work stream ${text(ws.number)}: ${text(ws.title)} ${tagHtml(wsRag ? ragTag(wsRag.rating, wsRag.complete) : undefined)}</h2>`);
    for (const recId of recsByWorkstream.get(id) ?? []) recommendation(recId);
    if (rowsOf(looseByWorkstream.get(id) ?? []) > 0) table(`Other actions in work stream ${ws.number}`);
  }
  const outsideRecs = recsByWorkstream.get(undefined) ?? [];
  const outsideLoose = looseByWorkstream.get(undefined) ?? [];
  // writeLayout heads this part when the layout has recommendations or actions outside: the loose ids that exist.
  if (outsideRecs.length > 0 || outsideLoose.length > 0) {
    if (workstreams > 0) out.text('<h2 class="govuk-heading-m">Outside any work stream</h2>');
    for (const recId of outsideRecs) recommendation(recId);
    if (rowsOf(outsideLoose) > 0) table('Actions outside any recommendation');
  }
  const parts = out.done();
  let joined: Buffer | undefined;
  let byteLength = 0;
  for (const part of parts) byteLength += part.length;
  const join = () => (joined ??= Buffer.concat(parts, byteLength));
  return { parts, byteLength, joined: join, layout: { filtering: false, shown, total: state.actionOrder.length } };
}
