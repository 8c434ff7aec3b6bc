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
      const result = runLedgerCli(['rebuild-projections', '--progress', '--db', db], { LEDGER_READ_MODEL_PATH: rebuiltPath });
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^Rebuilt the read models from (\d+) events/);
      const events = /from (\d+) events/.exec(result.stdout)![1];
      // Progress goes to stderr (a log line per 10% when forced with --progress, since stderr is no terminal here).
      expect(result.stderr).toContain(`rebuild-projections: projecting 100% (${events}/${events} events)`);
      expect(result.stderr.trim().split('\n').at(-1)).toBe('rebuild-projections: done');

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

  it('rebuilds with one thread or several alike, and refuses a --workers that is no number of threads', async () => {
    const ledger = await startLedger();
    await createPlanFixture(ledger);
    await ledger.app.close();
    try {
      const db = ledger.config.store.kind === 'sqlite' ? ledger.config.store.path : '';
      const rows = (file: string) => {
        const models = openReadModelDatabase(file);
        try {
          return models.prepare(`SELECT * FROM audit_log ORDER BY position`).all();
        } finally {
          models.close();
        }
      };
      const one = path.join(ledger.dir, 'one.sqlite');
      const three = path.join(ledger.dir, 'three.sqlite');
      expect(runLedgerCli(['rebuild-projections', '--workers', '1', '--db', db], { LEDGER_READ_MODEL_PATH: one }).status).toBe(0);
      expect(runLedgerCli(['rebuild-projections', '--workers', '3', '--db', db], { LEDGER_READ_MODEL_PATH: three }).status).toBe(0);
      expect(rows(three)).toEqual(rows(one));
      for (const bad of ['0', '9', '2.5', '__proto__', '-1']) {
        const refused = runLedgerCli(['rebuild-projections', `--workers=${bad}`, '--db', db], { LEDGER_READ_MODEL_PATH: path.join(ledger.dir, 'bad.sqlite') });
        expect(refused.status).toBe(2);
        expect(refused.stderr).toContain('--workers must be a whole number from 1 to 8');
      }
    } finally {
      rmSync(ledger.dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses to rebuild while the API projects into the same read models, and touches nothing', async () => {
    const ledger = await startLedger();
    try {
      const { planId } = await createPlanFixture(ledger);
      const before = await ledger.request('GET', `/audit-log?planId=${planId}`);
      expect(before.status).toBe(200);
      expect(before.body.entries.length).toBeGreaterThan(0);
      const db = ledger.config.store.kind === 'sqlite' ? ledger.config.store.path : '';
      const result = runLedgerCli(['rebuild-projections', '--db', db], { LEDGER_READ_MODEL_PATH: ledger.config.readModelPath });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/^Refused: The read models are being written by another ledger process \(pid \d+ on /);
      expect((await ledger.request('GET', `/audit-log?planId=${planId}`)).body).toEqual(before.body);
      await ledger.request('POST', `/plans/${planId}/recommendations`, { body: { ref: '9', text: 'Still projected' } });
      expect((await ledger.request('GET', `/plans/${planId}`)).body.recommendations.map((r: { ref: string }) => r.ref)).toContain('9');
    } finally {
      await ledger.app.close();
      rmSync(ledger.dir, { recursive: true, force: true });
    }
  }, 60_000);
});
