import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseColumnMapping } from './column-headers.js';
import { ImportError } from './import-error.js';
import { importCounts, importProblems, type ImportedAction, type ImportedPlan } from './imported-plan.js';
import { interpretPlan, joinText, looksLikeRef } from './interpret-plan.js';
import { readTabularText } from './tabular-text-reader.js';

// The real plans, read once: the interpretation itself is pure.
const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures');
const LAMING = 'central-bedfordshire-laming-2009-progress.txt';
const OFSTED = 'central-bedfordshire-ofsted-action-plan-2012-13.txt';
const SHA = '0'.repeat(64);

function read(text: string, fileName = 'plan.txt', mapping?: unknown): ImportedPlan {
  return interpretPlan(readTabularText(text), { fileName, fileSha256: SHA, ...(mapping ? { mapping: parseColumnMapping(mapping) } : {}) });
}
const fixture = (name: string) => read(readFileSync(path.join(FIXTURES, name), 'utf8'), name);
const actionsOf = (plan: ImportedPlan, recommendationRef: string): ImportedAction[] => plan.actions.filter((a) => a.recommendationRef === recommendationRef);
const action = (plan: ImportedPlan, ref: string): ImportedAction => {
  const found = plan.actions.find((a) => a.ref === ref);
  if (!found) throw new Error(`no action ${ref}`);
  return found;
};

describe('the Laming 2009 progress plan, as a reader sees it', () => {
  const plan = fixture(LAMING);

  it('has exactly the recommendations the council answered', () => {
    expect(plan.recommendations.map((r) => r.ref)).toEqual(['4', '6', '7', '8', '9', '11', '13', '14', '15', '17', '19', '21', '22', '23', '24', '29', '30']);
    expect(plan.workstreams).toEqual([]);
  });

  it("takes its title from the document's heading", () => {
    expect(plan.title).toBe(
      'Laming Recommendations 2009 – Children Families and Learning - Response and Action Plan – June 2009 and update on progress as at 1.10.2009',
    );
    expect(plan.titleRow).toBe(3);
  });

  it("joins recommendation 4's text across the rows it flows over", () => {
    const rec4 = plan.recommendations[0]!;
    expect(rec4.text).toBe(
      "The Government should introduce new statutory targets for safeguarding and child protection alongside the existing statutory attainment and early year's targets as quickly as possible. " +
        'The National Indicator Set should be revised with new national indicators for safeguarding and child protection developed for inclusion in Local Area Agreements for the next Comprehensive Spending Review.',
    );
    expect(rec4.rows).toEqual([6, 7, 8]);
  });

  it('gives recommendation 4 its seven actions, the last one after a page break', () => {
    const actions = actionsOf(plan, '4');
    expect(actions.map((a) => [a.ref, a.rows])).toEqual([
      ['4.1', [6]],
      ['4.2', [7]],
      ['4.3', [8]],
      ['4.4', [9]],
      ['4.5', [10]],
      ['4.6', [11]],
      ['4.7', [16]],
    ]);
    expect(actions[0]).toEqual({
      ref: '4.1',
      recommendationRef: '4',
      description: "Performance team to include in revised performance framework for Children and Young People's Plan 2009/10.",
      leads: ['Peter Worthington', 'Iain Melville'],
      priority: 'High Priority',
      target: 'With immediate effect once guidance is available.',
      dependencies: [],
      progress: { narrative: 'Comprehensive framework and regular reporting to all managers is in place', asAt: '2009-10-01' },
      rows: [6],
      problems: [],
    });
    expect(actions[6]?.leads).toEqual(['Sally Stocker', 'Sue Ioannou', 'Local Safeguarding Children Board partners']);
  });

  it('keeps the letters and numerals the plan gives its actions, and numbers the rest', () => {
    expect(actionsOf(plan, '8').map((a) => a.ref)).toEqual(['8.a', '8.b', '8.c', '8.4']);
    expect(actionsOf(plan, '13').map((a) => a.ref)).toEqual(['13.i', '13.ii', '13.iii', '13.iv', '13.v']);
    expect(action(plan, '13.i').description).toBe('(i) Head of Service and Team Managers to ensure through supervision that these are undertaken.');
    expect(action(plan, '13.iii').rows).toEqual([59]);
  });

  it("reads recommendation 19's bullet points as lines, and its eight actions", () => {
    const rec19 = plan.recommendations.find((r) => r.ref === '19')!;
    expect(rec19.text.split('\n')).toEqual([
      "The Department for Children, Schools and Families must strengthen Working Together to Safeguard Children, and Children's Trusts must take appropriate action to ensure:",
      "• all referrals to children's services from other professionals lead to an initial assessment, including direct involvement with the child or young person and their family, and the direct engagement with, and feedback to, the referring professional;",
      '• core group meetings, reviews and casework decisions include all the professionals involved with the child, particularly police, health, youth services and education colleagues. Records must be kept which must include the written views of those who cannot make such meetings; and',
      '• formal procedures are in place for managing a conflict of opinions between professionals from different services over the safety of a child.',
    ]);
    expect(actionsOf(plan, '19')).toHaveLength(8);
  });

  it('starts a new action when a row after a page break continues the recommendation but has its own action', () => {
    expect(plan.recommendations.find((r) => r.ref === '21')?.text).toMatch(/guidance on referral and assessment systems for children affected by domestic violence/);
    expect(actionsOf(plan, '21').map((a) => [a.description, a.target, a.rows])).toEqual([
      ['Take account of findings and implications once guidance is published', 'To be advised', [102]],
      ["Children and Young People's Plan to reflect priorities in respect of key areas", 'September 2009', [107]],
    ]);
  });

  it('keeps priorities, targets and leads as written', () => {
    expect(action(plan, '6.3')).toMatchObject({ priority: 'High priority', target: 'October 2009.and monthly thereafter' });
    expect(action(plan, '8.a').leads).toEqual(['Martin Pratt and key partners from education, health, police and probation']);
    expect(action(plan, '24.3').leads).toEqual(['Martin Pratt']);
    expect(action(plan, '29.1').leads).toEqual(['Martin Pratt', 'Patrick Shevlin (Chris Gill)']);
  });

  it('counts what the plan holds', () => {
    // 39 leads: "Local Safeguarding Children Board and Children's Trust Board" names two boards.
    expect(importCounts(plan)).toEqual({ workstreams: 0, phases: 0, recommendations: 17, actions: 67, leads: 39, progressNotes: 59 });
  });

  it('reports the rows a reader should check', () => {
    expect(importProblems(plan).filter((p) => p.severity !== 'info').map((p) => [p.code, p.rows])).toEqual([
      ['NO_LEAD', [10]],
      ['NO_TARGET', [62]],
      ['NO_TARGET', [67]],
      ['NO_TARGET', [77]],
      ['NO_TARGET', [115]],
    ]);
  });
});

