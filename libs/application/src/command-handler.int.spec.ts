import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { v7 as uuidv7 } from 'uuid';
import path from 'node:path';
import { decide, DomainError, planStreamName, type CommandMetadata, type PlanCommand, type PlanState } from '#domain';
import { InvalidEventError, SqliteEventStore, WrongExpectedRevisionError, type AppendOptions, type AppendResult, type EventStore, type EventToAppend } from '#event-store';
import { AccessControl } from './access/access-control.js';
import { CommandHandler, ConflictError, PlanChangedError, type StreamCommand } from './command-handler.js';
import { validateLedgerEvent } from './ledger-event-validator.js';
import { PlanCommandService, type CommandResult } from './plan-command-service.js';
import { PlanRepository } from './plan-repository.js';
import type { RetryPolicy } from './retry-policy.js';
import { openSqliteLedger, type SqliteLedger } from './testing/sqlite-ledger.js';

/** The one command handler on a real SQLite ledger: what it does when another writer gets to the stream first. */
let ledger: SqliteLedger;
const planId = '018f0000-0000-7000-8000-0000000000ab';
const actor = { id: 'rachel.deakin', displayName: 'Rachel Deakin' };
const meta: CommandMetadata = { actor, correlationId: 'request-1', causationId: 'cause-1' };
const context = { now: () => new Date(), newId: () => uuidv7() };
const noWait: RetryPolicy = { maxAttempts: 4, baseDelayMs: 0, maxDelayMs: 0, random: () => 0 };

const createPlan: PlanCommand = { type: 'CreatePlan', planId, title: 'Laming 2009 action plan', organisation: 'Central Bedfordshire Council', respondsTo: 'Lord Laming 2009' };
const addWorkstream = (number: string): PlanCommand => ({ type: 'AddWorkstream', number, title: `Workstream ${number}` });

/** A plan command through the handler, with a hook that runs before each decision (another writer's chance). */
function planCommand(command: PlanCommand, before: (attempt: number) => Promise<void> = async () => undefined, extra: Partial<StreamCommand<PlanState, number>> = {}): StreamCommand<PlanState, number> {
  return {
    stream: planStreamName(planId),
    subject: 'the plan',
    load: () => ledger.plans.load(planId),
    decide: async (state, attempt) => {
      await before(attempt);
      return { writes: decide(command, state, context).map((event) => ({ event, meta })), outcome: attempt };
    },
    ...extra,
  };
}

const typesInPlan = async () => (await ledger.store.readStream(planStreamName(planId))).map((e) => e.type);

beforeEach(async () => {
  ledger = openSqliteLedger('ledger-handler-');
  await ledger.service.execute(planId, createPlan, meta);
});

afterEach(async () => {
  await ledger.close();
});

