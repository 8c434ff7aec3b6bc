import { afterEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { v7 as uuidv7 } from 'uuid';
import { PlanCommandService, PlanRepair, PlanRepository, validateLedgerEvent } from '#application';
import type { PlanCommand } from '#domain';
import { SqliteEventStore, type EventStore } from '#event-store';
import { openReadModelDatabase, startRebuild } from './read-model-database.js';
import { PlanProjector, type RebuildOptions, type RebuildSink } from './plan-projector.js';
import { PlanReadModels } from './plan-read-models.js';
import { readModelRows } from './testing/read-model-rows.js';

// The workers run the build's copy of the projector (dist/): `npm test` builds first.
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A folder of its own for a test's store (removed after the test) and the store's path in it. */
function scratchStore(prefix: string): { dir: string; storePath: string } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return { dir, storePath: path.join(dir, 'ledger.sqlite') };
}

const meta = (name = 'Rachel Deakin') => ({ actor: { id: name, displayName: name }, correlationId: uuidv7() });

/** Plans of different sizes, with corrections of both kinds, a plan quarantined by a bad event then repaired (events after the repair), one left quarantined, and a stream that is no plan. */
async function history(store: SqliteEventStore) {
  const service = new PlanCommandService(store, new PlanRepository(store), { now: () => new Date(), newId: () => uuidv7() });
  const planIds: string[] = [];
  const firstActions = new Map<string, string>();
  for (let p = 0; p < 5; p++) {
    const planId = uuidv7();
    planIds.push(planId);
    await service.execute(planId, { type: 'CreatePlan', title: `Plan ${p}`, organisation: p % 2 ? 'Haringey Council' : 'Central Bedfordshire Council', respondsTo: 'Lord Laming 2009' }, meta());
    const rec = await service.execute(planId, { type: 'AddRecommendation', ref: `${p + 1}`, text: 'Review all points of referral' }, meta());
    const recommendationId = (rec.events[0]!.data as { recommendationId: string }).recommendationId;
    const actions: { id: string; added: string }[] = [];
    for (let a = 1; a <= 2 + p; a++) {
      const added = await service.execute(planId, { type: 'AddAction', ref: `${p + 1}.${a}`, recommendationId, description: `Action ${a}`, leads: ['Rachel Deakin'], startDate: 'May 2009', target: 'October 2009', dependencies: [] }, meta());
      actions.push({ id: (added.events[0]!.data as { actionId: string }).actionId, added: added.eventIds[0]! });
    }
    firstActions.set(planId, actions[0]!.id);
    for (let n = 0; n < 4 * (p + 1); n++) {
      const action = actions[n % actions.length]!;
      const noted = await service.execute(planId, { type: 'RecordProgressUpdate', actionId: action.id, narrative: `Note ${n} on plan ${p}`, effectiveAt: '2009-06-30' }, meta(n % 3 ? 'Edwina Grant' : 'Rachel Deakin'));
      if (n === 2) await service.execute(planId, { type: 'CorrectEntry', eventId: noted.eventIds[0]!, kind: 'amended', amendments: { narrative: 'Corrected wording' }, reason: 'Wording' }, meta());
    }
    if (p === 3) await service.execute(planId, { type: 'CorrectEntry', eventId: actions[0]!.added, kind: 'amended', amendments: { ref: '4.9' }, reason: 'Numbering' }, meta());
    await store.appendToStream('access-bench', [{ eventId: uuidv7(), type: 'Noted', data: { p }, metadata: { schemaVersion: 1, ...meta() } }], { expectedRevision: p === 0 ? 'no_stream' : BigInt(p - 1) });
  }
  // Bad events (this store has no validator): one repaired, with entries after the repair; one left as it is.
  const repaired = planIds[1]!;
  const left = planIds[2]!;
  const bad = uuidv7();
  for (const [planId, eventId] of [[repaired, bad], [left, uuidv7()]] as const) {
    const head = (await store.streamSummary(`plan-${planId}`))!.revision;
    await store.appendToStream(`plan-${planId}`, [{ eventId, type: 'ProgressUpdateRecorded', data: { narrative: 'x', asAt: '2026-01-05' }, metadata: { schemaVersion: 1, ...meta() } }], { expectedRevision: head });
  }
  await new PlanRepair(store, uuidv7).voidEvent({ planId: repaired, eventId: bad, reason: 'Defect' }, { id: 'operator:test', displayName: 'test (ledger operator)' });
  const actionId = firstActions.get(repaired)!;
  await service.execute(repaired, { type: 'RecordProgressUpdate', actionId, narrative: 'After the repair', effectiveAt: '2009-07-31' }, meta());
  return planIds;
}

