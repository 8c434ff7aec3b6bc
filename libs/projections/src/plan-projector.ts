import type Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { actionConfinedTo, correctionConfinedTo, effectiveAtOf, historyKeptFor, initialPlanState, PlanFold, planIdOfStream, planStreamName, upcastPlanEventFast, voidedEventIds, type PlanState, type RawStoredEvent, type StoredPlanEvent } from '#domain';
import { lastPositionOf, type EventStore, type RecordedEvent, type Subscription } from '#event-store';
import { actionIdOf, summariseEvent } from '#plan-views';
import { PlanChanges, PlanRows, planRowsOf, type PlanRowValues } from './plan-rows.js';
import { ProjectorLease } from './projector-lease.js';
import { finishRebuild, removeStageFiles, stageFileOf, startRebuild } from './read-model-database.js';
import { ReferenceBook } from './reference-book.js';

const CHECKPOINT = 'plans-and-audit-log';
const PAGE = 2_000;
/**
 * A page is folded and written this many events at a time, giving the event loop back between chunks: folding
 * and writing the ten thousand events of a large import as one page held every other request for seconds.
 */
const FOLD_CHUNK = 500;
/**
 * Live, while requests are being answered, smaller still: a chunk of 500 events of a large import (folded,
 * with the plan's row written) held the loop for over 100 ms; 200 hold it for about half that. The read that
 * takes what was appended meanwhile is capped too, and the loop is given back after it.
 */
const LIVE_FOLD_CHUNK = 200;
const LIVE_PAGE = 1_000;
/** A rebuild reading the log in one scan finds where each stream ends by reading it backwards this many events at a time (one read, unless appended to since the rebuild began). */
const HEAD_PAGE = 16;
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/**
 * Catch-up writes the plans' changed rows (and the checkpoint) every few seconds and once at the end, not with
 * every page: a catch-up touches the same actions page after page, and writing them once covers many events.
 * The interval grows with the cost of a write, so writing never takes more than a tenth of a catch-up.
 */
const CATCH_UP_WRITE_INTERVAL_MS = 5_000;
const CATCH_UP_WRITE_SHARE = 10;

/** A plan the projector stopped folding: the first event it could not fold, and why. */
export interface QuarantinedPlan {
  planId: string;
  revision: number;
  eventId: string;
  position: bigint;
  reason: string;
  quarantinedAt: string;
}

