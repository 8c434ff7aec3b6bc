import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decide } from '../../plan/decide.js';
import { foldPlan } from '../../plan/evolve.js';
import type { PlanCommand } from '../../plan/plan-commands.js';
import type { StoredPlanEvent } from '../../plan/plan-events.js';
import type { PlanState } from '../../plan/plan-state.js';
import { own } from '../../shared/dictionary.js';
import { DomainError } from '../../shared/domain-error.js';
import { recorded } from '../../testing/plan-decider-spec.js';

/**
 * The two real plans in ../shared/fixtures, read row by row into the ledger through the real decide, then given a
 * seeded history of the kind councils record (monthly progress, some late or missing, slips to the fuzzy targets
 * councils write, assessments, blocks, completions, sign-offs, corrections), so that the RAG equivalence test rates
 * real target words ("Sept 2012 and ongoing", "With immediate effect once guidance is available.", "Quarterly")
 * through years of entries. Test support only.
 */

const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures');

interface Row {
  recommendation?: string;
  description: string;
  target: string;
  start?: string;
  leads: string[];
}

/** Laming 2009: Rec No, Recommendation, Action, Date for completion/Review, Priority, Responsible manager(s), Progress. */
function lamingRows(): Row[] {
  const rows: Row[] = [];
  let current: string | undefined;
  for (const line of readFileSync(path.join(FIXTURES, 'central-bedfordshire-laming-2009-progress.txt'), 'utf8').split(/\r?\n/)) {
    const cells = line.split('\t').map((cell) => cell.trim());
    if (cells.length !== 7 || cells[0] === 'Rec No') continue;
    if (cells[0] !== '') current = cells[0];
    if (!current || !cells[2]) continue;
    rows.push({ recommendation: `L${current}|${cells[1] || current}`, description: cells[2]!, target: cells[3]!, leads: cells[5] ? cells[5].split(' / ') : [] });
  }
  return rows;
}

/** Ofsted 2012-13: Key Del, Actions, Description, Lead, Dependencies, Start Date, Target End Date. */
function ofstedRows(): Row[] {
  const rows: Row[] = [];
  let current: string | undefined;
  let n = 0;
  for (const line of readFileSync(path.join(FIXTURES, 'central-bedfordshire-ofsted-action-plan-2012-13.txt'), 'utf8').split(/\r?\n/)) {
    const cells = line.split('\t').map((cell) => cell.trim());
    if (cells.length !== 7 || cells[0] === 'Key Del') continue;
    if (cells[0] !== '') current = `K${++n}|${cells[1] || cells[0]}`;
    const description = cells[2] || cells[1];
    if (!description) continue;
    rows.push({ ...(current ? { recommendation: current } : {}), description, target: cells[6]!, ...(cells[5] ? { start: cells[5] } : {}), leads: cells[3] ? [cells[3]] : [] });
  }
  return rows;
}

/** A tiny seeded generator (an LCG is plenty for picking test histories). */
function random(seed: number) {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return { next, pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]! };
}

const SLIP_TARGETS = ['31 March 2013', 'June 2013', 'Quarterly', 'Ongoing', 'Sept 2013 and ongoing', '6 monthly', 'Awaiting guidance', 'To be advised', 'Completed', 'Monthly', 'First audit by June 2013. Thereafter 6 monthly', 'From October 2013', '30 November 2012'];

/**
 * One fixture plan and its history. `fromYear` is when the plan begins: its entries are recorded monthly for
 * `months` months from then; `effectiveAt` of the import is the start of that year.
 */