/** The read models the projector writes catching up from nothing, reading the log in order as the API does. */
async function caughtUpRows(store: EventStore, file: string) {
  const db = openReadModelDatabase(file);
  const projector = new PlanProjector(store, db, () => undefined);
  await projector.start();
  await projector.stop();
  db.close();
  return readModelRows(file);
}

async function rebuild(store: EventStore, file: string, options: RebuildOptions) {
  const db = openReadModelDatabase(file);
  const projector = new PlanProjector(store, db, () => undefined);
  const done = await projector.rebuild(undefined, options);
  const quarantined = projector.quarantinedPlans().map((plan) => plan.planId);
  db.close();
  return { done, quarantined, rows: readModelRows(file) };
}

describe('a rebuild with worker threads partitioned by plan', () => {
  it('writes the single-thread rebuild\'s read models row for row, whatever the number of workers', async () => {
    const { dir, storePath } = scratchStore('ledger-rebuild-workers-');
    const store = new SqliteEventStore({ path: storePath });
    const planIds = await history(store);
    // The reference is not a rebuild: the projector catching up from nothing, reading the log in order as the API does.
    const caughtUp = await caughtUpRows(store, path.join(dir, 'caught-up.sqlite'));
    const single = await rebuild(store, path.join(dir, 'single.sqlite'), {});
    expect(single.rows).toEqual(caughtUp);
    expect(single.quarantined).toEqual([planIds[2]]);
    expect(single.rows.auditLog.length).toBeGreaterThan(90);
    for (const workers of [2, 3, 8]) {
      const parallel = await rebuild(store, path.join(dir, `workers-${workers}.sqlite`), { workers, storePath });
      expect(parallel.rows).toEqual(single.rows);
      expect(parallel.quarantined).toEqual(single.quarantined);
      expect(parallel.done).toBe(single.done);
    }
    // Partition by partition (a plan each, or a few), on one thread and in workers: the same rows, the audit log merged back in position order.
    for (const [n, options] of PARTITIONED(storePath).entries()) {
      const partitioned = await rebuild(store, path.join(dir, `partitioned-${n}.sqlite`), options);
      expect(partitioned.rows).toEqual(single.rows);
      expect(partitioned.quarantined.sort()).toEqual([...single.quarantined].sort());
      expect(partitioned.done).toBe(single.done);
    }
    // The staging files are gone.
    expect(readdirSync(dir).filter((file) => file.includes('.rebuild-'))).toEqual([]);
    await store.close();
  });

  it('fails whole when a worker fails while this thread folds its own share: the file is left unfinished, and the next open starts it again', async () => {
    const { dir, storePath } = scratchStore('ledger-rebuild-workers-');
    const store = new SqliteEventStore({ path: storePath });
    await history(store);
    const expected = await rebuild(store, path.join(dir, 'single.sqlite'), {});
    // The worker opens the store by its file: given one that is no database, it fails as it starts.
    const notAStore = path.join(dir, 'not-a-store.sqlite');
    writeFileSync(notAStore, 'not a database, '.repeat(512));
    const file = path.join(dir, 'read-models.sqlite');
    const db = openReadModelDatabase(file);
    await expect(new PlanProjector(store, db, () => undefined).rebuild(undefined, { workers: 2, storePath: notAStore })).rejects.toThrow();
    expect(db.prepare(`SELECT value FROM meta WHERE key = 'rebuild_unfinished'`).get()).toBeDefined();
    db.close();
    expect(readdirSync(dir).filter((name) => name.includes('.rebuild-'))).toEqual([]);
    const again = await rebuild(store, file, { workers: 2, storePath });
    expect(again.rows).toEqual(expected.rows);
    await store.close();
  });

  it('then catches up what was appended since, and a worker rebuild of an empty store is empty', async () => {
    const { dir, storePath } = scratchStore('ledger-rebuild-workers-');
    const store = new SqliteEventStore({ path: storePath });
    const empty = await rebuild(store, path.join(dir, 'empty.sqlite'), { workers: 2, storePath });
    expect(empty.done).toBe(0);
    expect(empty.rows.plans).toEqual([]);
    await history(store);
    const parallel = await rebuild(store, path.join(dir, 'workers.sqlite'), { workers: 2, storePath });
    expect(parallel.rows.checkpoints).toEqual((await rebuild(store, path.join(dir, 'single.sqlite'), {})).rows.checkpoints);
    await store.close();
  });
});