describe('the one command handler', () => {
  it('decides again on the fresh state when another writer appended first, and appends once', async () => {
    const handler = new CommandHandler(ledger.store, noWait);
    const handled = await handler.handle(
      planCommand(addWorkstream('2'), async (attempt) => {
        if (attempt === 1) await ledger.service.execute(planId, addWorkstream('1'), meta);
      }),
    );
    expect(handled.outcome).toBe(2);
    expect(handled.revision).toBe(2);
    expect(await typesInPlan()).toEqual(['PlanCreated', 'WorkstreamAdded', 'WorkstreamAdded']);
  });

  it('refuses, as a conflict naming the rule, a command the other writer made invalid', async () => {
    const handler = new CommandHandler(ledger.store, noWait);
    const refusal = handler.handle(
      planCommand(addWorkstream('1'), async (attempt) => {
        if (attempt === 1) await ledger.service.execute(planId, addWorkstream('1'), meta);
      }),
    );
    await expect(refusal).rejects.toBeInstanceOf(ConflictError);
    await expect(refusal).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/^Someone else changed the plan at the same time, and your change no longer applies: Workstream 1 already exists/),
      cause: expect.objectContaining({ code: 'DUPLICATE_REFERENCE' }),
    });
    expect(await typesInPlan()).toEqual(['PlanCreated', 'WorkstreamAdded']);
  });

  it('passes a refusal on the first decision through as the domain error it is', async () => {
    const handler = new CommandHandler(ledger.store, noWait);
    await expect(handler.handle(planCommand(createPlan))).rejects.toEqual(new DomainError('PLAN_ALREADY_EXISTS', `Plan ${planId} already exists`));
  });

  it('never retries a write pinned to a revision: the plan changed, whether before the load or before the append', async () => {
    const handler = new CommandHandler(ledger.store, noWait);
    await expect(handler.handle(planCommand(addWorkstream('1'), undefined, { expectedRevision: 5 }))).rejects.toEqual(new PlanChangedError(5, 0));
    let decisions = 0;
    const raced = handler.handle(
      planCommand(
        addWorkstream('2'),
        async () => {
          decisions++;
          await ledger.service.execute(planId, addWorkstream(`1${decisions}`), meta);
        },
        { expectedRevision: 0 },
      ),
    );
    await expect(raced).rejects.toEqual(new PlanChangedError(0, 1));
    expect(decisions).toBe(1);
    expect(await typesInPlan()).toEqual(['PlanCreated', 'WorkstreamAdded']);
  });

  it('gives up after the policy\'s attempts with the store\'s conflict, having appended nothing of its own', async () => {
    const handler = new CommandHandler(ledger.store, noWait);
    let decisions = 0;
    const starved = handler.handle(
      planCommand(addWorkstream('99'), async () => {
        decisions++;
        await ledger.service.execute(planId, addWorkstream(String(decisions)), meta);
      }),
    );
    await expect(starved).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    expect(decisions).toBe(noWait.maxAttempts);
    expect((await ledger.plans.load(planId)).revision).toBe(noWait.maxAttempts);
  });

  it('appends nothing for a dry run, and says the revision it decided on', async () => {
    const handler = new CommandHandler(ledger.store, noWait);
    const preview = await handler.handle(planCommand(addWorkstream('1'), undefined, { dryRun: true }));
    expect(preview).toMatchObject({ revision: 0, position: -1n });
    expect(preview.writes).toHaveLength(1);
    expect(await typesInPlan()).toEqual(['PlanCreated']);
  });

  it('stores the metadata the one builder makes: the catalogue\'s schema version, the command\'s actor and ids', async () => {
    const [created] = await ledger.store.readStream(planStreamName(planId));
    expect(created!.metadata).toEqual({ schemaVersion: 2, actor, correlationId: 'request-1', causationId: 'cause-1' });
    await ledger.service.execute(planId, { ...addWorkstream('1'), effectiveAt: '2009-06-01' } as PlanCommand, { ...meta, causationId: 'cause-2' });
    const [, added] = await ledger.store.readStream(planStreamName(planId));
    expect(added!.metadata).toEqual({ schemaVersion: 1, actor, correlationId: 'request-1', causationId: 'cause-2', effectiveAt: '2009-06-01T00:00:00.000Z' });
  });
});

