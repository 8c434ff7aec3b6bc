import { formatUkDate } from '#domain';
import { baseOfRow, type ActionRow, type ActionRowBase, type planLayout } from './plan-page.js';
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
  out.push('<td class="govuk-table__cell" data-testid="latest-progress">');
  if (a.latestProgress) out.push(escapeHtml(a.latestProgress.narrative), hint(`As at ${escapeHtml(formatUkDate(a.latestProgress.asAt.slice(0, 10)))}, ${escapeHtml(String(a.latestProgress.actor))}`));
  else out.push('<span class="govuk-hint">None recorded</span>');
  out.push('</td>');
  return out.join('');
}

function writeRatingCell(a: ActionRow): string {
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
