import { verifyChain } from '#evidence';
import { chainLinkOf, type EventStore, type RecordedEvent, type StreamSummary } from '#event-store';

export interface MigrationOptions {
  /** Events per append on the target (one transaction on SQLite, one gRPC append on EventStoreDB). */
  batchSize?: number;
  onProgress?: (step: 'copying' | 'verifying', done: number, total: number) => void;
  /** Called after each batch is committed on the target; `ledger migrate` uses it for its test hook. */
  afterBatch?: (batches: number) => Promise<void> | void;
}

export interface StreamCheck {
  streamId: string;
  ok: boolean;
  length: number;
  head: string;
  problem?: string;
}

export interface MigrationReport {
  /** Events in the source when the copy ended. */
  events: number;
  /** Appended to the target by this run. */
  copied: number;
  /** Already on the target (an earlier, interrupted run) and found identical. */
  alreadyThere: number;
  streams: StreamCheck[];
  /** Streams on the target that the source does not hold: the target is not a copy of the source alone. */
  extraOnTarget: string[];
  ok: boolean;
}

/** The target holds something at a revision the source holds differently: copying on would fork history. */
export class MigrationConflictError extends Error {
  readonly code = 'MIGRATION_CONFLICT';
  constructor(
    readonly streamId: string,
    readonly revision: bigint,
    detail: string,
  ) {
    super(`The target already holds stream ${streamId} at revision ${revision}, and it is not the source's event (${detail}); the copy stopped there`);
    this.name = 'MigrationConflictError';
  }
}

/** The target is not empty and not a copy of this source: nothing was copied. */
export class MigrationTargetError extends Error {
  readonly code = 'MIGRATION_TARGET_NOT_A_COPY';
}

const PAGE = 1000;

/**
 * Copy every stream of `source` into `target` in the source's log order, keeping revisions, recorded times and
 * hashes (appendRecordedEvents), then recompute every chain on the target and compare each head with the
 * source's. Resumable: what the target already holds is compared event by event (id and hash) and skipped, so
 * running it again after an interruption copies only the rest, and a target that differs is refused.
 * Log order, not stream by stream, so the target's log reads in the order the events happened, as a rebuild
 * of the read models expects.
 */
export async function migrateEventStore(source: EventStore, target: EventStore, options: MigrationOptions = {}): Promise<MigrationReport> {
  const batchSize = options.batchSize ?? 500;
  await assertTargetIsACopySoFar(source, target);
  const total = await countEvents(source);
  const heads = new Map<string, bigint>();
  const targetHead = async (streamId: string): Promise<bigint> => {
    let revision = heads.get(streamId);
    if (revision === undefined) {
      revision = (await target.streamSummary(streamId))?.revision ?? -1n;
      heads.set(streamId, revision);
    }
    return revision;
  };

  let done = 0;
  let copied = 0;
  let alreadyThere = 0;
  let batches = 0;
  let after: bigint | undefined;
  options.onProgress?.('copying', 0, total);
  for (;;) {
    const page = await source.readAll({ ...(after !== undefined ? { fromPosition: after } : {}), maxCount: PAGE });
    if (page.length === 0) break;
    after = page[page.length - 1]!.position;
    for (const run of runsOfOneStream(page, batchSize)) {
      const streamId = run[0]!.streamId;
      const head = await targetHead(streamId);
      const present = run.filter((event) => event.revision <= head);
      if (present.length > 0) {
        await assertSameEvents(target, present);
        alreadyThere += present.length;
      }
      const missing = run.slice(present.length);
      if (missing.length > 0) {
        await target.appendRecordedEvents(
          streamId,
          missing.map(({ position: _position, ...event }) => event),
        );
        heads.set(streamId, missing[missing.length - 1]!.revision);
        copied += missing.length;
        batches += 1;
      }
      done += run.length;
      options.onProgress?.('copying', done, Math.max(total, done));
      if (missing.length > 0) await options.afterBatch?.(batches);
    }
  }

  const sourceStreams = await source.listStreams('');
  const streams: StreamCheck[] = [];
  for (const [index, streamId] of sourceStreams.entries()) {
    streams.push(await checkCopy(streamId, await source.streamSummary(streamId), target));
    options.onProgress?.('verifying', index + 1, sourceStreams.length);
  }
  const known = new Set(sourceStreams);
  const extraOnTarget = (await target.listStreams('')).filter((streamId) => !known.has(streamId));
  return { events: done, copied, alreadyThere, streams, extraOnTarget, ok: extraOnTarget.length === 0 && streams.every((s) => s.ok) };
}