/** A stored event of a plan that cannot be read or folded: quarantines that plan, never the projector. */
class PlanFoldFailure extends Error {
  constructor(
    readonly event: RecordedEvent,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** The quarantine as recorded in a read-model file (for `ledger doctor`, which may run while the API does). */
export function readQuarantinedPlans(db: Database.Database): QuarantinedPlan[] {
  const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'quarantined_plans'`).get();
  if (!exists) return [];
  const rows = db.prepare(`SELECT plan_id, revision, event_id, position, reason, quarantined_at FROM quarantined_plans ORDER BY plan_id`).all() as {
    plan_id: string;
    revision: number;
    event_id: string;
    position: string;
    reason: string;
    quarantined_at: string;
  }[];
  return rows.map((row) => ({ planId: row.plan_id, revision: row.revision, eventId: row.event_id, position: BigInt(row.position), reason: row.reason, quarantinedAt: row.quarantined_at }));
}

/**
 * Feeds the read models (current plan state, audit log) from the event store's global log, after the
 * append, with a persisted checkpoint: a restart resumes where it stopped. Catch-up reads pages and
 * writes each page in one transaction; then it goes live on the store's subscription.
 */
export class PlanProjector {
  private subscription?: Subscription;
  private position: bigint;
  /** Every plan met so far, folded up to its last projected event: the projector owns these and folds them in place. */
  private readonly plans = new Map<string, ProjectedPlan>();
  private readonly rows: PlanRows;
  private readonly lease: ProjectorLease;
  private readonly waiters: { position: bigint; resolve: () => void }[] = [];
  private failure?: unknown;
  /** Prepared once, when first written with (not in the constructor: a read-only user of the projector writes nothing). */
  private insertAudit?: Database.Statement;
  private saveCheckpoint?: Database.Statement;
  /** Plans whose events could not be folded: their further events are skipped until a repair (EventVoided) arrives. */
  private readonly quarantine = new Map<string, QuarantinedPlan>();
  /**
   * How a stored event is read (upcast and validated): upcastPlanEventFast, which gives upcastPlanEvent's result
   * and errors without zod's parse for an event already in its current form. Live too, not only in a rebuild:
   * every write's read-your-writes folds the group it just appended (zod's upcast was ~1 % of the API's main
   * thread under concurrent writes), and an event it leaves to zod quarantines its plan with zod's own error.
   */
  private readonly upcast: (raw: RawStoredEvent) => StoredPlanEvent = upcastPlanEventFast;
  /**
   * For a rebuild's folds: what each plan's fold keeps of its history, read ahead from the log's corrections
   * (readHistoriesToKeep) by projectStreams, once per rebuild and thread. Unset outside them: live projection and
   * catch-up keep every plan's whole history.
   */
  private historiesToKeep?: HistoriesToKeep;

  constructor(
    private readonly store: EventStore,
    private readonly db: Database.Database,
    private readonly log: (message: string) => void = (message) => console.error(message),
  ) {
    const row = db.prepare(`SELECT position FROM checkpoints WHERE name = ?`).get(CHECKPOINT) as { position: string } | undefined;
    this.position = row ? BigInt(row.position) : -1n;
    this.rows = new PlanRows(db);
    this.lease = new ProjectorLease(db);
    for (const plan of readQuarantinedPlans(db)) this.quarantine.set(plan.planId, plan);
  }

  get checkpoint(): bigint {
    return this.position;
  }

  /** Why this plan is not being projected, or undefined when it is. */
  quarantined(planId: string): QuarantinedPlan | undefined {
    return this.quarantine.get(planId);
  }

  quarantinedPlans(): QuarantinedPlan[] {
    return [...this.quarantine.values()];
  }

  /** Catch up with the log, then follow it live. Refuses (ReadModelsInUseError) while another process projects into the same file. */
  async start(): Promise<void> {
    this.lease.claim();
    try {
      await this.catchUp();
    } catch (error) {
      this.lease.release();
      throw error;
    }
    this.lease.keepAlive();
    this.subscription = this.store.subscribeToAll({
      fromPosition: this.position < 0n ? undefined : this.position,
      onEvent: async (event) => {
        if (event.position <= this.position) return;
        // Take everything appended by now, not just this event: under concurrent writes one write of each
        // plan's state (megabytes for a large plan) then covers many events, instead of one write per event.
        // The events this picks up ahead are skipped when the subscription delivers them (position check above).
        const pending = await this.store.readAll({ fromPosition: this.position < 0n ? undefined : this.position, maxCount: LIVE_PAGE });
        await yieldToEventLoop();
        return this.applyBatch(pending.length > 0 ? pending : [event]);
      },
      onError: (error) => {
        this.failure = error;
      },
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    this.subscription = undefined;
    this.lease.release();
  }

  /**
   * Drop the read models and rebuild them from every event, reporting progress. The audit log's secondary
   * indexes are built once at the end (a sort) rather than row by row (a random insert into each of them
   * for every event, which cost more than the rest of the rebuild). If the rebuild stops half-way, the
   * read models are marked unfinished and openReadModelDatabase starts them again from nothing.
   */
  async rebuild(onProgress?: (done: number) => void, options: RebuildOptions = {}): Promise<number> {
    await this.stop();
    this.lease.claim();
    try {
      return await this.rebuildReading(onProgress, options);
    } finally {
      this.lease.release();
      this.historiesToKeep = undefined;
    }
  }

  private async rebuildReading(onProgress: ((done: number) => void) | undefined, { workers = 1, storePath, partitionEvents = PARTITION_EVENTS }: RebuildOptions): Promise<number> {
    startRebuild(this.db);
    this.plans.clear();
    this.quarantine.clear();
    this.position = -1n;
    const indexes = dropAuditIndexes(this.db);
    let indexed = false;
    const buildIndexes = () => {
      if (indexed) return;
      indexed = true;
      this.db.pragma(`threads = ${INDEX_SORT_THREADS}`);
      this.db.transaction(() => {
        for (const { sql } of indexes) this.db.exec(sql);
      })();
      this.db.pragma('threads = 0');
    };
    let done: number;
    try {
      const threads = workers > 1 && storePath !== undefined ? Math.min(workers, MAX_WORKERS) : 1;
      // One path for every ledger: a ledger that fits one partition on one thread is its small case (one partition,
      // its audit rows straight into the audit log, no staging).
      const layout = await this.layOut(threads, Math.max(1, partitionEvents));
      done = await this.rebuildInPartitions(layout, storePath, onProgress, buildIndexes);
      // Whatever was appended meanwhile, as any catch-up (the plans from their rows).
      done += await this.catchUp((n) => onProgress?.(done + n), { writePlansAtEndOnly: true });
    } finally {
      buildIndexes();
    }
    finishRebuild(this.db);
    return done;
  }

  /**
   * The plans dealt out into partitions of about `partitionEvents` events (a plan larger than that is a partition
   * of its own), and the partitions among the threads that fold: a thread holds one partition's plans at a time.
   * With as many partitions as folding threads, each is its thread's share of the events (see foldShares: this
   * thread, which also writes, folds less); with more, they are of about equal size, dealt out by the same shares.
   */
  private async layOut(threads: number, partitionEvents: number): Promise<RebuildLayout> {
    const everyStream = await this.store.listStreams('');
    const eventsOf = async (streamId: string) => Number((await this.store.streamSummary(streamId))?.revision ?? -1n) + 1;
    // The streams that are no plan's are not folded, but counted, as a catch-up counts what it reads.
    let others = 0;
    for (const streamId of everyStream) if (!planIdOfStream(streamId)) others += await eventsOf(streamId);
    const last = (await lastPositionOf(this.store)) ?? -1n;
    const streams = everyStream.filter((streamId) => planIdOfStream(streamId));
    const sizes = await Promise.all(streams.map(eventsOf));
    const total = sizes.reduce((a, b) => a + b, 0);
    const weights = foldShares(threads);
    const folding = weights.flatMap((weight, t) => (weight > 0 ? [t] : []));
    // At least a partition per folding thread; SQLite merges at most 500 selects in one compound statement, and the staged partitions' merge is one.
    const count = Math.min(MAX_PARTITIONS, Math.max(folding.length, Math.ceil(total / partitionEvents)));
    const shares: number[][] = weights.map(() => []);
    const partitions: string[][] = [];
    const add = (thread: number, partition: string[]) => {
      if (partition.length === 0) return;
      shares[thread]!.push(partitions.length);
      partitions.push(partition);
    };
    if (count === folding.length) {
      const bins = shareOut(streams, sizes, folding.map((t) => weights[t]!));
      for (const [i, t] of folding.entries()) add(t, bins[i]!);
    } else {
      const size = new Map(streams.map((streamId, i) => [streamId, sizes[i]!]));
      const bins = shareOut(streams, sizes, Array.from({ length: count }, () => 1));
      const binSizes = bins.map((bin) => bin.reduce((sum, streamId) => sum + size.get(streamId)!, 0));
      const threadOf = dealOut(binSizes, weights);
      for (const [b, bin] of bins.entries()) add(threadOf[b]!, bin);
    }
    return { partitions, shares, others, last, planStreams: streams.length };
  }

  /**
   * The rebuild partition by partition: each thread (this one, and each worker) folds its partitions one after
   * another, writing a partition's plans and dropping them as each plan's stream ends, so the memory follows a
   * partition's plans (or the largest plan), not the ledger. A plan's rows depend on its events alone (see
   * segmentsAtRepairs), so they are the rows of a rebuild that holds every plan. The audit log is kept in
   * position order: with more partitions than a thread, each partition's rows (in position order within it) go
   * into a table of its own in a staging file beside the read models, merged from there into the audit log at
   * the end (SQLite merges the sorted tables, so every insert appends), instead of being inserted between the
   * rows of the partitions before. With a partition a thread they go straight into the audit log.
   */
  private async rebuildInPartitions(layout: RebuildLayout, storePath: string | undefined, onProgress: ((done: number) => void) | undefined, onAuditRowsWritten: () => void): Promise<number> {
    const stage = layout.shares.some((share) => share.length > 1) ? this.attachStage(layout.partitions.length) : undefined;
    let folded = 0;
    try {
      folded = await this.rebuildInThreads(storePath, layout, stage, onProgress ?? (() => undefined), stage ? () => undefined : onAuditRowsWritten);
      stage?.merge();
    } finally {
      stage?.detach();
    }
    if (layout.last >= 0n) this.db.prepare(`INSERT INTO checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position`).run(CHECKPOINT, layout.last.toString());
    this.quarantine.clear();
    for (const plan of readQuarantinedPlans(this.db)) this.quarantine.set(plan.planId, plan);
    this.position = layout.last;
    const done = folded + layout.others;
    onProgress?.(done);
    return done;
  }

  /**
   * A staging file beside the read models (removed at the end, and by the next open if the rebuild is killed),
   * with a table per partition for its audit rows; `merge` appends them all to the audit log in position order.
   */
  private attachStage(partitions: number): RebuildStage {
    const file = stageFileOf(this.db.name);
    removeStageFiles(this.db.name);
    this.db.prepare(`ATTACH DATABASE ? AS rebuild_stage`).run(file);
    // Nothing here outlives the rebuild: no journal, no waiting for the disk.
    this.db.pragma('rebuild_stage.journal_mode = OFF');
    this.db.pragma('rebuild_stage.synchronous = OFF');
    this.db.pragma(`rebuild_stage.cache_size = -${STAGE_CACHE_KIB}`);
    const table = (r: number) => `rebuild_stage.audit_${r}`;
    for (let r = 0; r < partitions; r++) this.db.exec(`CREATE TABLE ${table(r)} (${AUDIT_COLUMNS.map((name, i) => (i === 0 ? `${name} INTEGER PRIMARY KEY` : name)).join(', ')})`);
    let attached = true;
    return {
      insert: (r) => `INSERT OR IGNORE INTO ${table(r)} VALUES (${AUDIT_COLUMNS.map(() => '?').join(', ')})`,
      merge: () => {
        const select = Array.from({ length: partitions }, (_, r) => `SELECT * FROM ${table(r)}`).join(' UNION ALL ');
        this.db.transaction(() => this.db.exec(`INSERT OR IGNORE INTO audit_log (${AUDIT_COLUMNS.join(', ')}) ${select} ORDER BY 1`))();
      },
      detach: () => {
        if (!attached) return;
        attached = false;
        this.db.exec('DETACH DATABASE rebuild_stage');
        removeStageFiles(this.db.name);
      },
    };
  }

  /**
   * The partitions folded by this thread (share 0) and by worker threads (node:worker_threads; shares 1 on), each
   * thread reading only its own plans' streams and folding them in log order; this thread is the one writer, and
   * folds a smaller share beside the writing (a worker costs a start, a heap to collect and the clone of every
   * row it hands over; this thread's own rows cost none of that). Each folding thread hands over its audit rows
   * as it makes them, in position order, and this thread merges them by position and inserts them as they come
   * (so every insert appends, and the writing overlaps the folding), then each plan's rows (made where it was
   * folded: the JSON is the costly part) and the quarantine. A plan's rows depend on its events alone (see
   * segmentsAtRepairs), so the result is the same row for row whatever the threads. With one thread, no worker.
   */
  private async rebuildInThreads(storePath: string | undefined, { partitions, shares, last, planStreams }: RebuildLayout, stage: RebuildStage | undefined, onProgress: (done: number) => void, onAuditRowsWritten: () => void): Promise<number> {
    const insertAudit = this.db.prepare(INSERT_AUDIT);
    // Staged, each partition's rows go to its own table as they come (in position order within the partition): nothing to merge here.
    const insertStaged = stage ? partitions.map((_, p) => this.db.prepare(stage.insert(p))) : [];
    const stageRows = this.db.transaction((insert: Database.Statement, rows: unknown[][]) => {
      for (const row of rows) insert.run(row);
    });
    const insertPlans = this.db.transaction((rows: PlanRowValues) => this.rows.insert(rows));
    const progress = shares.map(() => 0);
    const report = () => onProgress(progress.reduce((a, b) => a + b, 0));
    const insertQuarantined = this.db.prepare(`INSERT INTO quarantined_plans (plan_id, revision, event_id, position, reason, quarantined_at) VALUES (?, ?, ?, ?, ?, ?)`);
    // Each thread's audit rows not yet written, batch by batch as they came, in position order within the thread.
    const queues = shares.map((share) => ({ batches: [] as { rows: unknown[][]; at: number }[], finished: stage !== undefined || share.length === 0 }));
    const running: Worker[] = [];
    const finished = shares.map(() => false);
    const merged: unknown[][] = [];
    let failed: unknown;
    /** Wakes this thread's folding, waiting for its rows to be merged. */
    let wakeHere: (() => void) | undefined;
    const writeMerged = () => {
      if (merged.length === 0) return;
      this.db.transaction(() => {
        for (const row of merged) insertAudit.run(row);
      })();
      merged.length = 0;
    };
    let allWritten = false;
    const writeIfAllMerged = () => {
      if (allWritten || !queues.every((queue) => queue.finished && queue.batches.length === 0)) return;
      allWritten = true;
      writeMerged();
      onAuditRowsWritten();
    };
    // Take rows in position order while every thread still folding has rows here: a thread with none may yet send a lower position.
    const merge = () => {
      for (;;) {
        let next = -1;
        let lowest = Infinity;
        for (const [i, queue] of queues.entries()) {
          const head = queue.batches[0];
          if (!head) {
            if (!queue.finished) return;
            continue;
          }
          const position = head.rows[head.at]![0] as number;
          if (position < lowest) {
            lowest = position;
            next = i;
          }
        }
        if (next < 0) return;
        const queue = queues[next]!;
        const head = queue.batches[0]!;
        merged.push(head.rows[head.at++]!);
        if (head.at === head.rows.length) {
          queue.batches.shift();
          // Written or about to be: the thread may make more (it keeps only a few batches in flight).
          if (next === 0) wakeHere?.();
          else running[next]?.postMessage({ ack: 1 });
        }
        if (merged.length >= WRITE_CHUNK) writeMerged();
      }
    };
    const auditDone = (t: number) => {
      if (stage) return;
      queues[t]!.finished = true;
      merge();
      writeIfAllMerged();
    };
    const foldHere = async (): Promise<number> => {
      const queue = queues[0]!;
      let part = 0;
      let folded = 0;
      const sink: RebuildSink = {
        audit: async (rows) => {
          if (failed !== undefined) throw failed;
          if (stage) stageRows(insertStaged[shares[0]![part]!]!, rows);
          else {
            queue.batches.push({ rows, at: 0 });
            merge();
          }
          // The event loop is given back between chunks: the workers' rows are taken meanwhile.
          await yieldToEventLoop();
          while (failed === undefined && queue.batches.length > REBUILD_IN_FLIGHT) await new Promise<void>((resolve) => (wakeHere = resolve));
          wakeHere = undefined;
        },
        auditDone: () => auditDone(0),
        plans: (rows) => insertPlans(rows),
        progress: (done) => {
          progress[0] = folded + done;
          report();
        },
      };
      for (const [i, p] of shares[0]!.entries()) {
        part = i;
        // A partition of every plan stream (one thread, a ledger of one partition): the log read in one scan.
        folded += await this.projectStreams(partitions[p]!, last, sink, { wholeLog: partitions[p]!.length === planStreams });
      }
      finished[0] = true;
      return folded;
    };
    const foldInWorker = (share: readonly number[], t: number) =>
      new Promise<number>((resolve, reject) => {
        const worker = new Worker(REBUILD_WORKER, { workerData: { storePath, partitions: share.map((p) => partitions[p]!), lastPosition: last.toString() } });
        running[t] = worker;
        worker.on('message', (message: RebuildWorkerMessage) => {
          try {
            if ('audit' in message && stage) {
              stageRows(insertStaged[share[message.part]!]!, message.audit);
              worker.postMessage({ ack: 1 });
            } else if ('audit' in message) {
              queues[t]!.batches.push({ rows: message.audit, at: 0 });
              merge();
            } else if ('plans' in message) {
              insertPlans(message.plans);
            } else if ('quarantined' in message) {
              this.db.transaction(() => {
                for (const row of message.quarantined) insertQuarantined.run(...row);
              })();
            } else if ('log' in message) {
              this.log(message.log);
            } else if ('progress' in message) {
              progress[t] = message.progress;
              report();
            } else if ('auditDone' in message) {
              auditDone(t);
            } else if ('done' in message) {
              finished[t] = true;
              resolve(message.done);
            }
          } catch (error) {
            reject(error);
          }
        });
        worker.once('error', reject);
        worker.once('exit', (code) => (finished[t] ? undefined : reject(new Error(`A rebuild worker stopped with exit code ${code} before it had finished`))));
      });
    if (shares.length > 1 && storePath === undefined) throw new Error('A rebuild with worker threads needs the store file');
    const here = foldHere();
    let folded: number[];
    try {
      folded = await Promise.all([here, ...shares.slice(1).map((share, w) => (share.length > 0 ? foldInWorker(share, w + 1) : 0))]);
    } catch (error) {
      // One failed: stop the others, and fail the rebuild (the file is marked unfinished: it starts again from nothing).
      failed = error;
      wakeHere?.();
      await Promise.all(running.map((worker) => worker.terminate()));
      await here.catch(() => undefined);
      throw error;
    }
    writeIfAllMerged();
    writeMerged();
    return folded.reduce((a, b) => a + b, 0);
  }

  /**
   * For a rebuild thread: fold these plan streams up to `lastPosition` in log order (so the audit rows come out in
   * position order, for the writer to append), handing each plan's rows over as its stream ends and dropping it;
   * then every audit row is handed over. With `wholeLog` (these are every plan stream of the log) the log is read
   * in one scan, as a catch-up reads it; else each stream is read by revision and merged back into log order. Both
   * give the same events in the same chunks, so the same rows.
   */
  async projectStreams(streamIds: readonly string[], lastPosition: bigint, sink: RebuildSink, { wholeLog = false }: { wholeLog?: boolean } = {}): Promise<number> {
    // Read ahead once per rebuild, again only for a fold past what was read (a caller folding on after appends).
    if (this.historiesToKeep === undefined || this.historiesToKeep.upTo < lastPosition) this.historiesToKeep = await this.readHistoriesToKeep();
    const next = wholeLog ? await this.logInOrder(streamIds, lastPosition) : await this.streamsMerged(streamIds, lastPosition);
    let done = 0;
    // Plans whose streams have no more events: once their last chunk is folded, their rows go and they are forgotten.
    const handOver = (ended: readonly string[]) => {
      for (const streamId of ended) {
        const planId = planIdOfStream(streamId);
        const plan = planId ? this.plans.get(planId) : undefined;
        if (!plan) continue;
        sink.plans(planRowsOf([plan.state]));
        this.plans.delete(planId!);
      }
    };
    const fold = async (chunk: readonly RecordedEvent[]) => {
      const { auditRows } = await this.project(chunk);
      if (auditRows.length > 0) await sink.audit(auditRows);
      done += chunk.length;
      sink.progress(done);
    };
    try {
      let chunk = await next();
      while (chunk.events.length === FOLD_CHUNK) {
        await fold(chunk.events);
        handOver(chunk.ended);
        chunk = await next();
      }
      if (chunk.events.length > 0) await fold(chunk.events);
      sink.auditDone();
      handOver(chunk.ended);
    } finally {
      // A plan still held (none, once every stream has ended) has only part of its history: not one for a catch-up to fold on.
      for (const [planId, plan] of this.plans) if (plan.history !== undefined) this.plans.delete(planId);
    }
    return done;
  }

  /**
   * For each plan, what its fold in a rebuild must keep of its history (historyKeptFor): the log's corrections and
   * the entries they correct, read ahead (two reads, one a scan of the log's types; every adapter has both).
   * Undefined for a plan: its whole history.
   */
  private async readHistoriesToKeep(): Promise<HistoriesToKeep> {
    const { store } = this;
    const upTo = (await lastPositionOf(store)) ?? -1n;
    const corrections = new Map<string, StoredPlanEvent[]>();
    const unreadable = new Set<string>();
    for (const recorded of await store.readAllOfTypes(['EntryCorrected'])) {
      const planId = planIdOfStream(recorded.streamId);
      if (!planId) continue;
      try {
        const correction = this.upcast(recorded);
        if (!corrections.has(planId)) corrections.set(planId, []);
        corrections.get(planId)!.push(correction);
      } catch {
        // Its fold quarantines the plan; until then the plan keeps its history as any fold does.
        unreadable.add(planId);
      }
    }
    const correctedIds = [...corrections.values()].flat().flatMap((event) => (event.type === 'EntryCorrected' ? [event.data.correctedEventId] : []));
    const corrected = new Map<string, Map<string, StoredPlanEvent>>();
    for (const recorded of await store.readEventsById(correctedIds)) {
      const planId = planIdOfStream(recorded.streamId);
      if (!planId) continue;
      let original: StoredPlanEvent;
      try {
        original = this.upcast(recorded);
      } catch {
        continue; // Not found, then: the plan keeps its whole history.
      }
      if (!corrected.has(planId)) corrected.set(planId, new Map());
      corrected.get(planId)!.set(original.eventId, original);
    }
    const of = (planId: string): LightHistory | undefined => {
      if (unreadable.has(planId)) return undefined;
      const own = corrections.get(planId) ?? [];
      const keeps = historyKeptFor(own, corrected.get(planId) ?? new Map());
      return keeps && { keeps, corrections: new Set(own.map((event) => event.eventId)) };
    };
    return { upTo, of };
  }

  /** The streams' events up to `lastPosition` in log order, a chunk at a time: each stream read by revision, page by page, merged by position. */
  private async streamsMerged(streamIds: readonly string[], lastPosition: bigint): Promise<() => Promise<RebuildChunk>> {
    // Pages per stream small enough that the buffered heads of many streams stay a few pages of the log.
    const page = Math.max(64, Math.min(PAGE, Math.floor((4 * PAGE) / Math.max(streamIds.length, 1))));
    const heap = new StreamHeads();
    const refill = async (head: StreamHead): Promise<void> => {
      const read = await this.store.readStream(head.streamId, { fromRevision: head.nextRevision, maxCount: page });
      head.events = read.filter((event) => event.position <= lastPosition);
      head.at = 0;
      head.ended = read.length < page || head.events.length < read.length;
      if (!head.ended) head.nextRevision = read[read.length - 1]!.revision + 1n;
    };
    for (const streamId of streamIds) {
      const head: StreamHead = { streamId, events: [], at: 0, nextRevision: 0n, ended: false };
      await refill(head);
      if (head.events.length > 0) heap.push(head);
    }
    return async () => {
      const events: RecordedEvent[] = [];
      const ended: string[] = [];
      for (let head = events.length < FOLD_CHUNK ? heap.pop() : undefined; head; head = events.length < FOLD_CHUNK ? heap.pop() : undefined) {
        events.push(head.events[head.at++]!);
        if (head.at === head.events.length && !head.ended) await refill(head);
        if (head.at < head.events.length) heap.push(head);
        else ended.push(head.streamId);
      }
      return { events, ended };
    };
  }

  /**
   * The same events as streamsMerged when the streams are every plan stream of the log: the log read in one scan,
   * page by page, up to `lastPosition`, the events of other streams left out. A stream ends at its last event up
   * to `lastPosition` (its head, unless it was appended to since the rebuild began), as it does in streamsMerged.
   */
  private async logInOrder(streamIds: readonly string[], lastPosition: bigint): Promise<() => Promise<RebuildChunk>> {
    const lastRevision = new Map<string, bigint>();
    for (const streamId of streamIds) {
      for (let fromRevision: bigint | undefined; ; ) {
        const read = await this.store.readStream(streamId, { direction: 'backwards', fromRevision, maxCount: HEAD_PAGE });
        const last = read.find((event) => event.position <= lastPosition);
        if (last) lastRevision.set(streamId, last.revision);
        if (last || read.length < HEAD_PAGE || read[read.length - 1]!.revision === 0n) break;
        fromRevision = read[read.length - 1]!.revision - 1n;
      }
    }
    let page: RecordedEvent[] = [];
    let at = 0;
    let after = -1n;
    let logEnded = false;
    return async () => {
      const events: RecordedEvent[] = [];
      const ended: string[] = [];
      while (events.length < FOLD_CHUNK) {
        if (at === page.length) {
          if (logEnded) break;
          page = await this.store.readAll({ fromPosition: after < 0n ? undefined : after, maxCount: PAGE });
          at = 0;
          logEnded = page.length < PAGE;
          if (page.length > 0) after = page[page.length - 1]!.position;
          continue;
        }
        const event = page[at++]!;
        if (event.position > lastPosition) {
          logEnded = true;
          page = [];
          at = 0;
          break;
        }
        const last = lastRevision.get(event.streamId);
        if (last === undefined) continue;
        events.push(event);
        if (event.revision === last) ended.push(event.streamId);
      }
      return { events, ended };
    };
  }

  /** Resolves once the read models include the event at `position` (read-your-writes after a command). */
  waitFor(position: bigint, timeoutMs = 10_000): Promise<void> {
    if (this.position >= position) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`The read models did not reach position ${position} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ position, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  /**
   * Audit rows are written with every page, in one transaction; the plans they touched, with the checkpoint,
   * every few seconds and at the end, in the same transaction as that page's audit rows. A short page is the
   * end of the log as it was read: the plans are written then, and the read after it (nothing more, unless
   * appended meanwhile) ends the catch-up. After a crash the projector resumes from the last checkpoint: the
   * plans are folded again and the audit rows it had already written are skipped (INSERT OR IGNORE on their
   * position).
   *
   * Why a page and not each fold chunk: every commit writes again each index leaf it dirtied (the audit log has
   * seven indexes, and its rows of one page land on a leaf per action, actor and type), so a transaction per
   * chunk of 500 wrote those leaves four times a page; and a transaction of its own for the plans at the end
   * cost one more commit.
   */
  private async catchUp(onProgress?: (done: number) => void, { writePlansAtEndOnly = false } = {}): Promise<number> {
    // Also a rebuild's last step (what was appended meanwhile): its folds are done, and a catch-up keeps whole histories.
    this.historiesToKeep = undefined;
    let done = 0;
    let after = this.position;
    const unwritten = new Set<string>();
    let nextWrite = Date.now() + CATCH_UP_WRITE_INTERVAL_MS;
    for (;;) {
      this.lease.renewIfDue();
      const page = await this.store.readAll({ fromPosition: after < 0n ? undefined : after, maxCount: PAGE });
      const pageAuditRows: unknown[][] = [];
      for (const chunk of chunksOf(page)) {
        const { touched, auditRows } = await this.project(chunk);
        for (const row of auditRows) pageAuditRows.push(row);
        for (const planId of touched) unwritten.add(planId);
        after = chunk[chunk.length - 1]!.position;
        done += chunk.length;
        await yieldToEventLoop();
      }
      const atEnd = page.length < PAGE;
      if (after !== this.position && (atEnd || (!writePlansAtEndOnly && Date.now() >= nextWrite))) {
        const started = Date.now();
        this.writeBatch(unwritten, pageAuditRows, after);
        unwritten.clear();
        nextWrite = Date.now() + Math.max(CATCH_UP_WRITE_INTERVAL_MS, (Date.now() - started) * CATCH_UP_WRITE_SHARE);
        this.position = after;
        this.release();
      } else if (pageAuditRows.length > 0) {
        this.writeBatch([], pageAuditRows);
      }
      if (page.length === 0) return done;
      onProgress?.(done);
    }
  }

  /** Live: what was appended since the last batch, written at once, so a command can read its own write. */
  private async applyBatch(events: readonly RecordedEvent[]): Promise<void> {
    // Chunk by chunk, each in its own transaction with its checkpoint: a crash between chunks resumes after
    // the last one written, and the waiters for earlier positions are answered as soon as theirs is.
    let first = true;
    for (const chunk of chunksOf(events, LIVE_FOLD_CHUNK)) {
      if (!first) await yieldToEventLoop();
      first = false;
      const { touched, auditRows } = await this.project(chunk);
      const last = chunk[chunk.length - 1]!.position;
      this.writeBatch(touched, auditRows, last);
      this.position = last;
      this.release();
    }
  }

  /**
   * Fold the events into their plans, noting what each changed, and summarise them for the audit log.
   * A plan whose event cannot be read or folded is quarantined: recorded with the event and the reason, left
   * out of this write (its rows stay as they were), and skipped from then on, while every other plan goes on.
   * A repair (EventVoided) of a plan re-folds that plan from its stream up to the repair without the voided
   * entries; if that succeeds the quarantine is lifted and the audit rows it missed are written.
   */
  private async project(events: readonly RecordedEvent[]): Promise<{ touched: Set<string>; auditRows: unknown[][] }> {
    const touched = new Set<string>();
    const auditRows: unknown[][] = [];
    const pending: { planId: string; events: RecordedEvent[] }[] = [];
    for (const event of events) {
      const planId = planIdOfStream(event.streamId);
      if (!planId) continue;
      const last = pending[pending.length - 1];
      if (last?.planId === planId) last.events.push(event);
      else pending.push({ planId, events: [event] });
    }
    for (const { planId, events } of pending) {
      for (const recorded of segmentsAtRepairs(events)) {
        const repairs = recorded[0]!.type === 'EventVoided';
        if (this.quarantine.has(planId) && !repairs) continue;
        const rows: unknown[][] = [];
        try {
          if (repairs) {
            // Re-folded up to the repair itself; what follows it folds on from there, as it would in another chunk.
            await this.refold(planId, Number(recorded[0]!.revision), rows);
            const plan = this.plans.get(planId)!;
            for (const event of recorded.slice(1)) rows.push(takeOrFail(plan, event, this.upcast));
          } else {
            const plan = await this.planBefore(planId, Number(recorded[0]!.revision), recorded.filter((event) => event.type === 'EntryCorrected'));
            for (const event of recorded) rows.push(takeOrFail(plan, event, this.upcast));
          }
        } catch (error) {
          this.plans.delete(planId);
          if (!(error instanceof PlanFoldFailure)) throw error;
          // The entries before the one that failed did fold: their audit rows stand, however the log was chunked.
          auditRows.push(...rows);
          this.quarantinePlan(planId, error);
          continue;
        }
        if (this.quarantine.delete(planId)) {
          this.db.prepare(`DELETE FROM quarantined_plans WHERE plan_id = ?`).run(planId);
          this.log(`Plan ${planId} is out of quarantine: its repair voided the entry that could not be folded`);
        }
        auditRows.push(...rows);
        touched.add(planId);
      }
    }
    return { touched, auditRows };
  }

  private quarantinePlan(planId: string, failure: PlanFoldFailure): void {
    const quarantined: QuarantinedPlan = {
      planId,
      revision: Number(failure.event.revision),
      eventId: failure.event.eventId,
      position: failure.event.position,
      reason: failure.reason.slice(0, 2_000),
      quarantinedAt: new Date().toISOString(),
    };
    this.quarantine.set(planId, quarantined);
    this.db
      .prepare(
        `INSERT INTO quarantined_plans (plan_id, revision, event_id, position, reason, quarantined_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (plan_id) DO UPDATE SET revision = excluded.revision, event_id = excluded.event_id, position = excluded.position, reason = excluded.reason, quarantined_at = excluded.quarantined_at`,
      )
      .run(planId, quarantined.revision, quarantined.eventId, quarantined.position.toString(), quarantined.reason, quarantined.quarantinedAt);
    this.log(`Plan ${planId} is quarantined at revision ${quarantined.revision} (event ${quarantined.eventId}): ${quarantined.reason}`);
  }

  /**
   * The plan as it stood before `revision`: from memory; else, after a restart, from its own read-model rows
   * when they stand at exactly that revision (so catching up N events costs those N events and the rows of the
   * plans they touch, not a replay of every plan's history); else folded from its whole stream, so that a
   * repair recorded later voids an entry here too. A plan taken from its rows has no history: the first
   * correction it meets (which re-folds from the history) reads the stream after all.
   */
  private async planBefore(planId: string, revision: number, corrections: readonly RecordedEvent[] = []): Promise<ProjectedPlan> {
    const needsHistory = corrections.length > 0;
    const known = this.plans.get(planId);
    if (known && known.state.revision === revision - 1 && (!needsHistory || known.historyServes(corrections))) return known;
    if (!known && !needsHistory && revision > 0) {
      const projected = this.rows.read(planId);
      if (projected && projected.revision === revision - 1) {
        const plan = new ProjectedPlan(planId, projected, false);
        this.plans.set(planId, plan);
        return plan;
      }
    }
    const stream = revision === 0 ? [] : await this.store.readStream(planStreamName(planId));
    const voided = voidedEvents(stream);
    // In a rebuild, a plan folded from nothing keeps the light history, if that serves the corrections coming.
    const light = this.historiesToKeep?.of(planId);
    const plan = new ProjectedPlan(planId, initialPlanState(), true, light && servesCorrections(light, corrections) ? light : undefined);
    for (const event of stream) {
      if (Number(event.revision) >= revision) break;
      if (!voided.has(event.eventId)) takeOrFail(plan, event, this.upcast);
    }
    plan.changes.clear();
    // The plan held until now may have changes not yet written (a catch-up writes its plans every few seconds and
    // at the end): they are owed by the plan that takes its place, or its rows would keep those actions as they were.
    if (known) plan.changes.takeOver(known.changes);
    this.plans.set(planId, plan);
    return plan;
  }

  /** After a repair: the plan folded afresh from its stream up to `lastRevision`, its audit rows (those already written are ignored) in `rows`. */
  private async refold(planId: string, lastRevision: number, rows: unknown[][]): Promise<void> {
    const stream = await this.store.readStream(planStreamName(planId), { maxCount: lastRevision + 1 });
    const voided = voidedEvents(stream);
    const plan = new ProjectedPlan(planId, initialPlanState());
    for (const event of stream) if (!voided.has(event.eventId)) rows.push(takeOrFail(plan, event, this.upcast));
    plan.changes.everything = true;
    this.plans.set(planId, plan);
  }

  /** One transaction: the changed rows of these plans, the audit rows and, if given, the checkpoint they bring the read models to. */
  private writeBatch(planIds: Iterable<string>, auditRows: unknown[][], position?: bigint): void {
    const insertAudit = (this.insertAudit ??= this.db.prepare(INSERT_AUDIT));
    const saveCheckpoint = (this.saveCheckpoint ??= this.db.prepare(`INSERT INTO checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position`));
    this.db.transaction(() => {
      for (const planId of planIds) {
        const plan = this.plans.get(planId);
        if (plan) this.rows.write(plan.state, plan.changes);
      }
      for (const row of auditRows) insertAudit.run(row);
      if (position !== undefined) saveCheckpoint.run(CHECKPOINT, position.toString());
    })();
    // Only once the transaction has committed: had it failed, the changes would still be owed.
    for (const planId of planIds) {
      const plan = this.plans.get(planId);
      plan?.changes.clear(plan.state.revision);
    }
  }

  private release(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i]!.position <= this.position) {
        this.waiters[i]!.resolve();
        this.waiters.splice(i, 1);
      }
    }
  }

}

