import { describe, expect, it } from '@jest/globals';
import { detectHeaderRow, parseColumnMapping, recogniseColumn, sameColumns } from './column-headers.js';
import { ImportError } from './import-error.js';

describe('detectHeaderRow', () => {
  it("reads the Laming plan's header, with the date of its progress column", () => {
    const header = detectHeaderRow(
      ['Rec No', 'Recommendations for CFL', 'Action', 'Date for completion /Review', 'Priority', 'Responsible manager(s)', 'Progress as at 1.10.09'],
      5,
    );
    expect(header).toMatchObject({
      line: 5,
      kind: 'actions',
      fields: ['ref', 'recommendation', 'action', 'target', 'priority', 'leads', 'progress'],
      progressAsAt: '2009-10-01',
    });
  });

  it("reads the Ofsted plan's header, whether it says Key Del or All Key Del", () => {
    const cells = ['Key Del', 'Actions', 'Description (including PIs)', 'Lead', 'Dependencies on other actions/work streams', 'Start Date', 'Target End Date'];
    const header = detectHeaderRow(cells, 77);
    expect(header?.fields).toEqual(['ref', 'action', 'description', 'leads', 'dependencies', 'start', 'target']);
    const again = detectHeaderRow(['All Key Del', ...cells.slice(1)], 223);
    expect(sameColumns(header!, again!)).toBe(true);
  });

  it('reads the work stream summary as a table of workstreams', () => {
    expect(detectHeaderRow(['RAG', 'Work Stream', 'Strategic Lead Officers'], 47)).toMatchObject({ kind: 'workstreams', fields: ['rag', 'workstream', 'strategicLead'] });
  });

  it('does not take a data row for a header', () => {
    expect(detectHeaderRow(['', '', 'Performance reported to Management Team', 'Monthly', 'High Priority', 'Martin Pratt', ''], 9)).toBeUndefined();
    expect(detectHeaderRow(['Priority', 'Lead'], 1)).toBeUndefined();
  });

  it('reads headers whatever their case, spacing or markup', () => {
    expect(recogniseColumn('  TARGET   END DATE ')).toBe('target');
    expect(recogniseColumn('<b>Rec No.</b>')).toBe('ref');
    expect(recogniseColumn('Date for completion / Review')).toBe('target');
    expect(recogniseColumn('Lead Officer')).toBe('leads');
    expect(recogniseColumn('Assigned to')).toBe('leads');
    expect(recogniseColumn('Proposed Action')).toBe('action');
    expect(recogniseColumn('Timescale')).toBe('target');
    expect(recogniseColumn('Progress update')).toBe('progress');
    expect(recogniseColumn('Dependencies')).toBe('dependencies');
    expect(recogniseColumn('RAG')).toBe('rag');
  });

  it('leaves the progress date out when the header gives none, and reports one it cannot read', () => {
    expect(detectHeaderRow(['Ref', 'Action', 'Progress'], 1)?.progressAsAt).toBeUndefined();
    expect(detectHeaderRow(['Ref', 'Action', 'Progress as at the last board'], 1)).toMatchObject({ unreadableProgressDate: 'the last board' });
  });
});

describe('an explicit column mapping', () => {
  it('overrides and extends the known names', () => {
    const mapping = parseColumnMapping('{"No.": "ref", "What we will do": "action", "Who": "leads", "When": "target", "Priority": "ignore"}');
    expect(detectHeaderRow(['No.', 'What we will do', 'Who', 'When', 'Priority'], 1, mapping)?.fields).toEqual(['ref', 'action', 'leads', 'target', 'ignore']);
  });

  it('is refused when it is not JSON or names a field that does not exist', () => {
    expect(() => parseColumnMapping('{"Who": ')).toThrow(ImportError);
    expect(() => parseColumnMapping({ Who: 'owner' })).toThrow(/"Who"/);
    expect(() => parseColumnMapping({})).toThrow(/at least one column/);
  });
});
