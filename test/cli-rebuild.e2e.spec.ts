import { describe, expect, it } from '@jest/globals';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { openReadModelDatabase, PlanReadModels } from '#projections';
import { runLedgerCli } from './support/run-cli.js';
import { startLedger } from './support/ledger-app.js';
import { createPlanFixture } from './support/plan-fixture.js';

describe('ledger rebuild-projections', () => {
  it('rebuilds the read models from the events into exactly what the running ledger had built live', async () => {
    const ledger = await startLedger();
    const { planId } = await createPlanFixture(ledger);
    await ledger.request('POST', `/plans/${planId}/recommendations`, { body: { ref: '2', text: 'Second recommendation' } });
    await ledger.app.close();
    try {
      const db = ledger.config.store.kind === 'sqlite' ? ledger.config.store.path : '';
      const rebuiltPath = path.join(ledger.dir, 'rebuilt-read-models.sqlite');
      const result = runLedgerCli(['rebuild-projections', '--db', db], { LEDGER_READ_MODEL_PATH: rebuiltPath });
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^Rebuilt the read models from \d+ events/);
      expect(result.stderr).toMatch(/\[#+\] \d+\/\d+ events/);

      const live = openReadModelDatabase(ledger.config.readModelPath);
      const rebuilt = openReadModelDatabase(rebuiltPath);
      try {
        const [liveModels, rebuiltModels] = [new PlanReadModels(live), new PlanReadModels(rebuilt)];
        expect(rebuiltModels.plan(planId)).toEqual(liveModels.plan(planId));
        expect(rebuiltModels.auditLog({ limit: 10_000 })).toEqual(liveModels.auditLog({ limit: 10_000 }));
        expect(rebuiltModels.plan(planId)!.recommendationOrder).toHaveLength(2);
      } finally {
        live.close();
        rebuilt.close();
      }
    } finally {
      rmSync(ledger.dir, { recursive: true, force: true });
    }
  }, 60_000);
});