/** The audit log's columns, in the table's order. */
const AUDIT_COLUMNS = ['position', 'organisation_id', 'plan_id', 'event_id', 'revision', 'type', 'actor_id', 'actor_name', 'recorded_at', 'effective_at', 'action_id', 'summary', 'reason', 'correlation_id'];
/** Its rows are bound as one array each (better-sqlite3 takes an array for the anonymous parameters): no spread of 14 arguments per row. */
const INSERT_AUDIT = `INSERT OR IGNORE INTO audit_log (${AUDIT_COLUMNS.join(', ')}) VALUES (${AUDIT_COLUMNS.map(() => '?').join(', ')})`;

/** The rebuild's writer takes the workers' merged audit rows this many at a time, one transaction each. */
const WRITE_CHUNK = 2_000;

/** What a rebuild worker hands its writer (see projectStreams). */
export interface RebuildSink {
  /** Audit rows in position order; resolves when the worker may make more (a few batches are kept in flight). */
  audit(rows: unknown[][]): Promise<void> | void;
  /** Every audit row has been handed over. */
  auditDone(): void;
  plans(rows: PlanRowValues): void;
  progress(done: number): void;
}

/** The messages of plan-rebuild-worker.ts to the rebuilding thread. */
export type RebuildWorkerMessage =
  /** `part`: which of the worker's partitions (in the order it was given them) the rows are of. */
  | { audit: unknown[][]; part: number }
  | { auditDone: true }
  | { plans: PlanRowValues }
  | { quarantined: unknown[][] }
  | { progress: number }
  | { log: string }
  | { done: number };