describe('the Ofsted 2012-13 post-inspection plan, as a reader sees it', () => {
  const plan = fixture(OFSTED);

  it('has nine workstreams in two phases, with their strategic leads and key aims', () => {
    expect(plan.workstreams.map((w) => [w.number, w.title, w.phase?.slice(0, 7)])).toEqual([
      ['1', 'Safeguarding – actions in first six months', 'Phase 1'],
      ['2', 'Safeguarding - Health actions in the first six months', 'Phase 1'],
      ['3', 'Looked After Children: Health actions in the first six months', 'Phase 1'],
      ['4', 'Looked After Children: actions in the first six months', 'Phase 1'],
      ['5', 'Safeguarding Improvement Plan: From Good to Outstanding', 'Phase 2'],
      ['6', 'Looked After Children Improvement Plan', 'Phase 2'],
      ['7', 'Health Improvement Plan (safeguarding)', 'Phase 2'],
      ['8', 'Looked After Children Health Improvement Plan', 'Phase 2'],
      ['9', 'Equality and Diversity Improvement Plan', 'Phase 2'],
    ]);
    expect(plan.workstreams[0]).toMatchObject({
      phase: 'Phase 1: Safeguarding and Looked After Children April – October 2012',
      strategicLead: 'Interim Assistant Director, Children’s Services Operations, Central Bedfordshire Council',
      keyAim: 'To address the recommendations in the inspection report in the required timescale',
      rows: [49, 66, 67],
    });
    expect(plan.workstreams[6]?.keyAim).toBe('To advance improvements in the contribution of health agencies to keeping children and young people safe in Central Bedfordshire');
    expect(importCounts(plan)).toMatchObject({ workstreams: 9, phases: 2 });
  });

  it('reads each key deliverable as a recommendation within its workstream', () => {
    const perWorkstream = plan.workstreams.map((w) => plan.recommendations.filter((r) => r.workstream === w.number).length);
    expect(perWorkstream).toEqual([4, 4, 5, 9, 8, 13, 10, 12, 5]);
    expect(plan.recommendations[0]).toEqual({
      ref: '1.1',
      workstream: '1',
      text: 'Guidance to be issued that outlines the purpose and benefits of chronologies in case assessment, planning and review.',
      rows: [78],
      problems: [],
    });
    expect(importCounts(plan)).toMatchObject({ recommendations: 70, actions: 104 });
  });

  it('reads each row of a key deliverable as an action with its start and target, across a page break', () => {
    expect(actionsOf(plan, '1.1').map((a) => [a.ref, a.startDate, a.target, a.rows[0]])).toEqual([
      ['1.1.1', 'May 2012', '30 September 2012', 78],
      ['1.1.2', 'May 2012', '30 July 2012', 79],
      ['1.1.3', 'July 2012', '30 September 2012', 80],
      ['1.1.4', 'July 2012', 'Sept 2012 and ongoing', 81],
      ['1.1.5', 'May 2012', 'May 2012', 82],
      ['1.1.6', 'May 2012', 'June 2012', 83],
      ['1.1.7', 'May 2012', 'July 2012', 87],
    ]);
    expect(action(plan, '1.1.1')).toMatchObject({
      workstream: '1',
      description: 'Review functionality in CCMS and any changes which might be required to deliver best practice.',
      leads: ['Audit Manager QA'],
      dependencies: ['FWi update planned for Sept 2012 which will include revised functionality in relation to chronologies'],
    });
  });

  it('splits a lead on "and" only where both parts are roles', () => {
    expect(action(plan, '1.3.2').leads).toEqual(['Head of QA', 'Audit Manager']);
    expect(action(plan, '2.1.1').leads).toContain('Chris Myers & Dawn Andrews SEPT');
  });

  it('reads leads, starts and targets written as paragraphs', () => {
    expect(action(plan, '2.1.1')).toMatchObject({
      leads: ['Anne Murray NHS Bedfordshire', 'Chris Myers & Dawn Andrews SEPT', 'East & Midlands SHA'],
      startDate: 'April 2012\n18th June 2012',
      target: 'October 2012\nOctober 2012\nOctober 2012',
      dependencies: ['Additional staff recruited & trained.', 'Cost to PCT has been agreed'],
    });
    expect(action(plan, '3.1.1').target).toBe('9th June 2012');
  });

  it('merges a row whose cells carry on past a page break into the row above, column by column', () => {
    expect(plan.recommendations.find((r) => r.ref === '3.3')).toMatchObject({
      text: "Ensure Health Assessments are robust and inclusive with evidence of the assessment of emotional health and well-being including use of Strength and Difficulties Questionnaires (SDQ's)",
      rows: [154, 158],
    });
    expect(action(plan, '3.3.1')).toMatchObject({
      leads: ['Head of Social Care', 'Deputy Chief Operating Officer (SEPT)', 'Designated Nurse'],
      startDate: '3rd May 2012\nApril 2012',
      dependencies: ['Social Care to provide timely SDQ information to LAC Health team'],
      rows: [154, 158],
    });
    expect(action(plan, '3.3.1').description).toMatch(/^Workshop 3rd May 2012 to agree pathway with local authorities for use of Strength and Difficulties Questionnaires \(SDQ\) Every child/);
  });

  it('joins a lone dependencies fragment to the dependencies above it', () => {
    expect(action(plan, '3.1.3')).toMatchObject({
      dependencies: ["Social workers to ensure dental checks are completed. IRO's to monitor performance and challenge non compliance with recommendations arising from health plans and LAC reviews"],
      rows: [146, 150],
    });
  });

  it('reads an Actions cell with no description as the action itself', () => {
    expect(action(plan, '8.11.2')).toMatchObject({ description: 'Stakeholder engagement', startDate: 'May 2012', target: 'July 2012', rows: [362] });
  });

  it('gathers the actions of a key deliverable that is cited twice', () => {
    expect(actionsOf(plan, '9.7').map((a) => a.rows)).toEqual([[389], [402]]);
    expect(actionsOf(plan, '9.1,2&4').map((a) => a.ref)).toEqual(['9.1,2&4.1', '9.1,2&4.2', '9.1,2&4.3']);
  });

  it('reports the targets set before their starts', () => {
    const clashes = importProblems(plan).filter((p) => p.code === 'TARGET_BEFORE_START');
    expect(clashes.map((p) => [p.ref, p.rows])).toEqual([
      ['5.2.1', [229]],
      ['5.5.1', [232]],
      ['6.6.1', [267]],
    ]);
    expect(clashes[0]?.message).toBe('Line 229 (action 5.2.1): the target "February 2012" (2012-02-29) is before the start "September 2012" (2012-09-01)');
  });

  it('reports the stray outcome pasted into the table, and the key deliverables cited twice', () => {
    const info = importProblems(plan).filter((p) => p.severity === 'info' && p.code !== 'TEXT_NOT_IMPORTED' && p.code !== 'INFERRED_STATUS');
    expect(info.map((p) => [p.code, p.rows])).toEqual([
      ['SKIPPED_ROW', [343]],
      ['REPEATED_REFERENCE', [402]],
      ['REPEATED_REFERENCE', [403]],
    ]);
  });
});

