import { describe, expect, it } from '@jest/globals';
import nunjucks from 'nunjucks';
import type { Identity } from '#domain';
import { tagHtml } from './action-rows-html.js';
import { ragTag, ROLE_NAMES, type planSummaryView } from './plan-page.js';
import { PLAN_SHELL_HOLES, planShellView } from './plan-shell-view.js';
import { navigationFor } from './web-page-context.js';
import { keptFragmentKind, renderFragment, renderTemplate } from './web-renderer.js';

/**
 * The plan page's shell is kept per what it shows, the request's and the instant's words laid into its holes
 * (plan-shell-view.ts, renderPage's holes). What each request gets must be what a plain render of plan.njk writes
 * for it: compared here on hostile words, for several people, roles and instants, on a miss and on a hit; and a
 * new instant must find the shell kept for the last one (or the keeping does nothing).
 */

const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);
const HOSTILE = ['<script>alert("x")</script>', `"quoted" & 'single' \\ back\\slash`, '&amp; &lt; already escaped', ...PROTOTYPE_NAMES];

type Summary = ReturnType<typeof planSummaryView>;
const RATINGS = ['red', 'amber', 'green', 'awaiting', 'no_target', 'superseded'] as const;

/** A summary at the n-th instant: its words, revision, last change and counts all differ from one instant to the next. */
function summaryAt(n: number, planId = 'plan-"1"'): Summary {
  return {
    id: planId,
    title: HOSTILE[n % HOSTILE.length]!,
    organisation: `Council ${HOSTILE[(n + 1) % HOSTILE.length]}`,
    owner: n % 3 === 0 ? '' : `Owner <${n}>`,
    respondsTo: `Lord Laming & ${HOSTILE[(n + 2) % HOSTILE.length]}`,
    period: undefined,
    revision: n * 37,
    lastRecordedAt: new Date(Date.UTC(2009, 9, 1) + n * 86_400_000 * 3.3).toISOString(),
    sentence: `${n} of 17 recommendations completed in full ${HOSTILE[(n + 3) % HOSTILE.length]}`,
    actionsTotal: 67,
    actionsComplete: n,
    rating: ragTag('red'),
    counts: RATINGS.map((rating, i) => ({ ...ragTag(rating), count: (n * (i + 1)) % 4 })),
    discrepancies: 0,
  } as Summary;
}

const people: Identity[] = [
  { userId: 'ann', displayName: 'Ann <Admin> & "Co"', organisationId: 'org-1', role: 'admin', via: 'sign-in-link' },
  { userId: 'ed', displayName: '__proto__', organisationId: 'constructor', role: 'editor', via: 'password' },
  { userId: 'ina', displayName: 'toString', organisationId: 'org-<2>', role: 'inspector', via: 'oidc' },
  { userId: 'apo', displayName: "O'Brien", organisationId: 'org-1', role: 'approver', via: 'sign-in-link' },
];

const filters = { values: { rating: '', status: '', lead: '', q: '' }, ratings: [{ value: '', text: 'Any rating' }], statuses: [{ value: '', text: 'Any status' }], leads: [{ value: '', text: 'Any lead' }, { value: '__proto__', text: '<Lead> "A"' }] };

