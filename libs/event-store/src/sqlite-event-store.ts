import Database from 'better-sqlite3';
import { preparePrivateDatabaseFile } from './private-database-file.js';
import { AppendWorkerLostError, SqliteAppendWorker, type AppendWorkerAnswer } from './sqlite-append-worker.js';
import {
  assertCopyFollowsHead,
  assertExpectedRevision,
  assertReadCount,
  assertStreamId,
  APPEND_CHUNK,
  chainAppendBatch,
  chainAppendBatchYielding,
  nextRecordedAt,
  yieldToEventLoop,
  prepareAppendBatch,
  prepareAppendBatchYielding,
  prepareRecordedBatch,
  toStoredInstant,
  type ChainedEvent,
  type PreparedEvent,
} from './append-batch.js';
import {
  DuplicateEventIdError,
  EventStoreUnavailableError,
  WrongExpectedRevisionError,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type EventValidator,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type RecordedEventToCopy,
  type StreamSummary,
  type SubscribeOptions,
  type Subscription,
} from './event-store.js';

export interface SqliteEventStoreOptions {
  /** The database file; parent folders are created (0700), and the file itself 0600. */
  path: string;
  /** The store's clock for recordedAt. Defaults to the host clock. */
  clock?: () => Date;
  /** How often a live subscription looks for appends made by other connections or processes. Default 100 ms. */
  pollIntervalMs?: number;
  /** How long an append waits for another connection's write lock before EventStoreUnavailableError. Default 5 s. */
  busyTimeoutMs?: number;
  /** Page size for subscription catch-up. Default 500. */
  pageSize?: number;
  /** Checks every event's data and metadata before an append (see EventValidator). */
  validator?: EventValidator;
  /**
   * Appends of more than this many events run their transaction on a worker thread with its own connection, so
   * that the inserts do not hold this thread (default APPEND_CHUNK, 250). Infinity keeps every append here.
   */
  workerAppendThreshold?: number;
  /**
   * Who copies the WAL back into the database file. 'background' (the default): a PASSIVE checkpoint on the
   * worker thread's connection every CHECKPOINT_EVERY_COMMITS commits or CHECKPOINT_EVERY_ROWS events, so that no
   * append's COMMIT runs one (SQLite's own, on this connection, stays as a backstop at a larger WAL). 'on-commit':
   * SQLite's default, a checkpoint inside the COMMIT that takes the WAL past 1,000 pages.
   */
  walCheckpoint?: 'background' | 'on-commit';
}

/**
 * An event's row, the columns in COLUMNS' order. Reads run in raw mode (arrays rather than objects keyed by
 * column name): reading the log for a rebuild took a third longer building those objects.
 */
type EventRow = [
  position: bigint,
  streamId: string,
  revision: bigint,
  eventId: string,
  type: string,
  data: string,
  metadata: string,
  recordedAt: string,
  previousHash: string,
  hash: string,
];

/**
 * A large batch's chain, computed outside the write lock from the head and last instant read then. Safe because
 * the transaction re-reads both under the lock and chains afresh if either moved; the expected-revision check
 * is made there in any case, so the append stays all-or-nothing against one revision.
 */
interface ChainedAhead {
  headRevision: bigint | null;
  headHash: string | null;
  recordedAt: string;
  events: ChainedEvent[];
}

interface HeadRow {
  revision: bigint;
  hash: string;
  position: bigint;
  recordedAt: string;
}