/**
 * Before writing anything: every stream on the target must be a prefix of the same stream in the source. Equal
 * hashes at the target's head revision mean equal streams up to there (each hash covers the one before it), so
 * one read per stream proves it; the chains themselves are recomputed after the copy.
 */
async function assertTargetIsACopySoFar(source: EventStore, target: EventStore): Promise<void> {
  const onTarget = await target.listStreams('');
  if (onTarget.length === 0) return;
  const inSource = new Set(await source.listStreams(''));
  const foreign = onTarget.filter((streamId) => !inSource.has(streamId));
  if (foreign.length > 0) throw new MigrationTargetError(`The target holds ${foreign.length} stream(s) the source does not (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}): migrate into an empty store, or into an earlier copy of this one`);
  for (const streamId of onTarget) {
    const head = await target.streamSummary(streamId);
    if (!head) continue;
    const [same] = await source.readStream(streamId, { fromRevision: head.revision, maxCount: 1 });
    if (!same || same.revision !== head.revision) throw new MigrationConflictError(streamId, head.revision, 'the source stream is shorter');
    if (same.hash !== head.headHash) throw new MigrationConflictError(streamId, head.revision, 'a different hash');
  }
}

/** Consecutive events of one stream, at most `size` at a time: the appends the target receives. */
function* runsOfOneStream(page: readonly RecordedEvent[], size: number): Generator<RecordedEvent[]> {
  let run: RecordedEvent[] = [];
  for (const event of page) {
    if (run.length > 0 && (run[0]!.streamId !== event.streamId || run.length >= size)) {
      yield run;
      run = [];
    }
    run.push(event);
  }
  if (run.length > 0) yield run;
}

async function assertSameEvents(target: EventStore, events: readonly RecordedEvent[]): Promise<void> {
  const first = events[0]!;
  const there = await target.readStream(first.streamId, { fromRevision: first.revision, maxCount: events.length });
  for (const [index, event] of events.entries()) {
    const copy = there[index];
    if (!copy || copy.revision !== event.revision) throw new MigrationConflictError(event.streamId, event.revision, 'the target is missing it');
    // The hash covers the id, type, data, metadata and recorded time: equal hashes that verify mean equal events.
    if (copy.eventId !== event.eventId) throw new MigrationConflictError(event.streamId, event.revision, `event id ${copy.eventId}, not ${event.eventId}`);
    if (copy.hash !== event.hash || copy.previousHash !== event.previousHash) throw new MigrationConflictError(event.streamId, event.revision, 'a different hash');
  }
}

async function checkCopy(streamId: string, sourceHead: StreamSummary | null, target: EventStore): Promise<StreamCheck> {
  const events = await target.readStream(streamId);
  const chain = verifyChain(events.map(chainLinkOf));
  if (!chain.ok) return { streamId, ok: false, length: chain.length, head: '', problem: `the chain on the target breaks at revision ${chain.brokenAtRevision}: ${chain.problem}` };
  if (!sourceHead || sourceHead.revision !== BigInt(chain.length - 1) || sourceHead.headHash !== chain.head) {
    const where = sourceHead ? `revision ${sourceHead.revision}, head ${sourceHead.headHash}` : 'nothing';
    return { streamId, ok: false, length: chain.length, head: chain.head, problem: `the target ends at revision ${chain.length - 1}, head ${chain.head}, but the source at ${where} (was something appended during the copy? run it again)` };
  }
  return { streamId, ok: true, length: chain.length, head: chain.head };
}

async function countEvents(store: EventStore): Promise<number> {
  let count = 0;
  let from: bigint | undefined;
  for (;;) {
    const page = await store.readAll({ ...(from !== undefined ? { fromPosition: from } : {}), maxCount: 10_000 });
    if (page.length === 0) return count;
    count += page.length;
    from = page[page.length - 1]!.position;
  }
}
