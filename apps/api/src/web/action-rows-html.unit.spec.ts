import { describe, expect, it } from '@jest/globals';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';
import { asRecorded, decide, foldPlan, formatUkDate, planRagSummary, type PlanCommand, type PlanState, type StoredPlanEvent } from '#domain';
import { actionRowHtml, planLayoutBytes, planLayoutHtml } from './action-rows-html.js';
import { actionView, baseOfRow, cachedActionRow, planLayout } from './plan-page.js';
import { escapeHtml } from './rag-trend-chart.js';
import { renderFragment, renderTemplate } from './web-renderer.js';

/**
 * The plan page's tables are written by a string builder and cached per row (action-rows-html.ts, plan-page.ts),
 * and its forms are cached with the as-at instant's text as holes (web-renderer.ts). What a browser gets must be
 * what the templates and the Design System's macros write, with autoescape: compared here on hostile text.
 */

const require = createRequire(import.meta.url);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const GOVUK_DIST = path.join(path.dirname(require.resolve('govuk-frontend/package.json')), 'dist');
const reference = new nunjucks.Environment(new nunjucks.FileSystemLoader([path.join(HERE, '..', '..', '..', '..', 'test', 'support'), GOVUK_DIST]), { autoescape: true, throwOnUndefined: false });
reference.addFilter('ukDate', (value: unknown) => (typeof value === 'string' && value ? formatUkDate(value.slice(0, 10)) : ''));

/** The same markup either way once the templates' indentation is taken out: whitespace runs to one space, none beside a tag. */
function normalised(html: string): string {
  return html.replace(/\s+/g, ' ').replace(/\s*([<>])\s*/g, '$1');
}

const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);
const HOSTILE = ['<script>alert("x")</script>', `"quoted" & 'single' \\ back\\slash`, '</td></tr><tr><td>', '&amp; &lt; already escaped', ...PROTOTYPE_NAMES];

class Ledger {
  state: PlanState = foldPlan([]);
  private n = 0;

  run(command: PlanCommand, at = '2012-06-01T09:00:00.000Z', by = { id: 'sam', displayName: HOSTILE[1]! }): StoredPlanEvent[] {
    const prefix = `e${++this.n}`;
    let ids = 0;
    const decided = decide(command, this.state, { now: () => new Date(at), newId: () => `${prefix}-${++ids}`, actor: by } as Parameters<typeof decide>[2]);
    const stored = decided.map((event, i) => asRecorded(event, { actor: by, correlationId: `c-${this.n}` }, this.state.revision + 1 + i, at));
    this.state = foldPlan(stored, this.state);
    return stored;
  }
}

const idOf = (events: StoredPlanEvent[], key: string) => (events[0]!.data as Record<string, string>)[key]!;

/** A plan whose every text is hostile: work streams, recommendations, actions (refs named after Object.prototype), leads, notes, ratings. */
function hostilePlan(): { ledger: Ledger; actionIds: string[] } {
  const ledger = new Ledger();
  ledger.run({ type: 'CreatePlan', planId: 'plan-<&>"\'', title: HOSTILE[0]!, organisation: 'A council', respondsTo: HOSTILE[1]! });
  const ws = idOf(ledger.run({ type: 'AddWorkstream', number: '<1>', title: HOSTILE[2]! }), 'workstreamId');
  const rec = idOf(ledger.run({ type: 'AddRecommendation', ref: '__proto__', text: HOSTILE[0]!, workstreamId: ws }), 'recommendationId');
  const actionIds: string[] = [];
  HOSTILE.forEach((text, i) => {
    const placement = i % 3 === 0 ? { recommendationId: rec } : i % 3 === 1 ? { workstreamId: ws } : {};
    const id = idOf(ledger.run({ type: 'AddAction', ref: text.slice(0, 50), description: `${text} ${HOSTILE[i % 4]}`, leads: [text.slice(0, 100), 'Lead "B" & <C>'], target: i % 2 ? 'December 2012' : 'ongoing', dependencies: [], ...placement }), 'actionId');
    actionIds.push(id);
    if (i % 2 === 0) ledger.run({ type: 'RecordProgressUpdate', actionId: id, narrative: `${text} \\ <b>bold</b>`, effectiveAt: '2012-07-01' }, '2012-07-02T09:00:00.000Z');
    if (i % 3 === 0) ledger.run({ type: 'AssessRag', actionId: id, rating: 'green', rationale: text }, '2012-07-03T09:00:00.000Z');
    if (i % 4 === 1) ledger.run({ type: 'SlipTargetDate', actionId: id, to: 'March 2013', reason: text }, '2012-07-04T09:00:00.000Z');
  });
  return { ledger, actionIds };
}

