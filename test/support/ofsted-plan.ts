import path from 'node:path';
import { EvidenceFiles, PlanRepository, type PlanCommandService } from '#application';
import type { PlanCommand } from '#domain';
import { importFile } from '#importer';

/**
 * The Central Bedfordshire post-inspection action plan 2012-13 (Ofsted, safeguarding and looked after
 * children), imported as a council would, and then a few months of what happened to it in 2012.
 */

export const OFSTED_FIXTURE = path.resolve(process.cwd(), '../shared/fixtures/central-bedfordshire-ofsted-action-plan-2012-13.txt');
export const OFSTED_ACTOR = { id: 'plan-import', displayName: 'Plan import' };
export const MINUTES = Buffer.from('Children’s Services Senior Management Team, 20 September 2012.\nItem 4: revised chronology guidance agreed & issued to all teams.\n', 'utf8');

export async function importOfstedPlan(service: PlanCommandService): Promise<string> {
  const imported = await importFile({
    service,
    filePath: OFSTED_FIXTURE,
    newPlan: { organisation: 'Central Bedfordshire Council', respondsTo: 'Ofsted inspection of safeguarding and looked after children, 2012' },
    actor: OFSTED_ACTOR,
  });
  return imported.planId;
}

/**
 * Recommendation 1.1 (chronologies) delivered in full between July and September 2012, with its
 * evidence; progress on 1.2.1; a slipped target on 1.3.3; 1.4.1 under way.
 */
export async function recordProgressIn2012(service: PlanCommandService, repository: PlanRepository, planId: string, evidence: EvidenceFiles): Promise<void> {
  const plan = await repository.load(planId);
  const action = (ref: string): string => {
    const found = Object.values(plan.actions).find((a) => a.ref === ref);
    if (!found) throw new Error(`The Ofsted plan has no action ${ref}`);
    return found.id;
  };
  const meta = (name: string) => ({ actor: { id: name.toLowerCase().replace(/\W+/g, '-'), displayName: name }, correlationId: `progress-2012-${name}` });
  const run = (command: PlanCommand, by = 'Rachel Deakin') => service.execute(planId, command, meta(by));

  const stored = await evidence.put(MINUTES);
  const completions: [string, string][] = [
    ['1.1.1', '2012-09-28'],
    ['1.1.2', '2012-07-27'],
    ['1.1.3', '2012-09-20'],
    ['1.1.4', '2012-09-30'],
    ['1.1.5', '2012-05-31'],
    ['1.1.6', '2012-06-29'],
    ['1.1.7', '2012-07-31'],
  ];
  await run({ type: 'RecordProgressUpdate', actionId: action('1.1.2'), narrative: 'Draft guidance circulated to team managers for comment', effectiveAt: '2012-07-02' });
  for (const [ref, on] of completions) await run({ type: 'CompleteAction', actionId: action(ref), effectiveAt: on });
  await run({ type: 'AttachEvidence', actionId: action('1.1.3'), name: 'CSSMT minutes 20 Sep 2012.txt', mediaType: 'text/plain', size: stored.size, sha256: stored.sha256 });
  await run({ type: 'RecordProgressUpdate', actionId: action('1.2.1'), narrative: 'Lead trainer identified; consultation with the Corporate Policy Adviser booked for October', effectiveAt: '2012-08-01' }, 'Sue Ioannou');
  await run({ type: 'SlipTargetDate', actionId: action('1.3.3'), to: '31 March 2013', reason: 'Supervision survey repeated after the restructure', effectiveAt: '2012-11-05' }, 'Sue Ioannou');
  await run({ type: 'ChangeActionStatus', actionId: action('1.4.1'), to: 'in_progress', reason: 'Commissioning started with Bedfordshire Police', effectiveAt: '2012-09-03' }, 'Sue Ioannou');
}