/** The next events a rebuild thread folds (FOLD_CHUNK of them, fewer only at the end), and the streams whose last event is among them. */
interface RebuildChunk {
  events: RecordedEvent[];
  ended: string[];
}

interface StreamHead {
  streamId: string;
  /** The page read, from `at` on not yet folded. */
  events: RecordedEvent[];
  at: number;
  nextRevision: bigint;
  ended: boolean;
}

/** The streams a worker folds, by the position of each one's next event: a binary min-heap. */
class StreamHeads {
  private readonly heads: StreamHead[] = [];
  private static key(head: StreamHead): bigint {
    return head.events[head.at]!.position;
  }
  push(head: StreamHead): void {
    const heads = this.heads;
    heads.push(head);
    let i = heads.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (StreamHeads.key(heads[parent]!) <= StreamHeads.key(heads[i]!)) break;
      [heads[parent], heads[i]] = [heads[i]!, heads[parent]!];
      i = parent;
    }
  }
  pop(): StreamHead | undefined {
    const heads = this.heads;
    const top = heads[0];
    const last = heads.pop();
    if (heads.length > 0 && last) {
      heads[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let least = i;
        if (left < heads.length && StreamHeads.key(heads[left]!) < StreamHeads.key(heads[least]!)) least = left;
        if (right < heads.length && StreamHeads.key(heads[right]!) < StreamHeads.key(heads[least]!)) least = right;
        if (least === i) break;
        [heads[least], heads[i]] = [heads[i]!, heads[least]!];
        i = least;
      }
    }
    return top;
  }
}