describe('the plan page tables: the string builder writes what the macros wrote', () => {
  it('escapes exactly as autoescape does, backslash included', () => {
    for (const text of HOSTILE) expect(escapeHtml(text)).toBe(String((nunjucks.runtime as unknown as { suppressValue(value: unknown, autoescape: boolean): unknown }).suppressValue(text, true)));
  });

  it('writes the work streams, recommendations and rows of a hostile plan as the macro templates do, now and as at two instants, with approval marks', () => {
    const { ledger, actionIds } = hostilePlan();
    for (const asAt of ['2012-06-15', '2012-10-20', '2013-05-01']) {
      const rag = planRagSummary(ledger.state, asAt);
      for (const awaiting of [undefined, new Set([actionIds[0]!, actionIds[4]!])]) {
        const layout = planLayout(ledger.state, rag, {}, awaiting);
        expect(layout.shown).toBe(HOSTILE.length);
        const built = planLayoutHtml(layout);
        expect(normalised(built)).toBe(normalised(reference.render('plan-layout-reference.njk', { layout })));
        expect(planLayoutBytes(layout).toString('utf8')).toBe(built);
        expect(built).not.toContain('<script>');
        expect(built.split('data-testid="awaiting-approval"').length - 1).toBe(awaiting ? 2 : 0);
      }
    }
  });

  it('reuses the action part of a row only for the same Action object; the rating is always the instant\'s', () => {
    const { ledger, actionIds } = hostilePlan();
    const id = actionIds[1]!;
    const before = ledger.state;
    const early = planRagSummary(before, '2012-06-15');
    const late = planRagSummary(before, '2013-05-01');
    const row = cachedActionRow(before, before.actions[id]!, early.actions[id]);
    // An as-at state that shares the unchanged Action objects (as PlanTimeline's states may) reuses the action part.
    const sharing: PlanState = { ...before, actions: before.actions };
    expect(baseOfRow(cachedActionRow(sharing, before.actions[id]!, early.actions[id]))).toBe(baseOfRow(row));
    // The same action at an instant where it is rated otherwise: the same action part, that instant's rating.
    const laterRow = cachedActionRow(sharing, before.actions[id]!, late.actions[id]);
    expect(late.actions[id]!.rating).not.toBe(early.actions[id]!.rating);
    expect(baseOfRow(laterRow)).toBe(baseOfRow(row));
    expect(laterRow).toEqual(actionView(sharing, before.actions[id]!, late.actions[id]));
    expect(actionRowHtml(laterRow)).toContain(`>${escapeHtml(late.actions[id]!.reasons.join(' '))}<`);
    expect(actionRowHtml(row)).toContain(`>${escapeHtml(early.actions[id]!.reasons.join(' '))}<`);
    // The action changed by an event: a new Action object, whose row shows the change.
    ledger.run({ type: 'RecordProgressUpdate', actionId: id, narrative: 'A new note <i>', effectiveAt: '2012-08-01' }, '2012-08-02T09:00:00.000Z');
    const after = ledger.state;
    const changed = cachedActionRow(after, after.actions[id]!, planRagSummary(after, '2012-06-15').actions[id]);
    expect(baseOfRow(changed)).not.toBe(baseOfRow(row));
    expect(actionRowHtml(changed)).toContain('A new note &lt;i&gt;');
    expect(actionRowHtml(row)).not.toContain('A new note');
    // Another plan's state holding the same Action object (a copy of a plan, say) gets rows linking to its own plan.
    const other = cachedActionRow({ ...before, id: 'other-plan' }, before.actions[id]!, early.actions[id]);
    expect(actionRowHtml(other)).toContain('href="/web/plans/other-plan/actions/');
  });

  it('never lets one viewer\'s approval marks into another\'s rows', () => {
    const { ledger, actionIds } = hostilePlan();
    const rag = planRagSummary(ledger.state, '2012-10-20');
    const marked = planLayoutHtml(planLayout(ledger.state, rag, {}, new Set(actionIds)));
    expect(marked.split('data-testid="awaiting-approval"').length - 1).toBe(HOSTILE.length);
    expect(planLayoutHtml(planLayout(ledger.state, rag))).not.toContain('awaiting-approval');
  });

  it('filters on the cached rows as on fresh ones', () => {
    const { ledger } = hostilePlan();
    const rag = planRagSummary(ledger.state, '2012-10-20');
    const layout = planLayout(ledger.state, rag, { text: 'constructor' });
    const refs = [...layout.workstreams.flatMap((ws) => [...ws.actions, ...ws.recommendations.flatMap((r) => r.actions)]), ...layout.outside.actions, ...layout.outside.recommendations.flatMap((r) => r.actions)].map((a) => a.ref);
    expect(refs.sort()).toEqual(['constructor']);
    expect(normalised(planLayoutHtml(layout))).toBe(normalised(reference.render('plan-layout-reference.njk', { layout })));
  });
});

