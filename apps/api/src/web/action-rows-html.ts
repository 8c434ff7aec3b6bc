import { formatUkDate } from '#domain';
import type { actionView } from './plan-page.js';
import { escapeHtml } from './rag-trend-chart.js';

/** awaitingApproval: set (by markAwaiting) only for those who may see pending updates. */
type ActionRow = ReturnType<typeof actionView> & { awaitingApproval?: boolean };

/**
 * The plan page's table of actions, written straight to a string. It is the markup the Design System's
 * tag and details macros write (the same classes and structure, every text escaped as autoescape does),
 * without a macro call per cell: on a 280-action plan those calls were most of the page's time.
 */
export function actionRowsHtml(actions: readonly ActionRow[], caption: string): string {
  // A cached layout (plan-read-cache.ts) hands in the same rows array again: its table is the same markup.
  const known = TABLES.get(actions);
  if (known && known.caption === caption) return known.html;
  const html = writeActionRows(actions, caption);
  TABLES.set(actions, { caption, html });
  return html;
}

const TABLES = new WeakMap<readonly ActionRow[], { caption: string; html: string }>();

function writeActionRows(actions: readonly ActionRow[], caption: string): string {
  const out: string[] = [];
  out.push(
    '<table class="govuk-table ledger-action-table">',
    `<caption class="govuk-table__caption govuk-visually-hidden">${escapeHtml(caption)}</caption>`,
    '<thead class="govuk-table__head"><tr class="govuk-table__row">',
    '<th scope="col" class="govuk-table__header">Ref</th>',
    '<th scope="col" class="govuk-table__header">Action and leads</th>',
    '<th scope="col" class="govuk-table__header">Target</th>',
    '<th scope="col" class="govuk-table__header">Latest progress</th>',
    '<th scope="col" class="govuk-table__header">Rating</th>',
    '</tr></thead>',
    '<tbody class="govuk-table__body">',
  );
  for (const a of actions) {
    const hint = (text: string, testId?: string) => `<span class="govuk-hint govuk-!-margin-bottom-0"${testId ? ` data-testid="${testId}"` : ''}>${text}</span>`;
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
    out.push('<td class="govuk-table__cell" data-testid="rating">');
    if (a.rag) {
      out.push(tagHtml(a.rag));
      out.push(
        '<details class="govuk-details govuk-!-margin-top-2 govuk-!-margin-bottom-0"><summary class="govuk-details__summary"><span class="govuk-details__summary-text">Why</span></summary>',
        `<div class="govuk-details__text">${escapeHtml(a.rag.reasons.join(' '))}</div></details>`,
      );
    }
    if (a.declared) out.push(hint(`Declared: ${escapeHtml(a.declared.text)}`));
    if (a.discrepancy) out.push(`<strong class="govuk-!-font-weight-bold" data-testid="discrepancy">Discrepancy: ${escapeHtml(a.discrepancy)}</strong>`);
    out.push('</td></tr>');
  }
  out.push('</tbody></table>');
  return out.join('');
}

/** govukTag's markup for a rating; as a SafeString-free string the template marks safe. */
export function tagHtml(tag: { text: string; classes: string } | undefined): string {
  return tag ? `<strong class="govuk-tag ${escapeHtml(tag.classes)}">${escapeHtml(tag.text)}</strong>` : '';
}