describe('commands on one stream in one process (issue 21: group commit)', () => {
  const oneAttempt: RetryPolicy = { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, random: () => 0 };

  it('take turns, so twenty at once all land on the first attempt, each decided on the state before it', async () => {
    // One attempt each: a command decided on a revision another had already moved past would fail here.
    const handler = new CommandHandler(ledger.store, oneAttempt);
    const handled = await Promise.all(Array.from({ length: 20 }, (_, i) => handler.handle(planCommand(addWorkstream(String(i + 1))))));
    expect(handled.map((h) => h.outcome)).toEqual(handled.map(() => 1));
    expect(handled.map((h) => h.revision)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const workstreams = (await ledger.store.readStream(planStreamName(planId))).slice(1).map((e) => e.data['number']);
    expect(workstreams).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 1)));
  });

  it('let the next command in when one fails, and a refused command appends nothing', async () => {
    const handler = new CommandHandler(ledger.store, oneAttempt);
    const settled = await Promise.allSettled([
      handler.handle(planCommand(addWorkstream('1'))),
      handler.handle(planCommand(addWorkstream('1'))), // a duplicate on the state the first one left
      handler.handle({ ...planCommand(addWorkstream('2')), load: () => Promise.reject(new Error('the load failed')) }),
      handler.handle(planCommand(addWorkstream('3'))),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'DUPLICATE_REFERENCE' });
    expect((settled[2] as PromiseRejectedResult).reason).toEqual(new Error('the load failed'));
    expect(await typesInPlan()).toEqual(['PlanCreated', 'WorkstreamAdded', 'WorkstreamAdded']);
  });

  it('keep different streams independent: a slow decision on one plan does not hold another', async () => {
    const handler = new CommandHandler(ledger.store, oneAttempt);
    const otherPlan = '018f0000-0000-7000-8000-0000000000ac';
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = handler.handle(planCommand(addWorkstream('1'), () => held));
    const other = await handler.handle({ ...planCommand({ ...createPlan, planId: otherPlan }), stream: planStreamName(otherPlan), load: () => ledger.plans.load(otherPlan) });
    expect(other.revision).toBe(0);
    release();
    await expect(slow).resolves.toMatchObject({ revision: 1 });
  });

  it('say when none is in hand: idle() waits for the queued and the running, so a shutdown closes the store after their appends', async () => {
    const handler = new CommandHandler(ledger.store, oneAttempt);
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const answered: number[] = [];
    const commands = [handler.handle(planCommand(addWorkstream('1'), () => held)), handler.handle(planCommand(addWorkstream('2'))), handler.handle(planCommand(addWorkstream('3')))];
    commands.forEach((command, i) => void command.then(() => answered.push(i)));
    let idle = false;
    const waited = handler.idle().then(() => {
      idle = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(idle).toBe(false);
    release();
    await waited;
    await Promise.resolve();
    expect(answered.sort()).toEqual([0, 1, 2]);
    expect(await typesInPlan()).toEqual(['PlanCreated', 'WorkstreamAdded', 'WorkstreamAdded', 'WorkstreamAdded']);
    await handler.idle();
  });
});

describe('access control over the one command handler', () => {
  it('lets concurrent changes to the access stream all land, each decided on the state before it', async () => {
    // Two services, as two processes would have, so each decides on a state the other may have moved on from.
    const access = new AccessControl(ledger.store, context, { ...noWait, maxAttempts: 50 });
    const other = new AccessControl(ledger.store, context, { ...noWait, maxAttempts: 50 });
    const names = ['amina', 'bert', 'carys', 'dev', 'eilidh', 'fola'];
    await Promise.all(names.map((name, i) => (i % 2 ? access : other).registerUser({ userId: name, displayName: name, organisationId: 'central-bedfordshire-council' }, actor)));
    const recorded = await ledger.store.readStream('access');
    expect(recorded.map((e) => e.data['userId']).sort()).toEqual(names);
    expect(recorded.map((e) => Object.keys(e.metadata).sort())).toEqual(names.map(() => ['actor', 'correlationId', 'schemaVersion']));
    await expect(access.registerUser({ userId: 'amina', displayName: 'Amina', organisationId: 'central-bedfordshire-council' }, actor)).rejects.toMatchObject({ code: 'DUPLICATE_REFERENCE' });
  });
});

/**
 * The real store, watched: every append it is asked for is counted (and its event count kept), and `before`
 * runs ahead of an append, as another process's write would.
 */
class WatchedStore implements EventStore {
  readonly appends: number[] = [];
  before: ((events: readonly EventToAppend[]) => Promise<void>) | undefined;

  constructor(private readonly inner: EventStore) {}