describe('interpretPlan on small tables', () => {
  it('skips a header repeated at a page break', () => {
    const plan = read('Ref\tAction\tLead\n1\tFirst\tAnn\n\nRef\tAction\tLead\n\tSecond\tBob\n');
    expect(plan.actions.map((a) => [a.ref, a.description, a.leads, a.rows])).toEqual([
      ['1.1', 'First', ['Ann'], [2]],
      ['1.2', 'Second', ['Bob'], [5]],
    ]);
  });

  it('reads a table whose headers only an explicit mapping names', () => {
    const plan = read('No\tWhat we will do\tWho\tWhen\n1\tWrite the guidance\tAnn / Bob\tMay 2012\n', 'plan.txt', { 'What we will do': 'action', Who: 'leads', When: 'target' });
    expect(plan.actions[0]).toMatchObject({ ref: '1.1', description: 'Write the guidance', leads: ['Ann', 'Bob'], target: 'May 2012' });
  });

  it('records RAG ratings and reports those it cannot read', () => {
    const plan = read('Ref\tAction\tLead\tTarget\tRAG\n1\tOne\tAnn\tMay 2012\tGreen\n\tTwo\tAnn\tMay 2012\tPurple\n');
    expect(plan.actions.map((a) => a.rag)).toEqual(['green', undefined]);
    expect(importProblems(plan).map((p) => p.code)).toEqual(['UNREADABLE_RAG']);
  });

  it('dates progress notes only when the column header gives a date', () => {
    const plan = read('Ref\tAction\tProgress update\n1\tOne\tStarted\n');
    expect(plan.actions[0]?.progress).toEqual({ narrative: 'Started' });
  });

  it('refuses a file with no header row, saying which columns it expected', () => {
    expect(() => read('4\tThe Government should…\tPerformance team\n')).toThrow(ImportError);
    expect(() => read('4\tThe Government should…\tPerformance team\n')).toThrow(/no header row.*line 1.*Rec No/);
    expect(() => read('Just a paragraph\n')).toThrow(/no line has cells side by side.*--layout cell-per-line/);
  });

  it('refuses a file with only blank lines or only a header', () => {
    expect(() => read('\n\n')).toThrow(expect.objectContaining({ code: 'EMPTY_FILE' }));
    expect(() => read('Rec No\tAction\tLead\n')).toThrow(expect.objectContaining({ code: 'NOTHING_TO_IMPORT' }));
  });
});

describe('the helpers of the interpretation', () => {
  it('joins cut text with a space mid-sentence and a new line for a list item or a new sentence', () => {
    expect(joinText('as quickly as possible. The', 'National Indicator Set')).toBe('as quickly as possible. The National Indicator Set');
    expect(joinText('to ensure:', '• all referrals')).toBe('to ensure:\n• all referrals');
    expect(joinText('Done.', 'Next thing')).toBe('Done.\nNext thing');
    expect(joinText('Done.', 'and more')).toBe('Done. and more');
  });

  it('tells references from sentences in the reference column', () => {
    for (const ref of ['4', '1.', '19(b)', '1, 2, 3, 4', '1, 2 & 4', '5 & 6.', 'All']) expect(looksLikeRef(ref)).toBe(true);
    for (const text of ['12. Ensure practice moves from inadequate', 'ACTION PLAN', '']) expect(looksLikeRef(text)).toBe(false);
  });
});