/** Rebuilds that hold a few plans at a time, on one thread and in workers (every test store is far under the default partition). */
const PARTITIONED = (storePath: string): RebuildOptions[] => [{ partitionEvents: 1 }, { partitionEvents: 40 }, { workers: 2, storePath, partitionEvents: 1 }, { workers: 3, storePath, partitionEvents: 30 }];

const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures');
/** Ids an attacker sends: names every plain object answers for. */
const HOSTILE_IDS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf'];

/** The fixtures' lines as councils wrote them: recommendations from Lord Laming's report, cells of the Ofsted action plan. */
function fixtureLines() {
  const lines = (file: string) =>
    readFileSync(path.join(FIXTURES, file), 'utf8')
      .split('\n')
      .flatMap((line) => line.split('\t'))
      .map((cell) => cell.trim())
      .filter((cell) => cell.length > 20);
  return { recommendations: lines('laming-2009-recommendations.txt'), cells: [...lines('central-bedfordshire-ofsted-action-plan-2012-13.txt'), ...lines('central-bedfordshire-laming-2009-progress.txt')] };
}

/**
 * Three plans written turn about (so their events interleave in the log, as the workers must merge them back),
 * their recommendations and actions named by hostile ids, their words from the fixtures, with corrections of
 * both kinds. The store checks every event as the ledger's does.
 */
async function hostileHistory(store: SqliteEventStore, onAppended: () => Promise<void> = async () => undefined) {
  const ids: string[] = [];
  const service = new PlanCommandService(store, new PlanRepository(store), { now: () => new Date(), newId: () => ids.shift() ?? uuidv7() });
  const { recommendations, cells } = fixtureLines();
  let cell = 0;
  const words = (max: number) => cells[cell++ % cells.length]!.slice(0, max).trim();
  const planIds = [uuidv7(), uuidv7(), uuidv7()];
  const run = async (planId: string, command: PlanCommand, name = 'Rachel Deakin', entityId?: string) => {
    if (entityId !== undefined) ids.push(entityId);
    const result = await service.execute(planId, command, meta(name));
    await onAppended();
    return result;
  };
  const actions = new Map<string, string[]>();
  for (const [p, planId] of planIds.entries()) {
    await run(planId, { type: 'CreatePlan', title: `Laming 2009 response ${p}`, organisation: 'Central Bedfordshire Council', respondsTo: 'Lord Laming, The Protection of Children in England (2009)' });
    actions.set(planId, []);
  }
  for (let r = 0; r < 4; r++) {
    for (const [p, planId] of planIds.entries()) {
      const recommendationId = HOSTILE_IDS[(r + p) % HOSTILE_IDS.length]!;
      await run(planId, { type: 'AddRecommendation', ref: `${r + 1}`, text: recommendations[(r * 3 + p) % recommendations.length]!.slice(0, 5_000) }, 'Rachel Deakin', recommendationId);
      const actionId = HOSTILE_IDS[(r + p + 3) % HOSTILE_IDS.length]!;
      await run(planId, { type: 'AddAction', ref: `${r + 1}.1`, recommendationId, description: words(5_000), leads: ['Rachel Deakin', 'Sue Ioannou'], startDate: 'May 2012', target: 'March 2013', dependencies: [] }, 'Rachel Deakin', actionId);
      actions.get(planId)!.push(actionId);
    }
  }
  for (let n = 0; n < 12; n++) {
    for (const [p, planId] of planIds.entries()) {
      const actionId = actions.get(planId)![(n + p) % 4]!;
      const noted = await run(planId, { type: 'RecordProgressUpdate', actionId, narrative: words(20_000), effectiveAt: '2012-09-28' }, n % 2 ? 'Sue Ioannou' : 'Rachel Deakin');
      if (n === 3) await run(planId, { type: 'CorrectEntry', eventId: noted.eventIds[0]!, kind: 'amended', amendments: { narrative: words(20_000) }, reason: 'The note named the wrong meeting' });
      if (n === 7) await run(planId, { type: 'CorrectEntry', eventId: noted.eventIds[0]!, kind: 'withdrawn', reason: 'Recorded against the wrong action' });
      if (n === 9) await run(planId, { type: 'ChangeActionStatus', actionId, to: 'in_progress', reason: 'Work began' });
    }
  }
  return planIds;
}

