import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { v7 as uuidv7 } from 'uuid';
import { decide, DomainError, planStreamName, type CommandMetadata, type PlanCommand, type PlanState } from '#domain';
import { WrongExpectedRevisionError } from '#event-store';
import { AccessControl } from './access/access-control.js';
import { CommandHandler, ConflictError, PlanChangedError, type StreamCommand } from './command-handler.js';
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