/** One caller's append waiting for its group's transaction. */
interface GroupedAppend {
  streamId: string;
  batch: readonly PreparedEvent[];
  expected: ExpectedRevision;
  chainedAhead: ChainedAhead | undefined;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

type GroupOutcome = { appended: AppendResult } | { failed: unknown };

interface LiveSubscription {
  /** Set by appends of this instance: there may be something new, read before sleeping. */
  signalled: boolean;
  closed: boolean;
  wake(): void;
}

const SCHEMA_VERSION = 1;
const MAX_REVISION = 9223372036854775807n;
const COLUMNS = 'position, stream_id, revision, event_id, type, data, metadata, recorded_at, previous_hash, hash';
const INSERT_COLUMN_NAMES = 'stream_id, revision, event_id, type, data, metadata, recorded_at, previous_hash, hash';
const INSERT_COLUMNS = 9;
const ROW_PLACEHOLDERS = `(${new Array(INSERT_COLUMNS).fill('?').join(', ')})`;
/**
 * A background checkpoint is asked for after this many commits or events (whichever first) since the last:
 * about a thousand WAL pages, SQLite's own threshold (a single-event append writes ~5 pages, 100 events ~30).
 */
const CHECKPOINT_EVERY_COMMITS = 200;
const CHECKPOINT_EVERY_ROWS = 3_000;
/** With background checkpoints, SQLite's own on this connection only if the WAL reaches this (16 MiB of pages). */
const BACKSTOP_AUTOCHECKPOINT_PAGES = 4_000;
/** Rows per INSERT statement: 450 parameters, far below SQLite's limit of 32,766. */
const INSERT_ROWS = 50;

const REVISION_TAKEN = 'events are append-only: a revision of a stream that is already recorded cannot be written again';
const EVENT_ID_TAKEN = 'events are append-only: an event id that is already recorded cannot be written again';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position      INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_id     TEXT    NOT NULL,
    revision      INTEGER NOT NULL CHECK (revision >= 0),
    event_id      TEXT    NOT NULL UNIQUE,
    type          TEXT    NOT NULL,
    data          TEXT    NOT NULL CHECK (json_valid(data)),
    metadata      TEXT    NOT NULL CHECK (json_valid(metadata)),
    recorded_at   TEXT    NOT NULL,
    previous_hash TEXT    NOT NULL,
    hash          TEXT    NOT NULL,
    UNIQUE (stream_id, revision)
  ) STRICT;
  -- listStreams: the first event of each stream, in creation (position) order.
  CREATE INDEX IF NOT EXISTS events_stream_starts ON events (position, stream_id) WHERE revision = 0;
  CREATE TRIGGER IF NOT EXISTS events_are_not_updated BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only: an UPDATE of a recorded event is not allowed'); END;
  CREATE TRIGGER IF NOT EXISTS events_are_not_deleted BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only: a DELETE of a recorded event is not allowed'); END;
  -- INSERT OR REPLACE (and REPLACE INTO) resolves a UNIQUE conflict by deleting the old row, and that delete
  -- fires no DELETE trigger unless the connection turned recursive_triggers on, which a hostile connection
  -- will not. These run before the conflict is resolved, whatever the conflict clause, so a recorded row can
  -- never be replaced: not its revision of a stream, not its event id, not its position in the log.
  CREATE TRIGGER IF NOT EXISTS events_keep_their_revisions BEFORE INSERT ON events
    WHEN EXISTS (SELECT 1 FROM events WHERE stream_id = NEW.stream_id AND revision = NEW.revision)
    BEGIN SELECT RAISE(ABORT, '${REVISION_TAKEN}'); END;
  CREATE TRIGGER IF NOT EXISTS events_keep_their_ids BEFORE INSERT ON events
    WHEN EXISTS (SELECT 1 FROM events WHERE event_id = NEW.event_id)
    BEGIN SELECT RAISE(ABORT, '${EVENT_ID_TAKEN}'); END;
  CREATE TRIGGER IF NOT EXISTS events_keep_their_positions BEFORE INSERT ON events
    WHEN NEW.position IS NOT NULL AND EXISTS (SELECT 1 FROM events WHERE position = NEW.position)
    BEGIN SELECT RAISE(ABORT, 'events are append-only: a position in the log that is already recorded cannot be written again'); END;
`;

/**
 * What files made by earlier builds have and this one does not. events_by_stream_recorded_at, an index on
 * (stream_id, recorded_at), served no statement (EXPLAIN QUERY PLAN of every one of them: the reads by stream,
 * as-at reads included, go by (stream_id, revision), whose recorded_at filter an index on the pair could not take
 * with its `? IS NULL OR` form), yet every append paid for keeping it: a sixth of the table's insert cost. Dropping
 * it changes no row and no guarantee (it was not UNIQUE), so the schema version stays: a build from before it went
 * opens the file as it always did (and creates the index again, which the next open here drops).
 */
const RETIRED_SCHEMA = `
  DROP INDEX IF EXISTS events_by_stream_recorded_at;