/** What a rebuild's fold of one plan keeps of its history (PlanFold's keepsInHistory), and the corrections that is enough for. */
interface LightHistory {
  keeps: (event: StoredPlanEvent) => boolean;
  corrections: ReadonlySet<string>;
}

/** Whether a light history is enough for these corrections: it was made for each of them. */
function servesCorrections(history: LightHistory, corrections: readonly RecordedEvent[]): boolean {
  return corrections.every((event) => history.corrections.has(event.eventId));
}

/** Every plan's LightHistory (undefined: the whole history), from the corrections in the log up to `upTo`. */
interface HistoriesToKeep {
  upTo: bigint;
  of: (planId: string) => LightHistory | undefined;
}

/** The options of a rebuild: with `workers` > 1 and the SQLite store's file, the plans are folded in worker threads. */
export interface RebuildOptions {
  workers?: number;
  storePath?: string;
  /**
   * About how many events' plans one thread holds in memory at once (default PARTITION_EVENTS): a ledger larger
   * than that is rebuilt partition by partition, each partition's plans written and dropped before the next's.
   */
  partitionEvents?: number;
}

/**
 * A rebuild holds about this many events' plans per thread (a plan's state with its history is ~1.3–1.6 KB per
 * event on the bench's plans: 150–300 MB of heap, measured), whatever the size of the ledger; a plan larger than this is a
 * partition of its own, so the peak follows the largest plan. A ledger this size or smaller is one partition (on
 * one thread: its audit rows go straight into the audit log, nothing staged).
 */