  async appendToStream(streamId: string, events: readonly EventToAppend[], options: AppendOptions): Promise<AppendResult> {
    const before = this.before;
    this.before = undefined;
    await before?.(events);
    this.appends.push(events.length);
    return this.inner.appendToStream(streamId, events, options);
  }
  appendRecordedEvents: EventStore['appendRecordedEvents'] = (...args) => this.inner.appendRecordedEvents(...args);
  readStream: EventStore['readStream'] = (...args) => this.inner.readStream(...args);
  readAll: EventStore['readAll'] = (...args) => this.inner.readAll(...args);
  readAllOfTypes: EventStore['readAllOfTypes'] = (...args) => this.inner.readAllOfTypes(...args);
  readEventsById: EventStore['readEventsById'] = (...args) => this.inner.readEventsById(...args);
  subscribeToAll: EventStore['subscribeToAll'] = (...args) => this.inner.subscribeToAll(...args);
  streamSummary: EventStore['streamSummary'] = (...args) => this.inner.streamSummary(...args);
  listStreams: EventStore['listStreams'] = (...args) => this.inner.listStreams(...args);
  close = () => this.inner.close();
}

describe('commands queued on one plan take the next turn together (issue 21: one append for the group)', () => {
  const retrying: RetryPolicy = { maxAttempts: 5, baseDelayMs: 0, maxDelayMs: 0, random: () => 0 };
  let watched: WatchedStore;
  let service: PlanCommandService;
  let actionIds: string[];

  beforeEach(async () => {
    watched = new WatchedStore(ledger.store);
    service = new PlanCommandService(watched, new PlanRepository(watched), context, retrying);
    const [recommendation] = (await service.execute(planId, { type: 'AddRecommendation', ref: '6', text: 'Review referrals.' } as PlanCommand, meta)).events;
    const recommendationId = (recommendation!.data as { recommendationId: string }).recommendationId;
    actionIds = [];
    for (const ref of ['6.1', '6.2', '6.3']) {
      const [added] = (await service.execute(planId, { type: 'AddAction', ref, recommendationId, description: `Audit ${ref}`, leads: [], target: '', dependencies: [] } as PlanCommand, meta)).events;
      actionIds.push((added!.data as { actionId: string }).actionId);
    }
    watched.appends.length = 0;
  });

  const note = (i: number, actionId = actionIds[i % actionIds.length]!): PlanCommand => ({ type: 'RecordProgressUpdate', actionId, narrative: `Note ${i}` }) as PlanCommand;
  /** The first command takes its turn at once; the rest, sent in the same tick, queue behind it and form one group. */
  const sendTogether = (commands: readonly { command: PlanCommand; expectedRevision?: number }[]) =>
    Promise.allSettled(commands.map(({ command, expectedRevision }) => service.execute(planId, command, meta, expectedRevision !== undefined ? { expectedRevision } : {})));
  const stored = async () => (await ledger.store.readStream(planStreamName(planId))).slice(5);

  it('appends the queued commands in one append, each answered with its own revision and event ids', async () => {
    const settled = await sendTogether(Array.from({ length: 6 }, (_, i) => ({ command: note(i) })));
    expect(watched.appends).toEqual([1, 5]);
    const results = settled.map((s) => (s as PromiseFulfilledResult<CommandResult>).value);
    expect(results.map((r) => r.revision)).toEqual([5, 6, 7, 8, 9, 10]);
    const events = await stored();
    expect(results.map((r) => r.eventIds)).toEqual(events.map((e) => [e.eventId]));
    expect(events.map((e) => e.data['narrative'])).toEqual(['Note 0', 'Note 1', 'Note 2', 'Note 3', 'Note 4', 'Note 5']);
    // Each caller's state includes its own note.
    results.forEach((r, i) => expect(r.state.actions[actionIds[i % 3]!]!.progress.map((p) => p.narrative)).toContain(`Note ${i}`));
  });

  it('never merges two requests\' failures: an invalid command in the group gets its own error, the others append, nothing of it is stored', async () => {
    const settled = await sendTogether([{ command: note(0) }, { command: note(1) }, { command: note(2, 'no-such-action') }, { command: note(3) }]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((settled[2] as PromiseRejectedResult).reason).toBeInstanceOf(DomainError);
    expect((settled[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'ACTION_NOT_FOUND' });
    expect(watched.appends).toEqual([1, 2]);
    expect((await stored()).map((e) => e.data['narrative'])).toEqual(['Note 0', 'Note 1', 'Note 3']);
    expect(settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.revision] : []))).toEqual([5, 6, 7]);
  });

  it('decides each command on the state the ones before it left: a second completion of the same action is refused as already complete', async () => {
    const complete: PlanCommand = { type: 'CompleteAction', actionId: actionIds[0]! } as PlanCommand;
    const settled = await sendTogether([{ command: note(0) }, { command: complete }, { command: complete }, { command: note(1) }]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((settled[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'NO_CHANGE', message: expect.stringMatching(/already completed/) });
    expect(watched.appends).toEqual([1, 2]);
    expect((await stored()).map((e) => e.type)).toEqual(['ProgressUpdateRecorded', 'ActionCompleted', 'ProgressUpdateRecorded']);
  });

  it('checks an If-Match in the group against the running state: the revision the command would be written on', async () => {
    const settled = await sendTogether([
      { command: note(0) },
      { command: note(1) }, // lands at 6
      { command: note(2), expectedRevision: 5 }, // the plan is at 6 by its turn in the group
      { command: note(3), expectedRevision: 6 }, // written on top of exactly revision 6
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((settled[2] as PromiseRejectedResult).reason).toEqual(new PlanChangedError(5, 6));
    expect((settled[3] as PromiseFulfilledResult<CommandResult>).value.revision).toBe(7);
    expect((await stored()).map((e) => e.data['narrative'])).toEqual(['Note 0', 'Note 1', 'Note 3']);
  });

  it('sends the whole group round again when another writer appended first, and a pinned command in it is told the plan changed', async () => {
    const otherProcess = new PlanCommandService(ledger.store, new PlanRepository(ledger.store), context);
    const first = service.execute(planId, note(0), meta);
    // Note 2 pinned to 6: the revision it would be written on in the group as first decided.
    const group = sendTogether([{ command: note(1) }, { command: note(2), expectedRevision: 6 }, { command: note(3) }]);
    await first;
    // The group's append, with its load and decisions done: another process lands first.
    watched.before = async () => {
      await otherProcess.execute(planId, note(99), meta);
    };
    const settled = await group;
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    // Decided again after the other writer's note: by its turn the plan is at 7, not 6.
    expect((settled[1] as PromiseRejectedResult).reason).toEqual(new PlanChangedError(6, 7));
    expect(settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.revision] : []))).toEqual([7, 8]);
    expect(watched.appends).toEqual([1, 3, 2]);
    expect((await stored()).map((e) => e.data['narrative'])).toEqual(['Note 0', 'Note 99', 'Note 1', 'Note 3']);
  });

  /** Each writer sends its notes one after another, the next as soon as the last is answered. */
  const writers = (on: PlanCommandService, counts: readonly number[]) =>
    Promise.all(
      counts.map(async (count, w) => {
        const revisions: number[] = [];
        for (let i = 0; i < count; i++) revisions.push((await on.execute(planId, note(10 * w + i, actionIds[w % 3]), meta)).revision);
        return revisions;
      }),
    );

  it('waits for the writers of a group to come back, so they take the next turn together instead of splitting into two groups that alternate', async () => {
    // A deadline far beyond the time the writers take to come back here (a few ms), so only coming back decides.
    const gathering = new PlanCommandService(watched, new PlanRepository(watched), context, retrying, { min: 500, max: 500, first: 500 });
    const revisions = await writers(gathering, [3, 3, 3, 3]);
    // The first alone, the other three with the first's second note, then all four together, then the three
    // whose third note was still to come. Without the wait the last three came back one by one: 1, 4, 4, 1, 1, 1.
    expect(watched.appends).toEqual([1, 4, 4, 3]);
    expect(revisions.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => 5 + i));
    const narratives = (await stored()).map((e) => e.data['narrative']);
    expect(narratives).toHaveLength(12);
    // Each writer's notes in its own order.
    for (const w of [0, 1, 2, 3]) expect(narratives.filter((n) => (n as string).startsWith(`Note ${10 * w}`) || n === `Note ${10 * w + 1}` || n === `Note ${10 * w + 2}`)).toEqual([`Note ${10 * w}`, `Note ${10 * w + 1}`, `Note ${10 * w + 2}`]);
  });

  it('does not hold those who came back for a writer who does not: after the deadline they take their turn', async () => {
    const gathering = new PlanCommandService(watched, new PlanRepository(watched), context, retrying, { min: 5, max: 5, first: 5 });
    // Writer 0 writes once and goes; writers 1 and 2 form a group; 1 comes back, 2 does not.
    const revisions = await writers(gathering, [1, 2, 1]);
    expect(watched.appends).toEqual([1, 2, 1]);
    expect(revisions).toEqual([[5], [6, 8], [7]]);
    expect((await stored()).map((e) => e.data['narrative'])).toEqual(['Note 0', 'Note 10', 'Note 20', 'Note 11']);
  });

  it('does not make a shutdown wait for writers to come back: idle() ends a turn that is waiting for them', async () => {
    const gathering = new PlanCommandService(watched, new PlanRepository(watched), context, retrying, { min: 60_000, max: 60_000, first: 60_000 });
    await Promise.all([0, 1, 2].map((i) => gathering.execute(planId, note(i), meta)));
    // The group of two now waits (a minute) for its writers; nothing more comes, and the shutdown does not wait.
    expect(watched.appends).toEqual([1, 2]);
    await gathering.idle();
    // A command after the shutdown's wait is taken as ever.
    await expect(gathering.execute(planId, note(3), meta)).resolves.toMatchObject({ revision: 8 });
    await gathering.idle();
  });

  it('gives each command a turn of its own when the group\'s append fails for a reason that is not a conflict, so only the cause hears of it', async () => {
    // A store that refuses one note's event, as it would refuse any event its validator finds wrong.
    const refusing = new SqliteEventStore({
      path: path.join(ledger.dir, 'refusing.sqlite'),
      validator: (streamId, event) => (event.data['narrative'] === 'Note 2' ? [{ path: 'data.narrative', problem: 'is refused by this test' }] : validateLedgerEvent(streamId, event)),
    });
    try {
      const own = new WatchedStore(refusing);
      const strict = new PlanCommandService(own, new PlanRepository(own), context);
      await strict.execute(planId, createPlan, meta);
      const [recommendation] = (await strict.execute(planId, { type: 'AddRecommendation', ref: '6', text: 'Review referrals.' } as PlanCommand, meta)).events;
      const [added] = (await strict.execute(planId, { type: 'AddAction', ref: '6.1', recommendationId: (recommendation!.data as { recommendationId: string }).recommendationId, description: 'Audit', leads: [], target: '', dependencies: [] } as PlanCommand, meta)).events;
      const actionId = (added!.data as { actionId: string }).actionId;
      own.appends.length = 0;
      const settled = await Promise.allSettled([0, 1, 2, 3].map((i) => strict.execute(planId, note(i, actionId), meta)));
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      expect((settled[2] as PromiseRejectedResult).reason).toBeInstanceOf(InvalidEventError);
      // The first alone, the group of three refused whole, then each of the three alone.
      expect(own.appends).toEqual([1, 3, 1, 1, 1]);
      expect((await refusing.readStream(planStreamName(planId))).slice(3).map((e) => e.data['narrative'])).toEqual(['Note 0', 'Note 1', 'Note 3']);
    } finally {
      await refusing.close();
    }
  });
});