describe('live projection, single-thread and worker rebuilds, on the fixtures\' words and hostile ids', () => {
  it('write the same read models row for row, and a plan read back keeps its hostile ids as its own keys', async () => {
    const { dir, storePath } = scratchStore('ledger-rebuild-hostile-');
    const store = new SqliteEventStore({ path: storePath, validator: validateLedgerEvent });
    // Live: the API's projector, following the log as the commands append.
    const liveFile = path.join(dir, 'live.sqlite');
    const liveDb = openReadModelDatabase(liveFile);
    const live = new PlanProjector(store, liveDb, () => undefined);
    await live.start();
    const planIds = await hostileHistory(store);
    const last = (await store.readAll({})).at(-1)!.position;
    await live.waitFor(last);
    await live.stop();
    const liveRows = readModelRows(liveFile);
    const plan = new PlanReadModels(liveDb).plan(planIds[0]!)!;
    liveDb.close();

    expect(liveRows.planActions.map((row) => (row as unknown[])[1])).toEqual(expect.arrayContaining(['__proto__', 'constructor', 'hasOwnProperty', 'valueOf']));
    expect(Object.getPrototypeOf(plan.actions)).toBeNull();
    expect(Object.keys(plan.actions).sort()).toEqual(['hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf'].sort());
    expect(Object.hasOwn(plan.recommendations, 'constructor') && Object.hasOwn(plan.recommendations, '__proto__')).toBe(true);
    expect(liveRows.auditLog).toHaveLength(Number(last));
    expect(liveRows.quarantinedPlans).toEqual([]);

    const single = await rebuild(store, path.join(dir, 'single.sqlite'), {});
    expect(single.rows).toEqual(liveRows);
    for (const workers of [2, 3]) {
      const parallel = await rebuild(store, path.join(dir, `workers-${workers}.sqlite`), { workers, storePath });
      expect(parallel.rows).toEqual(liveRows);
      expect(parallel.done).toBe(single.done);
    }
    for (const [n, options] of PARTITIONED(storePath).entries()) {
      const partitioned = await rebuild(store, path.join(dir, `partitioned-${n}.sqlite`), options);
      expect(partitioned.rows).toEqual(liveRows);
      expect(partitioned.done).toBe(single.done);
    }
    await store.close();
  }, 60_000);
});

/**
 * Events the store holds (it has no validator) that the rebuild's fast parse must leave to zod: some zod still
 * takes (text to trim, an unknown or an own `__proto__` key to strip, keys out of order), some it refuses (a NUL,
 * a lone surrogate, a date that does not exist, an unknown type), each on a plan of its own.
 */