export const PARTITION_EVENTS = 100_000;

/** SQLite merges at most 500 selects in one compound statement (SQLITE_MAX_COMPOUND_SELECT): the staged partitions are merged in one. */
const MAX_PARTITIONS = 400;

/** The staging file's page cache: the rounds' tables are only appended to, then read once in order. */
const STAGE_CACHE_KIB = 16_000;

/** Where a partitioned rebuild stages each partition's audit rows (see attachStage). */
interface RebuildStage {
  /** The INSERT of a row into partition `p`'s table. */
  insert(p: number): string;
  merge(): void;
  detach(): void;
}

/** The plans dealt out for a rebuild: partitions of plan streams, the threads' shares of them, the events that are no plan's, the log's last position. */
interface RebuildLayout {
  partitions: string[][];
  /** Each thread's partitions (indexes into `partitions`), in the order it folds them: thread 0 is this one, the others workers. */
  shares: number[][];
  others: number;
  last: bigint;
  /** How many plan streams the log holds: a partition of them all is read from the log in one scan. */
  planStreams: number;
}

/**
 * The writer's work per event (inserting its audit row, its share of the plans' rows and of the indexes) as a
 * share of folding it (reading, parsing, folding, summarising, the rows' JSON): 1.5 s against 2.9 s of CPU per
 * 100k events on the bench's store (round 7, the writer and the workers of a 2-worker rebuild).
 */
