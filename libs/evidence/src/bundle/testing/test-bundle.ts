import { DEFAULT_RAG_RULES } from '#domain';
import type { SigningKey } from '../../signing-key.js';
import { buildEvidenceBundle } from '../bundle-writer.js';
import { TEST_PLAN_ID, testPlanEvents } from './bundle-test-plan.js';

/** The test plan's bundle as at the end of 2012 in effective time, made at a fixed instant: the one most tests verify. */
export function buildTestBundle(signingKey: SigningKey, extra: Partial<Parameters<typeof buildEvidenceBundle>[0]> = {}): ReturnType<typeof buildEvidenceBundle> {
  return buildEvidenceBundle({
    planId: TEST_PLAN_ID,
    events: testPlanEvents(),
    asAt: '2012-12-31T23:59:59.999Z',
    time: 'effective',
    rules: DEFAULT_RAG_RULES,
    signingKey,
    generator: { name: 'safeguarding-evidence-ledger', version: '0.1.0-test' },
    createdAt: '2013-03-01T09:00:00.000Z',
    ...extra,
  });
}
