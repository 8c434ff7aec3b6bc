import { describe, expect, it } from '@jest/globals';
import type { RagAssessment } from '#domain';
import { latestRagAssessmentOf } from './plan-view.js';

/** The rule as it was written before: every instant read by Date.parse; NaN never "earlier"; a tie goes to the later. */
function latestByParsing(assessments: readonly RagAssessment[]): RagAssessment | undefined {
  let latest: RagAssessment | undefined;
  for (const assessment of assessments) if (!latest || !(Date.parse(assessment.effectiveAt) < Date.parse(latest.effectiveAt))) latest = assessment;
  return latest;
}

/** One instant in the forms an IsoInstant may take: as toISOString writes it, without milliseconds, more digits, an offset. */
function spelt(ms: number, form: number): string {
  const iso = new Date(ms).toISOString();
  switch (form) {
    case 0:
      return iso;
    case 1:
      return ms % 1000 === 0 ? `${iso.slice(0, 19)}Z` : iso;
    case 2:
      return `${iso.slice(0, 23)}000Z`;
    case 3: {
      const local = new Date(ms + 3_600_000).toISOString();
      return `${local.slice(0, 23)}+01:00`;
    }
    default: {
      const local = new Date(ms - 5 * 3_600_000 - 1_800_000).toISOString();
      return `${local.slice(0, 23)}-05:30`;
    }
  }
}

describe('the latest RAG assessment of an action', () => {
  it('is the one taking effect last however each instant is written, the later recorded of a tie, as reading every instant as a date gives', () => {
    let random = 20091001;
    const next = () => ((random = (Math.imul(random, 1103515245) + 12345) >>> 0) / 2 ** 32);
    // Few distinct instants, so ties (the same instant, written alike or not) are common; whole seconds, so form 1 drops the milliseconds.
    const pool = Array.from({ length: 6 }, (_, i) => Date.parse('2010-03-31T23:00:00.000Z') + i * 1_800_000 + (i % 2) * 250);
    let mixedTies = 0;
    for (let list = 0; list < 3000; list++) {
      const canonicalOnly = list % 3 === 0;
      const assessments: RagAssessment[] = Array.from({ length: 1 + Math.floor(next() * 7) }, (_, i) => ({
        eventId: `e${list}-${i}`,
        recordedAt: '2010-04-01T09:00:00.000Z',
        effectiveAt: spelt(pool[Math.floor(next() * pool.length)]!, canonicalOnly ? 0 : Math.floor(next() * 5)),
        actor: 'Rachel Deakin',
        rating: 'amber',
        rationale: 'Reviewed',
      }));
      const expected = latestByParsing(assessments);
      if (assessments.some((a) => a !== expected && a.effectiveAt !== expected!.effectiveAt && Date.parse(a.effectiveAt) === Date.parse(expected!.effectiveAt))) mixedTies++;
      expect(latestRagAssessmentOf({ ragAssessments: assessments })).toBe(expected);
    }
    // The test means something only if one instant written two ways often meets itself.
    expect(mixedTies).toBeGreaterThan(100);
    expect(latestRagAssessmentOf({ ragAssessments: [] })).toBeUndefined();
  });
});