export function fixturePlan(which: 'laming' | 'ofsted', seed = 1): { events: StoredPlanEvent[]; state: PlanState } {
  const rows = which === 'laming' ? lamingRows() : ofstedRows();
  const startMs = Date.parse(which === 'laming' ? '2009-06-01T09:00:00.000Z' : '2012-04-01T09:00:00.000Z');
  const months = 40;
  const r = random(seed);
  let ids = 0;
  let clock = startMs;
  const ctx = { now: () => new Date(clock), newId: () => `01900000-0000-7000-8000-${(++ids).toString(16).padStart(12, '0')}` };
  let state = foldPlan([]);
  const events: StoredPlanEvent[] = [];
  const run = (command: PlanCommand): boolean => {
    let decided;
    try {
      decided = decide(command, state, ctx);
    } catch (error) {
      // The rules refuse it (completing a completed action, a date before the plan): the plan moves on.
      if (error instanceof DomainError) return false;
      throw error;
    }
    const stored = recorded(decided, state.revision + 1, new Date(clock).toISOString());
    state = foldPlan(stored, state);
    events.push(...stored);
    return true;
  };
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const importDay = day(startMs);
  run({ type: 'CreatePlan', planId: `plan-${which}`, title: which, organisation: 'Central Bedfordshire Council', respondsTo: 'Ofsted', effectiveAt: importDay });
  const recommendations = new Map<string, string>();
  for (const row of rows) {
    if (row.recommendation && !recommendations.has(row.recommendation)) {
      const [ref, text] = row.recommendation.split('|') as [string, string];
      run({ type: 'AddRecommendation', ref, text, effectiveAt: importDay });
      recommendations.set(row.recommendation, state.recommendationOrder.at(-1)!);
    }
  }
  rows.forEach((row, i) => {
    const recommendationId = row.recommendation ? recommendations.get(row.recommendation) : undefined;
    run({ type: 'AddAction', ref: `${i + 1}`, ...(recommendationId ? { recommendationId } : {}), description: row.description, leads: row.leads, target: row.target, ...(row.start ? { startDate: row.start } : {}), dependencies: [], effectiveAt: importDay });
  });
  for (let month = 1; month <= months; month++) {
    clock = startMs + month * 30 * 86_400_000 + Math.floor(r.next() * 5 * 86_400_000);
    for (const actionId of state.actionOrder) {
      const action = own(state.actions, actionId)!;
      if (action.status === 'superseded' || r.next() < 0.25) continue;
      if (action.status === 'completed') {
        if (r.next() < 0.05) run({ type: 'ReopenAction', actionId, reason: 'Audit found gaps', to: 'in_progress' });
        continue;
      }
      const roll = r.next();
      const back = (days: number) => day(clock - Math.floor(r.next() * days) * 86_400_000);
      run({ type: 'RecordProgressUpdate', actionId, narrative: `Update ${events.length}`, effectiveAt: back(r.next() < 0.1 ? 70 : 10) });
      if (r.next() < 0.2) run({ type: 'AssessRag', actionId, rating: r.pick(['green', 'amber', 'red'] as const), rationale: 'Reviewed at the board', ...(r.next() < 0.6 ? { effectiveAt: back(20) } : {}) });
      if (roll < 0.04) run({ type: 'SlipTargetDate', actionId, to: r.pick(SLIP_TARGETS), reason: r.pick(['Awaiting national guidance', 'Post vacant', '<p>Partner&nbsp;restructure</p><p>see minutes</p>']) });
      else if (roll < 0.06) run({ type: 'ChangeActionStatus', actionId, to: r.pick(['blocked', 'awaiting_guidance', 'in_progress', 'superseded', 'not_started'] as const), reason: r.pick(['Dependency on the ICS upgrade', 'Reviewed', 'Replaced by 4.2 and 4.3.']), effectiveAt: back(15) });
      else if (roll < 0.09) run({ type: 'CompleteAction', actionId, effectiveAt: r.next() < 0.8 ? back(10) : day(clock + Math.floor(r.next() * 40) * 86_400_000) });
    }
    if (r.next() < 0.15 && state.recommendationOrder.length > 0) run({ type: 'SignOffRecommendation', recommendationId: r.pick(state.recommendationOrder), effectiveAt: day(clock - 3 * 86_400_000) });
    const progress = events.filter((e) => e.type === 'ProgressUpdateRecorded');
    if (progress.length > 0 && r.next() < 0.3) run({ type: 'CorrectEntry', eventId: r.pick(progress).eventId, kind: r.next() < 0.7 ? 'amended' : 'withdrawn', amendments: { narrative: 'Corrected' }, reason: 'Typo' });
  }
  return { events, state };
}