describe('cached fragments with holes: the same HTML as a plain render', () => {
  const filters = { values: { rating: '', status: '', lead: '', q: '' }, ratings: [{ value: '', text: 'Any rating' }], statuses: [{ value: '', text: 'Any status' }], leads: [{ value: '', text: 'Any lead' }, { value: '__proto__', text: '<Lead> "A"' }] };
  const holes = ['control.day', 'control.month', 'control.year', 'control.asAtTime', 'control.asAtParam', 'control.knownDay', 'control.knownMonth', 'control.knownYear', 'control.knownAtParam', 'when.asAt', 'when.knownAt'];
  const controls = [
    { day: '1', month: '10', year: '2009', asAtTime: '', time: 'recorded', asAtParam: '2009-10-01T09:00:00.000Z', knownDay: '', knownMonth: '', knownYear: '', knownAtParam: '' },
    { day: '"><script>', month: '\\', year: 'constructor', asAtTime: '__proto__', time: 'effective', asAtParam: '&<>"\'', knownDay: 'toString', knownMonth: "'", knownYear: '<', knownAtParam: '2010-01-01' },
    { day: '', month: '10', year: '', asAtTime: '', time: 'effective', asAtParam: '', knownDay: '', knownMonth: '', knownYear: '', knownAtParam: '' },
    { day: '2', month: '11', year: '2010', asAtTime: '14:30', time: 'recorded', asAtParam: '2010-11-02', knownDay: '', knownMonth: '', knownYear: '', knownAtParam: '' },
  ];

  it('fills the as-at control, the filters and the banner with hostile text as a plain render writes it, on a miss and on a hit', () => {
    for (const filtering of [false, true]) {
      for (const control of [...controls, ...controls]) {
        const when = control.asAtParam ? { asAt: control.asAtParam, time: control.time, knownAt: control.knownAtParam || undefined } : undefined;
        const errors = control.day.includes('<') ? { asAt: 'Enter a real date' } : {};
        const forms: [string, Record<string, unknown>][] = [
          ['as-at-control.njk', { planId: 'plan-"1"', control, errors, filters }],
          ['plan-filters.njk', { planId: 'plan-"1"', when, control, filters: filtering ? { ...filters, values: { ...filters.values, q: 'x' } } : filters, layout: { filtering, shown: 1, total: 2 } }],
        ];
        for (const [view, context] of forms) expect(renderFragment(view, context, holes)).toBe(renderTemplate(view, context));
        const banner = { planId: '__proto__', time: control.time, asAtText: control.day, knownAtText: control.knownDay };
        expect(renderFragment('as-at-banner.njk', banner, ['asAtText', 'knownAtText'])).toBe(renderTemplate('as-at-banner.njk', banner));
        const header = { signedIn: control.time === 'recorded', navigation: [{ href: '/web/plans', text: control.year || 'Plans', active: filtering }], csrfToken: control.day };
        expect(renderFragment('layout-header.njk', header, ['csrfToken'])).toBe(renderTemplate('layout-header.njk', header));
      }
    }
  });
});
