import { describe, expect, it } from '@jest/globals';
import { DEFAULT_RETRY_POLICY, retryDelay, type RetryPolicy } from './retry-policy.js';

describe('the retry policy', () => {
  const policy = (random: number): RetryPolicy => ({ maxAttempts: 50, baseDelayMs: 5, maxDelayMs: 50, random: () => random });

  it('doubles the ceiling of the wait after each failed attempt, up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 40].map((attempt) => retryDelay(policy(0.5), attempt))).toEqual([2.5, 5, 10, 20, 25, 25, 25]);
  });

  it('waits a random share of the ceiling, so writers that collided spread out', () => {
    expect(retryDelay(policy(0), 3)).toBe(0);
    expect(retryDelay(policy(0.25), 3)).toBe(5);
    expect(retryDelay(policy(0.999), 3)).toBeLessThan(20);
  });

  it('is one frozen object that every stream shares unless a caller passes its own', () => {
    expect(Object.isFrozen(DEFAULT_RETRY_POLICY)).toBe(true);
    expect(DEFAULT_RETRY_POLICY).toMatchObject({ maxAttempts: 50, baseDelayMs: 5, maxDelayMs: 50 });
  });
});