async function oddHistory(store: SqliteEventStore) {
  const service = new PlanCommandService(store, new PlanRepository(store), { now: () => new Date(), newId: () => uuidv7() });
  const odd: Record<string, unknown>[] = [
    JSON.parse('{"narrative": "  Audit of 20 referrals done  ", "asAt": "2009-10-01", "__proto__": {"polluted": true}, "unknown": 1}'),
    { asAt: '2009-10-02', narrative: 'Keys out of order' },
    { narrative: 'A NUL\u0000 in the note', asAt: '2009-10-01' },
    { narrative: 'Too long '.repeat(2_223), asAt: '2009-10-01' },
    { narrative: 'No such day', asAt: '2009-02-30' },
    { narrative: 'An unknown type', asAt: '2009-10-01' },
  ];
  const planIds: string[] = [];
  for (const [i, data] of odd.entries()) {
    const planId = uuidv7();
    planIds.push(planId);
    await service.execute(planId, { type: 'CreatePlan', title: `Plan ${i}`, organisation: 'Central Bedfordshire Council', respondsTo: 'Lord Laming 2009' }, meta());
    const added = await service.execute(planId, { type: 'AddAction', ref: '1.1', description: 'Audit referrals', leads: ['Rachel Deakin'], target: 'October 2009', dependencies: [] }, meta());
    const actionId = (added.events[0]!.data as { actionId: string }).actionId;
    const head = (await store.streamSummary(`plan-${planId}`))!.revision;
    const metadata = { correlationId: uuidv7(), actor: { displayName: ' Rachel Deakin', id: 'rachel' }, schemaVersion: 1 };
    await store.appendToStream(`plan-${planId}`, [{ eventId: uuidv7(), type: i === 5 ? 'ProgressUpdateErased' : 'ProgressUpdateRecorded', data: { actionId, ...data }, metadata }], { expectedRevision: head });
    // The command side cannot read a plan past an entry that does not validate: the entry after it is appended as stored.
    const after = { actionId, narrative: 'After the odd entry', asAt: '2009-11-30' };
    await store.appendToStream(`plan-${planId}`, [{ eventId: uuidv7(), type: 'ProgressUpdateRecorded', data: after, metadata: { schemaVersion: 1, ...meta() } }], { expectedRevision: head + 1n });
  }
  return planIds;
}

