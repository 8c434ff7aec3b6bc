import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PlanCommandService } from '#application';
import { planStreamName } from '#domain';
import type { EventStore } from '#event-store';
import { importDemoPlan } from '#importer';
import { PlanProjector } from '#projections';
import { EVENT_STORE } from '../../apps/api/src/ledger.tokens.js';
import { startLedger, type RunningLedger } from './ledger-app.js';

/** The bundle verifier's browser build, which the verify page loads: built from the sources the test runs. */
export function buildBundleVerifier(): void {
  const build = spawnSync(process.execPath, [path.resolve(process.cwd(), 'packages/bundle-verifier/build.mjs')], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`The bundle verifier did not build: ${build.stderr}`);
}

/** A ledger on a temp SQLite file with the demo plan imported and projected, as the browser tests start from. */
export async function startDemoPlanLedger(env: Record<string, string> = {}): Promise<{ ledger: RunningLedger; planId: string; store: EventStore }> {
  const ledger = await startLedger(env);
  const { planId } = await importDemoPlan(ledger.app.get(PlanCommandService), { id: 'importer', displayName: 'Plan import' });
  const store = ledger.app.get<EventStore>(EVENT_STORE);
  const head = await store.readStream(planStreamName(planId), { direction: 'backwards', maxCount: 1 });
  await ledger.app.get(PlanProjector).waitFor(head[0]!.position);
  return { ledger, planId, store };
}