`;

/**
 * The EventStore port on one SQLite file. Appends are serialised by SQLite's single write lock
 * (BEGIN IMMEDIATE), so any number of connections and processes may share the file safely.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly clock: () => Date;
  private readonly pollIntervalMs: number;
  private readonly pageSize: number;
  private readonly validator: EventValidator | undefined;
  private readonly subscriptions = new Set<LiveSubscription>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;
  /**
   * This instance's appends, one at a time: each waits here for the one before it, so an append never waits in
   * SQLite's busy_timeout (which blocks the thread) for a transaction of this very store running on its worker.
   */
  private writeQueue: Promise<unknown> = Promise.resolve();
  private readonly appendWorker: SqliteAppendWorker;
  private readonly workerAppendThreshold: number;
  private readonly backgroundCheckpoints: boolean;
  private commitsSinceCheckpoint = 0;
  private rowsSinceCheckpoint = 0;
  /** The background checkpoint in flight, if any (one at a time). */
  private checkpointing: Promise<void> | undefined;

  private readonly selectHead: Database.Statement<[string], HeadRow>;
  private readonly selectLastRecordedAt: Database.Statement<[], string>;
  /** INSERT statements by their number of rows (see insertChained). */
  private readonly insertEvents = new Map<number, Database.Statement<unknown[]>>();
  private readonly selectStreamForwards: Database.Statement<unknown[], EventRow>;
  private readonly selectStreamBackwards: Database.Statement<unknown[], EventRow>;
  private readonly selectAllAfter: Database.Statement<[bigint, number], EventRow>;
  private readonly selectStreamStarts: Database.Statement<[{ prefix: string }], string>;
  private readonly selectExistingEventIds: Database.Statement<[string], string>;
  private readonly selectOfTypes: Database.Statement<[string], EventRow>;
  private readonly selectByIds: Database.Statement<[string], EventRow>;
  private readonly selectEventPosition: Database.Statement<[string], { revision: bigint; position: bigint }>;
  private readonly groupInTransaction: Database.Transaction<(group: readonly GroupedAppend[]) => GroupOutcome[]>;
  /** The group of appends the next turn of the write queue commits, while it is still open to more. */
  private openGroup: GroupedAppend[] | undefined;
  private readonly appendInTransaction: Database.Transaction<(streamId: string, batch: readonly PreparedEvent[], expected: ExpectedRevision, chainedAhead?: ChainedAhead) => AppendResult>;
  private readonly copyInTransaction: Database.Transaction<(streamId: string, batch: ChainedEvent[]) => AppendResult>;

  constructor(options: SqliteEventStoreOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.pollIntervalMs = options.pollIntervalMs ?? 100;
    this.pageSize = options.pageSize ?? 500;
    this.validator = options.validator;
    this.workerAppendThreshold = options.workerAppendThreshold ?? APPEND_CHUNK;
    this.backgroundCheckpoints = (options.walCheckpoint ?? 'background') === 'background';
    const busyTimeoutMs = Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000));
    this.appendWorker = new SqliteAppendWorker(options.path, busyTimeoutMs);
    preparePrivateDatabaseFile(options.path);
    this.db = new Database(options.path);
    try {
      // busy_timeout first: the pragmas below and the schema need the lock another process may hold.
      this.db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      // WAL: readers (subscriptions, projections) never block the writer, and the writer never blocks them.
      this.db.pragma('journal_mode = WAL');
      // FULL, not WAL's usual NORMAL: NORMAL may lose the last commits on power loss. An acknowledged
      // append is evidence; it must survive a crash, and one fsync per append is an acceptable price.
      this.db.pragma('synchronous = FULL');
      // Per connection. Checkpoints do not touch durability: the WAL is fsynced at every COMMIT either way.
      if (this.backgroundCheckpoints) this.db.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
      this.db.transaction(() => {
        this.db.exec(SCHEMA);
        this.db.exec(RETIRED_SCHEMA);
        const version = this.db.pragma('user_version', { simple: true }) as number;
        if (version === 0) this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
        else if (version > SCHEMA_VERSION) throw new Error(`${options.path} has event-store schema ${version}; this build knows up to ${SCHEMA_VERSION}`);
      }).immediate();
    } catch (error) {
      this.db.close();
      throw translateOpenError(error, options.path);
    }

    // safeIntegers: revisions and positions come back as bigint, exactly, whatever their size.
    this.selectHead = this.db
      .prepare<[string], HeadRow>('SELECT revision, hash, position, recorded_at AS recordedAt FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1')
      .safeIntegers(true);
    this.selectLastRecordedAt = this.db.prepare<[], string>('SELECT recorded_at FROM events ORDER BY position DESC LIMIT 1').pluck();
    this.selectStreamForwards = this.db
      .prepare<unknown[], EventRow>(
        `SELECT ${COLUMNS} FROM events
         WHERE stream_id = ? AND revision >= ? AND (? IS NULL OR recorded_at <= ?)
         ORDER BY revision ASC LIMIT ?`,
      )
      .safeIntegers(true)
      .raw(true);
    this.selectStreamBackwards = this.db
      .prepare<unknown[], EventRow>(
        `SELECT ${COLUMNS} FROM events
         WHERE stream_id = ? AND revision <= ? AND (? IS NULL OR recorded_at <= ?)
         ORDER BY revision DESC LIMIT ?`,
      )
      .safeIntegers(true)
      .raw(true);
    this.selectAllAfter = this.db
      .prepare<[bigint, number], EventRow>(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position ASC LIMIT ?`)
      .safeIntegers(true)
      .raw(true);
    // substr rather than LIKE: LIKE is case-insensitive and treats '%' and '_' in a prefix as wildcards.
    this.selectStreamStarts = this.db
      .prepare<[{ prefix: string }], string>(
        'SELECT stream_id FROM events WHERE revision = 0 AND substr(stream_id, 1, length(@prefix)) = @prefix ORDER BY position',
      )
      .pluck();
    this.selectEventPosition = this.db.prepare<[string], { revision: bigint; position: bigint }>('SELECT revision, position FROM events WHERE event_id = ?').safeIntegers(true);
    this.selectExistingEventIds = this.db.prepare<[string], string>('SELECT event_id FROM events WHERE event_id IN (SELECT value FROM json_each(?))').pluck();
    // No index on type: one scan of the table (~25 ms per 100k events), for a rebuild's look ahead, not for requests.
    this.selectOfTypes = this.db
      .prepare<[string], EventRow>(`SELECT ${COLUMNS} FROM events WHERE type IN (SELECT value FROM json_each(?)) ORDER BY position`)
      .safeIntegers(true)
      .raw(true);
    this.selectByIds = this.db
      .prepare<[string], EventRow>(`SELECT ${COLUMNS} FROM events WHERE event_id IN (SELECT value FROM json_each(?)) ORDER BY position`)
      .safeIntegers(true)
      .raw(true);

    this.appendInTransaction = this.db.transaction((streamId: string, batch: readonly PreparedEvent[], expected: ExpectedRevision, chainedAhead?: ChainedAhead): AppendResult => {
      // Under the write lock: nobody can append between this read and our inserts, in any process.
      const head = this.selectHead.get(streamId);
      assertExpectedRevision(streamId, expected, head ? head.revision : 'no_stream');
      if (batch.length === 0) return { nextExpectedRevision: head?.revision ?? -1n, position: head?.position ?? -1n };
      // Read under the lock too, so recordedAt is monotonic per file across connections and processes.
      const lastRecordedAt = this.selectLastRecordedAt.get();
      // A chain computed before the lock holds only if nothing was appended since: the same head of this
      // stream, and no later instant recorded anywhere in the file. Otherwise it is chained again, here.
      const aheadHolds =
        chainedAhead !== undefined &&
        chainedAhead.headHash === (head?.hash ?? null) &&
        chainedAhead.headRevision === (head?.revision ?? null) &&
        (lastRecordedAt === undefined || lastRecordedAt <= chainedAhead.recordedAt);
      const chained = aheadHolds ? chainedAhead.events : chainAppendBatch(streamId, head ?? null, batch, nextRecordedAt(this.clock, lastRecordedAt));
      const position = this.insertChained(chained);
      return { nextExpectedRevision: (head ? head.revision : -1n) + BigInt(batch.length), position };
    });

    this.copyInTransaction = this.db.transaction((streamId: string, batch: ChainedEvent[]): AppendResult => {
      const head = this.selectHead.get(streamId);
      if (batch.length === 0) return { nextExpectedRevision: head?.revision ?? -1n, position: head?.position ?? -1n };
      assertCopyFollowsHead(streamId, head ?? null, batch);
      return { nextExpectedRevision: batch[batch.length - 1]!.revision, position: this.insertChained(batch) };
    });

    // Several callers' appends in one transaction, so one COMMIT (one fsync) acknowledges them all. Each runs
    // in a savepoint of its own (appendInTransaction nested here is a SAVEPOINT … RELEASE, rolled back to on
    // a throw), so a conflict or a refused event undoes that append alone; later members read the heads the
    // earlier ones left, so expected revisions and the hash chain are checked against the group's own state.
    this.groupInTransaction = this.db.transaction((group: readonly GroupedAppend[]): GroupOutcome[] =>
      group.map((member): GroupOutcome => {
        try {
          return { appended: this.appendInTransaction(member.streamId, member.batch, member.expected, member.chainedAhead) };
        } catch (error) {
          // Some failures (a full disk, an I/O error) make SQLite roll the whole transaction back: then
          // nothing of the group stands, and carrying on would run the next members outside any transaction.
          if (!this.db.inTransaction) throw error;
          return { failed: error };
        }
      }),
    );
  }

  /**
   * Inside a transaction: insert chained events, returning the last one's position. Up to INSERT_ROWS rows go
   * in one INSERT statement: a statement run per row cost more than a tenth of the insert (binding, stepping,
   * resetting and answering each), and SQLite fires the triggers and checks the constraints row by row either way.
   */
  private insertChained(events: readonly ChainedEvent[]): bigint {
    let position = -1n;
    for (let start = 0; start < events.length; start += INSERT_ROWS) {
      const count = Math.min(INSERT_ROWS, events.length - start);
      const values: unknown[] = new Array(count * INSERT_COLUMNS);
      for (let row = 0, at = 0; row < count; row++) {
        const event = events[start + row]!;
        values[at++] = event.streamId;
        values[at++] = event.revision;
        values[at++] = event.eventId;
        values[at++] = event.type;
        values[at++] = event.storedData ?? JSON.stringify(event.data);
        values[at++] = event.storedMetadata ?? JSON.stringify(event.metadata);
        values[at++] = event.recordedAt;
        values[at++] = event.previousHash;
        values[at++] = event.hash;
      }
      position = BigInt(this.insertStatement(count).run(values).lastInsertRowid);
    }
    return position;
  }

  /** The INSERT of `rows` rows, prepared on first use (at most INSERT_ROWS of them). */
  private insertStatement(rows: number): Database.Statement<unknown[]> {
    let statement = this.insertEvents.get(rows);
    if (!statement) {
      statement = this.db.prepare(`INSERT INTO events (${INSERT_COLUMN_NAMES}) VALUES ${new Array(rows).fill(ROW_PLACEHOLDERS).join(', ')}`).safeIntegers(true);
      this.insertEvents.set(rows, statement);
    }
    return statement;
  }

  async appendToStream(streamId: string, events: readonly EventToAppend[], options: AppendOptions): Promise<AppendResult> {
    this.assertOpen();
    const large = Array.isArray(events) && events.length > APPEND_CHUNK;
    const batch = large ? await prepareAppendBatchYielding(streamId, events, this.validator) : prepareAppendBatch(streamId, events, this.validator);
    const onWorker = batch.length > this.workerAppendThreshold;
    // A large batch is chained before the write lock, in chunks between which other requests run. See ChainedAhead.
    const chainedAhead = large || onWorker ? await this.chainAhead(streamId, batch) : undefined;
    const result = onWorker
      ? await this.exclusively(async () => {
          try {
            return await this.appendOnWorker(streamId, batch, options.expectedRevision, chainedAhead!);
          } catch (error) {
            throw this.translateAppendError(error, streamId, options.expectedRevision, batch);
          }
        })
      : await this.appendInGroup({ streamId, batch, expected: options.expectedRevision, chainedAhead });
    if (batch.length > 0) for (const subscription of this.subscriptions) subscription.wake();
    return result;
  }

  /**
   * Group commit. The first append to arrive opens a group and takes a turn of the write queue; when that turn
   * comes it waits one pass of the event loop, in which every other request that reaches its append joins the
   * group, then commits the lot in one IMMEDIATE transaction. Each caller hears only of its own append: its
   * result once the COMMIT is durable, or its own error (nothing of it written) while the others commit.
   */
  private appendInGroup(append: Omit<GroupedAppend, 'resolve' | 'reject'>): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      const member: GroupedAppend = { ...append, resolve, reject };
      if (this.openGroup) {
        this.openGroup.push(member);
        return;
      }
      const group = [member];
      this.openGroup = group;
      const close = () => {
        if (this.openGroup === group) this.openGroup = undefined;
      };
      this.exclusively(async () => {
        await yieldToEventLoop();
        close();
        this.commitGroup(group);
      }).catch((error: unknown) => {
        // Refused before it ran (the store was closed meanwhile): no member was written.
        close();
        for (const waiting of group) waiting.reject(error);
      });
    });
  }

  /** Run one group's transaction and settle every member; never throws. */
  private commitGroup(group: readonly GroupedAppend[]): void {
    let outcomes: GroupOutcome[];
    try {
      if (group.length === 1) {
        // Alone, an append needs no savepoint: its transaction is the all-or-nothing unit already.
        const only = group[0]!;
        // IMMEDIATE takes the write lock before the head is read; a DEFERRED transaction could read a head
        // that another connection then moves, and fail late with SQLITE_BUSY_SNAPSHOT.
        outcomes = [{ appended: this.appendInTransaction.immediate(only.streamId, only.batch, only.expected, only.chainedAhead) }];
      } else {
        outcomes = this.groupInTransaction.immediate(group);
      }
    } catch (error) {
      // BEGIN, COMMIT or the whole transaction failed: nothing of the group was written, and each is told so.
      for (const member of group) member.reject(this.translateAppendError(error, member.streamId, member.expected, member.batch));
      return;
    }
    this.committed(group.reduce((rows, member, index) => rows + ('appended' in outcomes[index]! ? member.batch.length : 0), 0));
    outcomes.forEach((outcome, index) => {
      const member = group[index]!;
      if ('appended' in outcome) member.resolve(outcome.appended);
      else member.reject(this.translateAppendError(outcome.failed, member.streamId, member.expected, member.batch));
    });
  }

  /** After a COMMIT on this connection: ask for a background checkpoint once enough has gone into the WAL. */
  private committed(rows: number): void {
    if (!this.backgroundCheckpoints || rows === 0) return;
    this.commitsSinceCheckpoint += 1;
    this.rowsSinceCheckpoint += rows;
    if (this.checkpointing || this.closed) return;
    if (this.commitsSinceCheckpoint < CHECKPOINT_EVERY_COMMITS && this.rowsSinceCheckpoint < CHECKPOINT_EVERY_ROWS) return;
    this.commitsSinceCheckpoint = 0;
    this.rowsSinceCheckpoint = 0;
    // Nobody waits for it; a checkpoint that fails (or is cut short by close) changes nothing, and the next
    // one, or SQLite's own backstop, carries on from where the file is.
    this.checkpointing = this.appendWorker
      .checkpoint()
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        this.checkpointing = undefined;
      });
  }

  /** Resolves once the background checkpoint in flight, if any, has finished (for tests and backups). */
  async whenCheckpointed(): Promise<void> {
    await this.checkpointing;
  }

  /** Run `write` once every write of this instance queued before it has finished; refused once the store is closed. */
  private exclusively<T>(write: () => Promise<T> | T): Promise<T> {
    const turn = this.writeQueue.then(() => {
      this.assertOpen();
      return write();
    });
    this.writeQueue = turn.catch(() => undefined);
    return turn;
  }

  /**
   * A large append's one transaction, on the worker's connection. Holding this instance's write lock, so only
   * another connection or process can move the stream meanwhile; if one did, the worker inserts nothing and the
   * batch is chained again here (off the lock's hot path: in yielding chunks) and sent again. The expected
   * revision is checked against the very head the worker then finds under SQLite's lock.
   */
  private async appendOnWorker(streamId: string, batch: readonly PreparedEvent[], expected: ExpectedRevision, ahead: ChainedAhead): Promise<AppendResult> {
    let chained = ahead;
    for (let attempt = 1; ; attempt++) {
      const head = this.selectHead.get(streamId);
      if ((head?.hash ?? null) !== chained.headHash || (head?.revision ?? null) !== chained.headRevision || (this.selectLastRecordedAt.get() ?? '') > chained.recordedAt) {
        chained = await this.chainAhead(streamId, batch);
      }
      assertExpectedRevision(streamId, expected, chained.headRevision ?? 'no_stream');
      // Another process that keeps appending could keep this loop going: after a few rounds, the transaction
      // runs here, where the head is read under the lock and nothing can move it.
      if (attempt > 3) return this.appendInTransaction.immediate(streamId, batch, expected, chained);
      let answer: AppendWorkerAnswer;
      try {
        answer = await this.appendWorker.append(streamId, chained.events, { headRevision: chained.headRevision, headHash: chained.headHash, recordedAt: chained.recordedAt });
      } catch (error) {
        if (error instanceof AppendWorkerLostError) return this.afterLostWorker(streamId, batch, error);
        throw error;
      }
      if (answer.kind === 'appended') return { nextExpectedRevision: (chained.headRevision ?? -1n) + BigInt(batch.length), position: answer.position };
      if (answer.kind === 'failed') {
        // A SqliteError crosses the thread as its shape; translateAppendError reads the shape.
        throw Object.assign(new Error(answer.error.message), { name: answer.error.name, ...(answer.error.code !== undefined ? { code: answer.error.code } : {}) });
      }
    }
  }

  /**
   * The worker stopped while it held this append: its transaction either committed whole or not at all. The
   * batch's event ids say which, so the caller learns the truth instead of retrying what is already recorded.
   */
  private afterLostWorker(streamId: string, batch: readonly PreparedEvent[], error: AppendWorkerLostError): AppendResult {
    const recorded = this.selectExistingEventIds.all(JSON.stringify([batch[0]!.eventId, batch[batch.length - 1]!.eventId]));
    if (recorded.length === 2) {
      const last = this.selectEventPosition.get(batch[batch.length - 1]!.eventId)!;
      return { nextExpectedRevision: last.revision, position: last.position };
    }
    throw new EventStoreUnavailableError(`The append to ${streamId} was not recorded: ${error.message}`, { cause: error });
  }

  /** The chain a batch would have if appended now; appendInTransaction uses it only if that still holds under the lock. */
  private async chainAhead(streamId: string, batch: readonly PreparedEvent[]): Promise<ChainedAhead> {
    const head = this.selectHead.get(streamId);
    const recordedAt = nextRecordedAt(this.clock, this.selectLastRecordedAt.get());
    const events = await chainAppendBatchYielding(streamId, head ?? null, batch, recordedAt);
    return { headRevision: head?.revision ?? null, headHash: head?.hash ?? null, recordedAt, events };
  }

  async appendRecordedEvents(streamId: string, events: readonly RecordedEventToCopy[]): Promise<AppendResult> {
    this.assertOpen();
    const batch = prepareRecordedBatch(streamId, events);
    const result = await this.exclusively(() => {
      try {
        const copied = this.copyInTransaction.immediate(streamId, batch);
        this.committed(batch.length);
        return copied;
      } catch (error) {
        throw this.translateAppendError(error, streamId, batch[0] ? batch[0].revision - 1n : 'any', batch);
      }
    });
    if (batch.length > 0) for (const subscription of this.subscriptions) subscription.wake();
    return result;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    assertStreamId(streamId);
    assertReadCount(options.maxCount);
    const upTo = options.recordedUpTo === undefined ? null : toStoredInstant(options.recordedUpTo, 'recordedUpTo');
    const limit = options.maxCount ?? -1;
    const rows =
      options.direction === 'backwards'
        ? this.selectStreamBackwards.all(streamId, clampRevision(options.fromRevision ?? MAX_REVISION), upTo, upTo, limit)
        : this.selectStreamForwards.all(streamId, clampRevision(options.fromRevision ?? 0n), upTo, upTo, limit);
    return rows.map(toRecordedEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    assertReadCount(options.maxCount);
    return this.selectAllAfter.all(options.fromPosition ?? 0n, options.maxCount ?? -1).map(toRecordedEvent);
  }

  async readAllOfTypes(types: readonly string[]): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.selectOfTypes.all(JSON.stringify(types)).map(toRecordedEvent);
  }

  async readEventsById(eventIds: readonly string[]): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.selectByIds.all(JSON.stringify(eventIds)).map(toRecordedEvent);
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    this.assertOpen();
    let sleeping: (() => void) | undefined;
    const live: LiveSubscription = {
      signalled: false,
      closed: false,
      wake: () => {
        live.signalled = true;
        sleeping?.();
      },
    };
    const sleep = () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => done(), this.pollIntervalMs);
        const done = () => {
          clearTimeout(timer);
          sleeping = undefined;
          resolve();
        };
        sleeping = done;
      });

    const run = async (): Promise<void> => {
      await null; // never call the handler before subscribeToAll has returned
      let after = options.fromPosition ?? 0n;
      let caughtUp = false;
      try {
        while (!live.closed) {
          live.signalled = false;
          // Positions become visible in order (one writer at a time, commits serialised), so reading
          // strictly after the last delivered position can neither skip nor repeat an event.
          const page = this.selectAllAfter.all(after, this.pageSize).map(toRecordedEvent);
          for (const event of page) {
            if (live.closed) return;
            await options.onEvent(event);
            after = event.position;
          }
          if (page.length === this.pageSize || live.closed) continue;
          if (!caughtUp) {
            caughtUp = true;
            options.onCaughtUp?.();
          }
          // Our own appends wake us at once; other connections' and processes' appends are seen by polling.
          if (!live.signalled) await sleep();
        }
      } catch (error) {
        // A failing handler stops the subscription (as a dropped EventStoreDB subscription does): the
        // checkpoint has not moved past the failed event, so a restart resumes there.
        if (!live.closed) {
          live.closed = true;
          if (options.onError) options.onError(error);
          else console.error('Event store subscription stopped: its handler failed', error);
        }
      } finally {
        this.subscriptions.delete(live);
      }
    };

    this.subscriptions.add(live);
    const runningLoop = run();
    this.running.add(runningLoop);
    void runningLoop.finally(() => this.running.delete(runningLoop));
    return {
      close: async () => {
        live.closed = true;
        live.wake();
        await runningLoop;
      },
    };
  }

  async streamSummary(streamId: string): Promise<StreamSummary | null> {
    this.assertOpen();
    assertStreamId(streamId);
    const head = this.selectHead.get(streamId);
    return head ? { streamId, revision: head.revision, headHash: head.hash } : null;
  }

  async listStreams(prefix: string): Promise<string[]> {
    this.assertOpen();
    return this.selectStreamStarts.all({ prefix });
  }

  /** Stops every subscription (waiting for handlers in flight), then closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const subscription of this.subscriptions) {
      subscription.closed = true;
      subscription.wake();
    }
    await Promise.all([...this.running]);
    // Appends already queued finish (or are refused as closed) before the connections go.
    await this.writeQueue;
    await this.appendWorker.close();
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreUnavailableError('The SQLite event store has been closed');
  }

  private translateAppendError(error: unknown, streamId: string, expected: ExpectedRevision, batch: readonly PreparedEvent[]): unknown {
    if (!isSqliteError(error)) return error;
    // The append-only triggers answer a taken revision or event id before the UNIQUE constraints can.
    const takenByTrigger = error.code === 'SQLITE_CONSTRAINT_TRIGGER' && (error.message === REVISION_TAKEN || error.message === EVENT_ID_TAKEN);
    if (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || takenByTrigger) {
      if (error.message.includes('events.event_id') || error.message === EVENT_ID_TAKEN) {
        const existing = this.selectExistingEventIds.all(JSON.stringify(batch.map((event) => event.eventId)));
        return new DuplicateEventIdError(existing[0] ?? batch[0]?.eventId ?? 'unknown', { cause: error });
      }
      // Another writer took this revision. BEGIN IMMEDIATE makes that impossible for writers that follow the
      // protocol, but whoever wrote it, the caller must see a concurrency conflict, never a raw SQLite error.
      const head = this.selectHead.get(streamId);
      return new WrongExpectedRevisionError(streamId, expected, head ? head.revision : 'no_stream');
    }
    if (error.code.startsWith('SQLITE_BUSY') || error.code.startsWith('SQLITE_LOCKED')) {
      return new EventStoreUnavailableError('The event store file stayed locked by another writer for longer than busy_timeout', { cause: error });
    }
    if (isStorageFailure(error.code)) {
      return new EventStoreUnavailableError(`The event store file could not be written (${error.code})`, { cause: error });
    }
    return error;
  }
}

function toRecordedEvent([position, streamId, revision, eventId, type, data, metadata, recordedAt, previousHash, hash]: EventRow): RecordedEvent {
  return {
    streamId,
    revision,
    position,
    eventId,
    type,
    data: JSON.parse(data) as Record<string, unknown>,
    metadata: JSON.parse(metadata) as Record<string, unknown>,
    recordedAt,
    previousHash,
    hash,
  };
}

/** SQLite integers are signed 64-bit: keep a caller's revision inside that range. */
function clampRevision(revision: bigint): bigint {
  if (revision < 0n) throw new RangeError(`fromRevision must not be negative (got ${revision})`);
  return revision > MAX_REVISION ? MAX_REVISION : revision;
}

/**
 * better-sqlite3's errors, recognised by shape rather than instanceof: the native addon keeps the SqliteError
 * class of whichever copy of the module loaded it first (a test runner's module registry may hold another).
 */
function isSqliteError(error: unknown): error is Error & { code: string } {
  // Not even `instanceof Error`: under a test runner that class may come from another realm too.
  const candidate = error as { name?: unknown; code?: unknown; message?: unknown } | null;
  return typeof candidate === 'object' && candidate !== null && candidate.name === 'SqliteError' && typeof candidate.code === 'string' && typeof candidate.message === 'string';
}

function isStorageFailure(code: string): boolean {
  return ['SQLITE_IOERR', 'SQLITE_FULL', 'SQLITE_CANTOPEN', 'SQLITE_READONLY', 'SQLITE_CORRUPT', 'SQLITE_NOTADB'].some((prefix) => code.startsWith(prefix));
}

function translateOpenError(error: unknown, path: string): unknown {
  if (isSqliteError(error) && (error.code.startsWith('SQLITE_BUSY') || isStorageFailure(error.code))) {
    return new EventStoreUnavailableError(`Cannot open the event store at ${path} (${error.code})`, { cause: error });
  }
  return error;
}