describe('a rebuild keeping of each plan\'s history only what the log\'s corrections need', () => {
  it('writes the rows of a rebuild keeping every plan\'s whole history, corrections of hostile-named actions\' entries, of a plan\'s shape and a repair included', async () => {
    const { dir, storePath } = scratchStore('ledger-rebuild-light-');
    const store = new SqliteEventStore({ path: storePath });
    await history(store);
    await hostileHistory(store);
    const lookedAhead: string[] = [];
    // The same store, counting its look-ahead; and the same store with a look-ahead that finds nothing (every
    // correction then comes unannounced, and its plan is folded again from its stream with its whole history).
    const counted = new Proxy(store, {
      get: (target, name, receiver) => {
        const value = Reflect.get(target, name, receiver) as unknown;
        if (typeof value !== 'function') return value;
        if (name !== 'readAllOfTypes' && name !== 'readEventsById') return value.bind(target);
        return (...args: unknown[]) => (lookedAhead.push(name), value.apply(target, args) as unknown);
      },
    });
    const blind = new Proxy(store, {
      get: (target, name, receiver) => {
        if (name === 'readAllOfTypes' || name === 'readEventsById') return async () => [];
        const value = Reflect.get(target, name, receiver) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    // The reference is no rebuild: the projector catching up from nothing, which keeps every plan's whole history.
    const wholeHistory = await caughtUpRows(store, path.join(dir, 'caught-up.sqlite'));
    expect(wholeHistory.auditLog.length).toBeGreaterThan(150);
    expect(wholeHistory.quarantinedPlans.length).toBeGreaterThan(0);
    const light = await rebuild(counted, path.join(dir, 'light.sqlite'), {});
    expect(lookedAhead).toEqual(['readAllOfTypes', 'readEventsById']);
    expect(light.rows).toEqual(wholeHistory);
    expect((await rebuild(blind, path.join(dir, 'blind.sqlite'), {})).rows).toEqual(wholeHistory);
    // Partitions fold on the one look-ahead.
    lookedAhead.length = 0;
    expect((await rebuild(counted, path.join(dir, 'partitioned.sqlite'), { partitionEvents: 40 })).rows).toEqual(wholeHistory);
    expect(lookedAhead).toEqual(['readAllOfTypes', 'readEventsById']);
    expect((await rebuild(counted, path.join(dir, 'workers.sqlite'), { workers: 2, storePath })).rows).toEqual(wholeHistory);
    await store.close();
  }, 60_000);
});

describe('events the store holds that are not in the form the ledger writes', () => {
  it('are folded or quarantined alike by the live projection, the single-thread rebuild and the worker rebuilds', async () => {
    const { dir, storePath } = scratchStore('ledger-rebuild-odd-');
    const store = new SqliteEventStore({ path: storePath });
    const planIds = await oddHistory(store);
    const liveFile = path.join(dir, 'live.sqlite');
    const liveDb = openReadModelDatabase(liveFile);
    const live = new PlanProjector(store, liveDb, () => undefined);
    await live.start();
    await live.stop();
    const quarantined = live.quarantinedPlans().map((plan) => plan.planId).sort();
    const liveRows = readModelRows(liveFile);
    const folded = new PlanReadModels(liveDb).plan(planIds[0]!)!;
    liveDb.close();

    // zod trimmed the note and dropped the keys it does not know; the last four plans stopped at their odd entry.
    expect(Object.values(folded.actions)[0]!.progress.map((note) => note.narrative)).toEqual(['Audit of 20 referrals done', 'After the odd entry']);
    expect(quarantined).toEqual(planIds.slice(2).sort());
    const reasons = liveRows.quarantinedPlans.map((row) => String((row as unknown[])[4]));
    expect(reasons.filter((reason) => /does not match its schema/.test(reason))).toHaveLength(4);

    const single = await rebuild(store, path.join(dir, 'single.sqlite'), {});
    expect(single.rows).toEqual(liveRows);
    expect(single.quarantined.sort()).toEqual(quarantined);
    for (const workers of [2, 3]) {
      const parallel = await rebuild(store, path.join(dir, `workers-${workers}.sqlite`), { workers, storePath });
      expect(parallel.rows).toEqual(liveRows);
      expect(parallel.quarantined.sort()).toEqual(quarantined);
    }
    // A plan each: every quarantine happens in a partition of its own, on one thread and in workers.
    for (const [n, options] of PARTITIONED(storePath).entries()) {
      const partitioned = await rebuild(store, path.join(dir, `partitioned-${n}.sqlite`), options);
      expect(partitioned.rows).toEqual(liveRows);
      expect(partitioned.quarantined.sort()).toEqual(quarantined);
    }
    await store.close();
  }, 60_000);
});

/**
 * A rebuild in a process of its own, frozen (Atomics.wait) once it reports progress, so that the kill lands
 * half-way, with rows written and the indexes not built; it prints "folding" when frozen.
 */
const KILLED_REBUILD = `
  const root = process.env.ROOT_URL;
  const { SqliteEventStore } = await import(root + 'dist/libs/event-store/src/index.js');
  const { openReadModelDatabase, PlanProjector } = await import(root + 'dist/libs/projections/src/index.js');
  const store = new SqliteEventStore({ path: process.env.STORE });
  const db = openReadModelDatabase(process.env.READ_MODELS);
  const workers = Number(process.env.WORKERS);
  const partitionEvents = process.env.PARTITION ? Number(process.env.PARTITION) : undefined;
  let frozen = false;
  await new PlanProjector(store, db, () => undefined).rebuild((done) => {
    if (frozen || done === 0) return;
    frozen = true;
    process.stdout.write('folding\\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120000);
  }, workers > 1 ? { workers, storePath: process.env.STORE, partitionEvents } : { partitionEvents });
  process.stdout.write('finished\\n');
`;

function rebuildUntilKilled(storePath: string, readModels: string, workers: number, partitionEvents?: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // A file, not --eval: the rebuild's worker threads inherit the process's flags, and --input-type is not for them.
    const script = path.join(path.dirname(readModels), 'killed-rebuild.mjs');
    writeFileSync(script, KILLED_REBUILD);
    const child = spawn(process.execPath, [script], {
      env: { ...process.env, ROOT_URL: pathToFileURL(process.cwd() + '/').href, STORE: storePath, READ_MODELS: readModels, WORKERS: String(workers), PARTITION: partitionEvents === undefined ? '' : String(partitionEvents) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('folding')) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(out) : reject(new Error(`The rebuild was not killed half-way: ${out} ${err}`))));
  });
}

describe('a rebuild killed half-way', () => {
  it.each([
    [1, undefined],
    [2, undefined],
    [1, 50],
    [2, 50],
  ])('is started again from nothing when the read models are next opened, and ends with the rows of an uninterrupted rebuild (%i worker threads, partitions of %s events)', async (workers, partitionEvents) => {
    const { dir, storePath } = scratchStore('ledger-rebuild-killed-');
    // No validator: history() stores events that cannot be folded (one plan repaired, one left quarantined).
    const store = new SqliteEventStore({ path: storePath });
    await hostileHistory(store);
    await history(store);
    const expected = await rebuild(store, path.join(dir, 'uninterrupted.sqlite'), {});
    const file = path.join(dir, 'read-models.sqlite');
    // A projection that was up to date before the rebuild began: the rebuild empties it, the kill leaves it half-made.
    await rebuild(store, file, {});
    expect(await rebuildUntilKilled(storePath, file, workers, partitionEvents)).toBe('folding\n');

    const killed = new Database(file, { readonly: true });
    const unfinished = killed.prepare(`SELECT value FROM meta WHERE key = 'rebuild_unfinished'`).get();
    const indexes = killed.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_log'`).all();
    killed.close();
    expect(unfinished).toBeDefined();
    // Killed before the end: the audit log's indexes (built last) are not there.
    expect(indexes).toEqual([]);
    // Partitioned, the kill left the staging file of the rounds' audit rows: the next open removes it.
    expect(existsSync(`${file}.rebuild-stage`)).toBe(partitionEvents !== undefined);

    // The API's way in: open (the dead rebuild's lease is taken over, the half-made file emptied), then catch up.
    const db = openReadModelDatabase(file);
    const projector = new PlanProjector(store, db, () => undefined);
    await projector.start();
    await projector.stop();
    expect(projector.quarantinedPlans().map((plan) => plan.planId)).toEqual(expected.quarantined);
    db.close();
    expect(readModelRows(file)).toEqual(expected.rows);
    expect(readdirSync(dir).filter((name) => name.includes('.rebuild-'))).toEqual([]);
    await store.close();
  }, 90_000);
});

/** Every call a rebuild thread makes of its sink, in order: what the writer would be handed. */
function recordingSink() {
  const calls: unknown[][] = [];
  const sink: RebuildSink = {
    audit: (rows) => void calls.push(['audit', rows]),
    auditDone: () => void calls.push(['auditDone']),
    plans: (rows) => void calls.push(['plans', rows]),
    progress: (done) => void calls.push(['progress', done]),
  };
  return { calls, sink };
}

async function projectEveryPlanStream(store: SqliteEventStore, lastPosition: bigint, wholeLog: boolean) {
  const db = openReadModelDatabase(':memory:');
  startRebuild(db);
  const { calls, sink } = recordingSink();
  const streamIds = (await store.listStreams('')).filter((streamId) => streamId.startsWith('plan-'));
  const folded = await new PlanProjector(store, db, () => undefined).projectStreams(streamIds, lastPosition, sink, { wholeLog });
  const quarantined = db.prepare(`SELECT plan_id, revision, event_id, position, reason FROM quarantined_plans ORDER BY plan_id`).raw().all();
  db.close();
  return { folded, calls, quarantined };
}

describe('a partition of every plan stream, read from the log in one scan', () => {
  it('hands its writer the same rows in the same order as the streams read by revision and merged, up to the end of the log or a position before it', async () => {
    const { dir, storePath } = scratchStore('ledger-rebuild-one-scan-');
    // No validator: history() stores events that cannot be folded (one plan repaired, one left quarantined), and a stream that is no plan.
    const store = new SqliteEventStore({ path: storePath });
    const hostile = await hostileHistory(store);
    await history(store);
    // Then the hostile plans go on, turn about, past the log's pages (2,000 events) and many fold chunks (500), while the other plans have ended.
    const actionOf = new Map<string, string>();
    // Each plan's first action (hostileHistory names it).
    for (const [p, planId] of hostile.entries()) actionOf.set(planId, HOSTILE_IDS[(p + 3) % HOSTILE_IDS.length]!);
    for (let round = 0; round < 9; round++) {
      for (const planId of hostile.slice(0, 2)) {
        const head = (await store.streamSummary(`plan-${planId}`))!.revision;
        const notes = Array.from({ length: 250 }, (_, n) => ({ eventId: uuidv7(), type: 'ProgressUpdateRecorded', data: { actionId: actionOf.get(planId)!, narrative: `Round ${round}, note ${n}`, asAt: '2012-10-31' }, metadata: { schemaVersion: 1, ...meta() } }));
        await store.appendToStream(`plan-${planId}`, notes, { expectedRevision: head });
      }
      await store.appendToStream('access-bench', [{ eventId: uuidv7(), type: 'Noted', data: { round }, metadata: { schemaVersion: 1, ...meta() } }], { expectedRevision: BigInt(4 + round) });
    }
    const log = await store.readAll({});
    expect(log.length).toBeGreaterThan(2 * 2_000);
    const end = log.at(-1)!.position;
    // Cut inside the hostile plans' last notes (their heads are then past it), and before the other plans began.
    for (const lastPosition of [end, end - 400n, log[10]!.position]) {
      const merged = await projectEveryPlanStream(store, lastPosition, false);
      const oneScan = await projectEveryPlanStream(store, lastPosition, true);
      // Call by call (a diff of thousands of rows at once would take jest minutes to print).
      expect(oneScan.calls.map(([call]) => call)).toEqual(merged.calls.map(([call]) => call));
      const differing = oneScan.calls.findIndex((call, i) => JSON.stringify(call) !== JSON.stringify(merged.calls[i]));
      expect(differing < 0 ? undefined : oneScan.calls[differing]).toEqual(differing < 0 ? undefined : merged.calls[differing]);
      expect(oneScan.quarantined).toEqual(merged.quarantined);
      expect(oneScan.folded).toBe(merged.folded);
      if (lastPosition === end) {
        // The plans that ended early were handed over as they ended, not with the log's end.
        const first = oneScan.calls.findIndex(([call]) => call === 'plans');
        expect(first).toBeLessThan(oneScan.calls.findIndex(([call]) => call === 'auditDone') - 3);
        // Eight plans, one of them quarantined (its rows are not written).
        expect(oneScan.calls.filter(([call]) => call === 'plans')).toHaveLength(7);
        expect(oneScan.quarantined).toHaveLength(1);
      }
    }
    // The rebuild (one thread, one partition: the log in one scan) writes what a catch-up from nothing and a rebuild a plan at a time write.
    const caughtUp = await caughtUpRows(store, path.join(dir, 'caught-up.sqlite'));
    const single = await rebuild(store, path.join(dir, 'single.sqlite'), {});
    expect(single.rows).toEqual(caughtUp);
    expect((await rebuild(store, path.join(dir, 'a-plan-each.sqlite'), { partitionEvents: 1 })).rows).toEqual(single.rows);
    await store.close();
  }, 60_000);
});