const WRITER_WORK_PER_EVENT = 0.5;

/**
 * Audit-row batches a folding thread has handed over and the writer has not yet taken, at most: enough to keep
 * the writer busy, few enough that a thread ahead of the others (whose rows the writer cannot merge yet) does
 * not pile the log up in memory.
 */
export const REBUILD_IN_FLIGHT = 8;

/** SQLite attaches at most ten files at once; the merge attaches every worker's. */
const MAX_WORKERS = 8;

/** SQLite's sorter may use this many helper threads to build the audit log's indexes at the end of a rebuild. */
const INDEX_SORT_THREADS = 2;

/** The compiled worker script (under jest, which runs the sources, the build's copy of it). */
const REBUILD_WORKER = (() => {
  const here = new URL('./plan-rebuild-worker.js', import.meta.url);
  if (existsSync(here)) return here;
  return new URL(here.href.replace(/\/libs\/projections\/src\//, '/dist/libs/projections/src/'));
})();

/** The audit log's secondary indexes, dropped (to be built once at the end, a sort, instead of row by row): their SQL to build them again. */
export function dropAuditIndexes(db: Database.Database): { name: string; sql: string }[] {
  const indexes = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_log' AND sql IS NOT NULL`).all() as { name: string; sql: string }[];
  for (const { name } of indexes) db.exec(`DROP INDEX "${name.replace(/"/g, '""')}"`);
  return indexes;
}


/**
 * Streams dealt out into bins so that each holds about its weight's share of the events: the largest first, each
 * to the bin least full (events over weight) with it. With equal weights, each to the least loaded.
 */
function shareOut(streams: readonly string[], sizes: readonly number[], weights: readonly number[]): string[][] {
  const bins = weights.map((weight) => ({ streams: [] as string[], events: 0, weight }));
  const order = streams.map((_, i) => i).sort((a, b) => sizes[b]! - sizes[a]!);
  for (const i of order) {
    const bin = leastFull(bins, sizes[i]!);
    bin.streams.push(streams[i]!);
    bin.events += sizes[i]!;
  }
  return bins.map((bin) => bin.streams);
}

/** Partitions (by their sizes) dealt out among the threads by their weights, as shareOut deals streams: each partition's thread. */
function dealOut(sizes: readonly number[], weights: readonly number[]): number[] {
  const threads = weights.map((weight, t) => ({ t, events: 0, weight }));
  const threadOf: number[] = [];
  for (const p of sizes.map((_, i) => i).sort((a, b) => sizes[b]! - sizes[a]!)) {
    const thread = leastFull(threads, sizes[p]!);
    threadOf[p] = thread.t;
    thread.events += sizes[p]!;
  }
  return threadOf;
}

function leastFull<Bin extends { events: number; weight: number }>(bins: readonly Bin[], adding: number): Bin {
  let best: Bin | undefined;
  for (const bin of bins) if (bin.weight > 0 && (!best || (bin.events + adding) / bin.weight < (best.events + adding) / best.weight)) best = bin;
  return best!;
}

/**
 * What each thread of a rebuild folds, as shares of the events: thread 0 is the rebuilding thread, which also
 * writes every row and builds the indexes, so it folds less, for every thread to be busy about as long
 * (W + w0·F = w·F, w0 + (threads − 1)·w = 1, with W = WRITER_WORK_PER_EVENT·F); from three threads on, the
 * writing is a thread's whole work and this one folds nothing.
 */
export function foldShares(threads: number): number[] {
  if (threads <= 1) return [1];
  const worker = (1 + WRITER_WORK_PER_EVENT) / threads;
  const here = Math.max(0, 1 - (threads - 1) * worker);
  const others = here > 0 ? worker : 1 / (threads - 1);
  return [here, ...Array.from({ length: threads - 1 }, () => others)];
}

function* chunksOf(events: readonly RecordedEvent[], size = FOLD_CHUNK): Generator<readonly RecordedEvent[]> {
  for (let start = 0; start < events.length; start += size) yield events.slice(start, start + size);
}

/**
 * One plan's events cut before each repair (EventVoided), so that a repair re-folds the plan as it stood at
 * the repair and what follows folds on from there: the rows then depend on the events alone, not on how the
 * log was cut into chunks (live, catch-up, a rebuild, a rebuild worker reading one plan at a time all agree).
 */
function segmentsAtRepairs(events: readonly RecordedEvent[]): RecordedEvent[][] {
  const segments: RecordedEvent[][] = [];
  for (const event of events) {
    if (segments.length === 0 || event.type === 'EventVoided') segments.push([event]);
    else segments[segments.length - 1]!.push(event);
  }
  return segments;
}

/** Ids voided by the stream's repairs; a repair that cannot itself be read is a failure of that repair's event. */
function voidedEvents(stream: readonly RecordedEvent[]): Set<string> {
  const voided = new Set<string>();
  for (const event of stream) {
    if (event.type !== 'EventVoided') continue;
    try {
      for (const id of voidedEventIds([event])) voided.add(id);
    } catch (error) {
      throw new PlanFoldFailure(event, `the repair cannot be read: ${reasonOf(error)}`);
    }
  }
  return voided;
}

/** Read (upcast and validate) and fold one event, naming the event if either fails. */
function takeOrFail(plan: ProjectedPlan, recorded: RecordedEvent, upcast: (raw: RawStoredEvent) => StoredPlanEvent): unknown[] {
  let event: StoredPlanEvent;
  try {
    event = upcast(recorded);
  } catch (error) {
    throw new PlanFoldFailure(recorded, `${recorded.type} at revision ${recorded.revision} does not match its schema: ${reasonOf(error)}`);
  }
  try {
    return plan.take(recorded, event);
  } catch (error) {
    throw new PlanFoldFailure(recorded, `${recorded.type} at revision ${recorded.revision} cannot be folded: ${reasonOf(error)}`);
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof Error && 'issues' in error && Array.isArray((error as { issues: unknown[] }).issues)) {
    return (error as { issues: { path: PropertyKey[]; message: string }[] }).issues.map((i) => `${i.path.map(String).join('.') || '(event)'} ${i.message}`).join('; ');
  }
  return error instanceof Error ? error.message : String(error);
}

/** A plan the projector folds in place, with its references and what changed since its rows were written. */
class ProjectedPlan {
  private readonly fold: PlanFold;
  private readonly refs: ReferenceBook;
  readonly changes = new PlanChanges();

  constructor(
    private readonly planId: string,
    state: PlanState,
    /** False for a plan taken from its read-model rows: its state is whole, its history (events) is not there. */
    private readonly hasHistory = true,
    /** In a rebuild: the part of the history its fold keeps, enough for these corrections and no others. */
    readonly history?: LightHistory,
  ) {
    this.fold = new PlanFold(state, history?.keeps);
    this.refs = new ReferenceBook(state);
  }

  /** Whether the history held serves these corrections as the whole history would. */
  historyServes(corrections: readonly RecordedEvent[]): boolean {
    if (!this.hasHistory) return false;
    return this.history === undefined || servesCorrections(this.history, corrections);
  }

  get state(): PlanState {
    return this.fold.state;
  }

  /** Fold one event in; its audit row is summarised with the references as they stood before it. */
  take(recorded: RecordedEvent, event: StoredPlanEvent): unknown[] {
    const summary = summariseEvent(event, this.refs);
    this.refs.observe(event);
    // A correction of one action's entry re-folds that action; any other re-folds the whole plan.
    const confined = event.type === 'EntryCorrected' ? correctionConfinedTo(event, this.state) : undefined;
    this.fold.apply([event]);
    const actionId = actionIdOf(event, this.state);
    if (event.type === 'EntryCorrected' && confined === undefined) this.changes.everything = true;
    else if (actionId && event.type === 'ProgressUpdateRecorded') this.changes.noteAppended(actionId);
    else if (actionId) this.changes.actionChanged(actionId);
    // Only the entries whose whole effect is on their action leave the plan's own row as it was (but for its revision).
    if (actionConfinedTo(event) === undefined) this.changes.beyondActions = true;
    return auditRow(this.planId, recorded, event, this.state, actionId, summary);
  }
}

function auditRow(planId: string, recorded: RecordedEvent, event: StoredPlanEvent, plan: PlanState, actionId: string | null, summary: string): unknown[] {
  const meta = event.metadata;
  return [
    Number(recorded.position),
    plan.organisationId,
    planId,
    event.eventId,
    event.revision,
    event.type,
    meta.actor.id,
    meta.actor.displayName,
    event.recordedAt,
    effectiveAtOf(event),
    actionId,
    summary,
    meta.reason ?? null,
    meta.correlationId,
  ];
}
