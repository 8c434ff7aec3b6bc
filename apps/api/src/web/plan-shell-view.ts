import { tagHtml } from './action-rows-html.js';
import type { planPendingPanel } from './approval-views.js';
import type { planSummaryView } from './plan-page.js';
import { safeHtml, ukDateTime } from './web-renderer.js';

/**
 * The plan page's shell (layout.njk and plan.njk around the section) is rendered once per what it shows and kept
 * (renderPage's holes); what differs from request to request, or from instant to instant, is laid into its holes.
 * These are the holes: each a value the templates only write out (renderFragment checks it once per kept shell).
 * The session's and person's words (CSRF token, name, organisation, role), the summary's words and counts at the
 * instant, the instant itself as the controls and banners write it. Whether a hole is empty stays in the key.
 */
export const PLAN_SHELL_HOLES: readonly string[] = [
  'pageTitle',
  'csrfToken',
  'identity.displayName',
  'identity.organisationId',
  'roleName',
  'plan.organisation',
  'plan.title',
  'plan.sentence',
  'plan.countsHtml',
  'plan.respondsTo',
  'plan.owner',
  'plan.lastRecordedText',
  'plan.revision',
  'asAtText',
  'knownAtText',
  'approval.asAtText',
  'layout.shown',
  'layout.total',
  // The as-at control's and filters' own holes (plan.njk), so a new instant keeps the one shell too.
  'control.day',
  'control.month',
  'control.year',
  'control.asAtTime',
  'control.asAtParam',
  'control.knownDay',
  'control.knownMonth',
  'control.knownYear',
  'control.knownAtParam',
  'when.asAt',
  'when.knownAt',
];

type Summary = ReturnType<typeof planSummaryView>;
type PendingPanel = NonNullable<ReturnType<typeof planPendingPanel>>;

/**
 * What the shell shows of the plan's summary, its approval panel and the instant, in the form its holes take:
 * words as text (the instants written out, as the ukDateTime filter writes them), the rating counts' tags as HTML
 * (as plan.njk's loop wrote them), so none of them is part of the kept shell's key.
 */
export function planShellView(summary: Summary, approval: PendingPanel | null, when: { asAt: string; knownAt?: string } | undefined) {
  return {
    plan: {
      id: summary.id,
      organisation: summary.organisation,
      title: summary.title,
      sentence: summary.sentence,
      countsHtml: safeHtml(summary.counts.map((c) => (c.count > 0 ? `${tagHtml(c)} ${c.count}&nbsp; ` : '')).join('')),
      respondsTo: summary.respondsTo,
      owner: summary.owner,
      lastRecordedText: ukDateTime(summary.lastRecordedAt),
      revision: summary.revision,
    },
    // The panel without the instant (written out instead) and the ids it marks (the section's, not the shell's).
    approval: approval && { required: approval.required, submissions: approval.submissions, canApprove: approval.canApprove, canShape: approval.canShape, canRequest: approval.canRequest, asAtText: ukDateTime(approval.asAt) },
    asAtText: ukDateTime(when?.asAt),
    knownAtText: ukDateTime(when?.knownAt),
  };
}
