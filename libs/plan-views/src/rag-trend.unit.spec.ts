import { describe, expect, it } from '@jest/globals';
import { configureRagRules, decide, DEFAULT_RAG_RULES, DomainError, foldPlan, planRagSummary, type PlanCommand, type StoredPlanEvent } from '#domain';
import { asAtReplay, intervalEnds, ragTrendPoints, trendPointOf } from './rag-trend.js';

describe('intervalEnds', () => {
  it('gives the last instant of each month, then the end of the range itself', () => {
    expect(intervalEnds('2012-07-15T00:00:00Z', '2012-10-10T12:00:00Z', 'month')).toEqual([
      '2012-07-31T23:59:59.999Z',
      '2012-08-31T23:59:59.999Z',
      '2012-09-30T23:59:59.999Z',
      '2012-10-10T12:00:00.000Z',
    ]);
  });

  it('does not repeat the end of the range when it falls on a month end', () => {
    expect(intervalEnds('2012-11-01T00:00:00Z', '2012-12-31T23:59:59.999Z', 'month')).toEqual(['2012-11-30T23:59:59.999Z', '2012-12-31T23:59:59.999Z']);
  });

  it('steps by quarter ends and by weeks', () => {
    expect(intervalEnds('2012-05-01T00:00:00Z', '2013-01-15T00:00:00Z', 'quarter')).toEqual(['2012-06-30T23:59:59.999Z', '2012-09-30T23:59:59.999Z', '2012-12-31T23:59:59.999Z', '2013-01-15T00:00:00.000Z']);
    expect(intervalEnds('2012-10-01T00:00:00Z', '2012-10-20T00:00:00Z', 'week')).toEqual(['2012-10-07T23:59:59.999Z', '2012-10-14T23:59:59.999Z', '2012-10-20T00:00:00.000Z']);
  });

  it('gives just the end when the range is within one interval', () => {
    expect(intervalEnds('2012-10-01T00:00:00Z', '2012-10-02T00:00:00Z', 'month')).toEqual(['2012-10-02T00:00:00.000Z']);
  });
});

/** A plan decided by the real domain over two years: recurring and dated targets, late and missing updates, slips, statuses, completions, sign-offs. */
function trendPlan(): StoredPlanEvent[] {
  let seed = 5;
  const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  let ids = 0;
  let clock = Date.parse('2012-04-02T09:00:00.000Z');
  const ctx = { now: () => new Date(clock), newId: () => `00000000-0000-7000-8000-${String(++ids).padStart(12, '0')}` };
  let state = foldPlan([]);
  const events: StoredPlanEvent[] = [];
  const run = (command: PlanCommand) => {
    try {
      const stored = decide(command, state, ctx).map(
        (e, i) => ({ eventId: e.eventId, type: e.type, data: e.data, revision: state.revision + 1 + i, recordedAt: new Date(clock).toISOString(), metadata: { schemaVersion: 1, actor: { id: 'rd', displayName: 'Rachel Deakin' }, correlationId: 'c', ...(e.effectiveAt ? { effectiveAt: e.effectiveAt } : {}), ...(e.reason ? { reason: e.reason } : {}) } }) as StoredPlanEvent,
      );
      state = foldPlan(stored, state);
      events.push(...stored);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
    }
  };
  run({ type: 'CreatePlan', planId: 'p-1', title: 'Ofsted 2012', organisation: 'Central Bedfordshire Council', respondsTo: 'Ofsted 2012', effectiveAt: '2012-04-01' });
  for (let r = 1; r <= 4; r++) run({ type: 'AddRecommendation', ref: String(r), text: `Recommendation ${r}` });
  const targets = ['30 September 2012', 'Quarterly', 'Monthly', 'Sept 2012 and ongoing', 'March 2013', 'Awaiting guidance', 'To be advised', 'First audit by June 2012. Thereafter 6 monthly'];
  for (let a = 0; a < 24; a++) run({ type: 'AddAction', ref: `${(a % 4) + 1}.${a}`, recommendationId: state.recommendationOrder[a % 4], description: `Action ${a}`, leads: ['Audit Manager'], target: pick(targets), ...(a % 3 ? { startDate: pick(['May 2012', 'July 2012', 'October 2012']) } : {}), dependencies: [] });
  for (let week = 0; week < 100; week++) {
    clock += 7 * 86_400_000;
    const day = (daysAgo: number) => new Date(clock - daysAgo * 86_400_000).toISOString().slice(0, 10);
    for (const actionId of state.actionOrder) {
      const roll = next();
      if (roll < 0.2) run({ type: 'RecordProgressUpdate', actionId, narrative: 'Reported to the board', effectiveAt: day(Math.floor(next() * 30)) });
      else if (roll < 0.22) run({ type: 'SlipTargetDate', actionId, to: pick(targets), reason: 'Post vacant' });
      else if (roll < 0.235) run({ type: 'ChangeActionStatus', actionId, to: pick(['blocked', 'in_progress', 'superseded'] as const), reason: 'Reviewed' });
      else if (roll < 0.25) run({ type: 'CompleteAction', actionId, effectiveAt: day(2) });
      else if (roll < 0.26) run({ type: 'AssessRag', actionId, rating: pick(['green', 'amber', 'red'] as const), rationale: 'Board' });
    }
    if (next() < 0.05) run({ type: 'SignOffRecommendation', recommendationId: pick(state.recommendationOrder), effectiveAt: day(1) });
  }
  return events;
}

describe('ragTrendPoints', () => {
  it('counts what the full RAG summary counts at every point (the tally puts no reason into words, and gives the same figures)', () => {
    const events = trendPlan();
    expect(events.length).toBeGreaterThan(500);
    const first = events[0]!.recordedAt;
    const last = new Date(Date.parse(events.at(-1)!.recordedAt) + 200 * 86_400_000).toISOString();
    const instants = [...intervalEnds(first, last, 'week'), ...intervalEnds(first, last, 'month')];
    for (const rules of [DEFAULT_RAG_RULES, configureRagRules({ dueSoonDays: 0, ongoingReviewCadence: { every: 1, unit: 'week', label: 'Weekly' } })]) {
      for (const time of ['recorded', 'effective'] as const) {
        const points = ragTrendPoints(events, instants, time, rules);
        expect(points.map((point) => point.at)).toEqual(instants);
        const replay = asAtReplay(events);
        instants.forEach((at, i) => expect(points[i]).toEqual(trendPointOf(at, planRagSummary(replay({ asAt: at, time }), at, rules))));
      }
    }
    // The trend moves: not every point alike.
    const points = ragTrendPoints(events, instants, 'recorded', DEFAULT_RAG_RULES);
    expect(new Set(points.map((p) => `${p.green}/${p.amber}/${p.red}/${p.complete}/${p.sentence}`)).size).toBeGreaterThan(20);
  });
});
