import { describe, expect, it } from '@jest/globals';
import { FixedWindowCounter } from './rate-limits.js';

describe('FixedWindowCounter', () => {
  it('refuses the request after the limit within a minute, and starts again in the next', () => {
    let now = 0;
    const counter = new FixedWindowCounter(2, 100, () => now);
    expect([counter.hit('a').over, counter.hit('a').over, counter.hit('a').over]).toEqual([false, false, true]);
    expect(counter.exhausted('a').over).toBe(true);
    now = 60_000;
    expect(counter.exhausted('a').over).toBe(false);
    expect(counter.hit('a').over).toBe(false);
  });

  it('holds at most maxKeys windows however many keys arrive, evicting the oldest first', () => {
    let now = 0;
    const counter = new FixedWindowCounter(1, 1000, () => now);
    for (let i = 0; i < 100_000; i++) {
      now = i; // all within one minute: nothing has expired, so only eviction keeps the map bounded
      counter.hit(`address-${i}`);
    }
    expect(counter.size).toBe(1000);
    // The newest are still counted; the oldest were forgotten.
    expect(counter.exhausted('address-99999').over).toBe(true);
    expect(counter.exhausted('address-0').over).toBe(false);
  });

  it('forgets expired windows before evicting live ones', () => {
    let now = 0;
    const counter = new FixedWindowCounter(1, 3, () => now);
    counter.hit('old-1');
    counter.hit('old-2');
    now = 30_000;
    counter.hit('live');
    now = 61_000;
    counter.hit('new-1');
    counter.hit('new-2');
    expect(counter.exhausted('live').over).toBe(true);
    expect(counter.size).toBe(3);
  });
});
