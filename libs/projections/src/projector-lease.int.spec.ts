import { afterEach, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { PlanCommandService, PlanRepository } from '#application';
import { SqliteEventStore } from '#event-store';
import { PlanProjector } from './plan-projector.js';
import { PlanReadModels } from './plan-read-models.js';
import { LEASE_EXPIRY_MS, ProjectorLease, ReadModelsInUseError } from './projector-lease.js';
import { openReadModelDatabase } from './read-model-database.js';

const dirs: string[] = [];
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** One ledger's files, and as many projectors over them as a test asks for, each on its own connection. */
async function ledgerWithPlan() {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledger-lease-'));
  dirs.push(dir);
  const files = { events: path.join(dir, 'ledger.sqlite'), readModels: path.join(dir, 'read-models.sqlite') };
  const store = new SqliteEventStore({ path: files.events, pollIntervalMs: 20 });
  closers.push(() => store.close());
  const service = new PlanCommandService(store, new PlanRepository(store), { now: () => new Date(), newId: () => uuidv7() });
  const planId = uuidv7();
  const meta = { actor: { id: 'rd', displayName: 'Rachel Deakin' }, correlationId: uuidv7() };
  await service.execute(planId, { type: 'CreatePlan', title: 'Laming 2009 action plan', organisation: 'Central Bedfordshire Council', respondsTo: 'Lord Laming 2009' }, meta);
  const projector = () => {
    const db = openReadModelDatabase(files.readModels);
    const made = new PlanProjector(store, db);
    closers.push(async () => {
      await made.stop();
      db.close();
    });
    return { projector: made, db, readModels: new PlanReadModels(db) };
  };
  return { files, store, service, planId, meta, projector };
}

describe('one projector per read-model file', () => {
  it('refuses a second projector while the first runs, naming it, and lets it start once the first has stopped', async () => {
    const ledger = await ledgerWithPlan();
    const first = ledger.projector();
    await first.projector.start();
    const second = ledger.projector();
    await expect(second.projector.start()).rejects.toThrow(ReadModelsInUseError);
    await expect(second.projector.start()).rejects.toThrow(`pid ${process.pid}`);
    await first.projector.stop();
    await second.projector.start();
    expect(second.readModels.plan(ledger.planId)?.title).toBe('Laming 2009 action plan');
  });

  it('refuses a rebuild while a projector runs, and leaves the read models as they were', async () => {
    const ledger = await ledgerWithPlan();
    const running = ledger.projector();
    await running.projector.start();
    const rebuilder = ledger.projector();
    await expect(rebuilder.projector.rebuild()).rejects.toThrow(/being written by another ledger process/);
    expect(running.readModels.auditLog({ planId: ledger.planId }).entries).toHaveLength(1);
    expect(running.readModels.plan(ledger.planId)).not.toBeNull();
    await running.projector.stop();
    expect(await rebuilder.projector.rebuild()).toBe(1);
  });

  it('takes over a lease whose holder has gone: a process that has exited on this host, or a silent one elsewhere', async () => {
    const ledger = await ledgerWithPlan();
    const exited = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(exited.stdout);
    const { projector, db } = ledger.projector();
    new ProjectorLease(db, { pid: deadPid }).claim();
    await projector.start();
    await projector.stop();

    new ProjectorLease(db, { host: 'another-host', pid: 4242 }).claim();
    await expect(projector.start()).rejects.toThrow('pid 4242 on another-host');
    // Its holder falls silent for longer than the expiry.
    db.prepare(`UPDATE projector_lease SET renewed_at = ?`).run(Date.now() - LEASE_EXPIRY_MS - 1);
    await projector.start();
  });

  it('renews the lease every few seconds while held, so a long catch-up is not taken for a silent one', async () => {
    const ledger = await ledgerWithPlan();
    const { db } = ledger.projector();
    let clock = 1_000_000;
    const lease = new ProjectorLease(db, { now: () => clock });
    lease.claim();
    const renewedAt = () => (db.prepare(`SELECT renewed_at FROM projector_lease`).pluck().get() as number);
    clock += 4_000;
    lease.renewIfDue();
    expect(renewedAt()).toBe(1_000_000);
    clock += 2_000;
    lease.renewIfDue();
    expect(renewedAt()).toBe(1_006_000);
    lease.release();
    expect(db.prepare(`SELECT COUNT(*) FROM projector_lease`).pluck().get()).toBe(0);
  });

  it('does not let a second process empty read models that a running rebuild is writing', async () => {
    const ledger = await ledgerWithPlan();
    const rebuilding = ledger.projector();
    await rebuilding.projector.start();
    // As the file stands while a rebuild runs: marked unfinished, the rebuilder holding the lease.
    rebuilding.db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES ('rebuild_unfinished', ?)`).run(new Date().toISOString());
    expect(() => openReadModelDatabase(ledger.files.readModels)).toThrow(ReadModelsInUseError);
    expect(rebuilding.readModels.plan(ledger.planId)).not.toBeNull();
    expect(rebuilding.readModels.auditLog({ planId: ledger.planId }).entries).toHaveLength(1);
  });
});
