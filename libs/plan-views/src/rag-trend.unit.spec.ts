import { describe, expect, it } from '@jest/globals';
import { intervalEnds } from './rag-trend.js';

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