/** The plan page's context as the controller makes it, for this person at the n-th instant. */
function planPageContext(person: Identity, n: number, options: { time?: 'recorded' | 'effective'; knownAt?: string; now?: boolean; flash?: string; filtered?: boolean; submissions?: number } = {}) {
  const asAt = options.now ? undefined : new Date(Date.UTC(2009, 5, 1) + n * 86_400_000 * 7.7 + n * 61_000).toISOString();
  const time = options.time ?? 'recorded';
  const when = asAt ? { asAt, time, knownAt: options.knownAt } : undefined;
  const day = asAt ? String(Number(asAt.slice(8, 10))) : '';
  const control = { day, month: asAt ? String(Number(asAt.slice(5, 7))) : '', year: asAt?.slice(0, 4) ?? '', asAtTime: n % 4 === 1 ? '13:45' : '', time, asAtParam: asAt ?? '', knownDay: '', knownMonth: '', knownYear: '', knownAtParam: options.knownAt ?? '' };
  const seesApproval = person.role === 'editor' || person.role === 'approver' || person.role === 'admin';
  const submissions = Array.from({ length: options.submissions ?? 0 }, (_, i) => ({ kind: 'Progress update', planId: 'plan-"1"', action: { id: HOSTILE[i]!, ref: `<${i}>` }, submittedBy: { displayName: HOSTILE[i + 1]! }, submittedAt: '2010-01-02T03:04:05.000Z' }));
  const approval = seesApproval ? { asAt, required: n % 2 === 0, submissions, awaiting: new Set(submissions.map((s) => s.action.id)), canApprove: person.role !== 'editor', canShape: person.role === 'admin', canRequest: person.role !== 'editor' } : null;
  // The submissions with the fields approval-plan.njk writes (the panel's full view has more).
  const panel = approval as unknown as Parameters<typeof planShellView>[1];
  const shown = options.filtered ? n % 5 : 60 + (n % 7);
  return {
    pageTitle: summaryAt(n).title,
    identity: person,
    roleName: ROLE_NAMES.get(person.role) ?? person.role,
    csrfToken: `token-${person.userId}-${n}-"<>`,
    flash: options.flash,
    navigation: navigationFor(person, 'plans'),
    planId: 'plan-"1"',
    ...planShellView(summaryAt(n), panel, when),
    layout: { filtering: Boolean(options.filtered), shown, total: 60 + (n % 7) },
    filters: options.filtered ? { ...filters, values: { ...filters.values, q: HOSTILE[n % HOSTILE.length]! } } : filters,
    when,
    control,
    errors: {},
    errorSummary: [],
    reads: { auditLog: person.role !== 'editor', bundle: n % 2 === 1 },
  };
}

describe("the plan page's kept shell: the same HTML as a plain render", () => {
  it('lays every person, role and instant into the kept shell as a plain render writes them, on a miss and on a hit', () => {
    let pages = 0;
    for (const person of people) {
      for (let n = 0; n < 40; n++) {
        const options = [{}, { time: 'effective' as const }, { time: 'effective' as const, knownAt: '2012-02-01T23:59:59.999Z' }, { now: true }, { filtered: true }, { submissions: 2 }, { flash: '<b>Saved</b> & "done"' }][n % 7]!;
        for (const repeat of [0, 1]) {
          const context = planPageContext(person, n + repeat * 40, options);
          expect(renderFragment('plan.njk', context, PLAN_SHELL_HOLES)).toBe(renderTemplate('plan.njk', context));
          pages += 1;
        }
      }
    }
    expect(pages).toBe(people.length * 80);
  });

  it('keeps one shell per person and what they see for every instant: a new instant finds it kept, with holes', () => {
    for (const person of people) {
      renderFragment('plan.njk', planPageContext(person, 0), PLAN_SHELL_HOLES);
      for (let n = 1; n < 30; n++) {
        const context = planPageContext(person, n);
        // Before this instant is rendered: its words, revision, counts and instant differ, its shell is the kept one.
        expect(keptFragmentKind('plan.njk', context, PLAN_SHELL_HOLES)).toBe('holed');
        expect(renderFragment('plan.njk', context, PLAN_SHELL_HOLES)).toBe(renderTemplate('plan.njk', context));
      }
    }
  });

  it("gives no person another's words, token or navigation", () => {
    const [ann, ed] = [people[0]!, people[1]!];
    const forAnn = renderFragment('plan.njk', planPageContext(ann, 3), PLAN_SHELL_HOLES);
    const forEd = renderFragment('plan.njk', planPageContext(ed, 3), PLAN_SHELL_HOLES);
    expect(forAnn).toContain('value="token-ann-3-&quot;&lt;&gt;"');
    expect(forAnn).not.toContain('token-ed');
    expect(forEd).toContain('value="token-ed-3-&quot;&lt;&gt;"');
    expect(forEd).toContain('Signed in as __proto__ (editor, constructor)');
    expect(forEd).not.toContain('Administration');
    expect(forAnn).toContain('Administration');
  });

  it("writes the rating counts' tags as plan.njk's loop over the counts wrote them", () => {
    const loop = new nunjucks.Environment(null, { autoescape: true });
    loop.addGlobal('tagHtml', tagHtml);
    for (let n = 0; n < 12; n++) {
      const summary = summaryAt(n);
      const counts = n === 11 ? summary.counts.map((c) => ({ ...c, text: HOSTILE[0]!, classes: '"><x' })) : summary.counts;
      const written = loop.renderString('{% for c in counts %}{% if c.count > 0 %}{{ tagHtml(c) | safe }} {{ c.count }}&nbsp; {% endif %}{% endfor %}', { counts });
      expect(planShellView({ ...summary, counts }, null, undefined).plan.countsHtml.toString()).toBe(written);
    }
  });
});
