import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { CheckpointPublisher } from '#application';
import { planStreamName } from '#domain';
import { SqliteEventStore, type EventStore, type ReadAllOptions, type ReadStreamOptions, type RecordedEvent, type SubscribeOptions } from '#event-store';
import { loadOrCreateSigningKey, noteVerifierKeyOf, type SigningKey } from '#evidence';
import { planLogOrigin } from '#transparency';
import { startWitnessServer, Witness, WitnessRecord, type RunningWitnessServer } from '#witness';

/**
 * CheckpointPublisher's start against a real SQLite store and a real witness on loopback: it pushes every
 * plan the witness does not hold at its present size (a witness catches up on what was appended while the API
 * was down) and then follows the log from its end, so a start reads a few events of the log, not all of it, no
 * plan's events for a plan already cosigned, and misses nothing appended after.
 */

const LOG_NAME = 'ledger.start.test';
let dir: string;
let ledgerKey: SigningKey;
let record: WitnessRecord;
let server: RunningWitnessServer;
let vkey: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'publisher-start-'));
  ledgerKey = await loadOrCreateSigningKey(path.join(dir, 'ledger-key'));
  record = new WitnessRecord(path.join(dir, 'witness.sqlite'));
  const witness = new Witness({ name: 'witness.start.test/w1', key: await loadOrCreateSigningKey(path.join(dir, 'witness-key')), record, ledgerVkeys: [noteVerifierKeyOf(LOG_NAME, ledgerKey)] });
  vkey = witness.vkey;
  server = await startWitnessServer(witness, { host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await server.close();
  record.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The real store, with what a reader took from the log written down: every readAll's rows, and where each subscription began. */
class ReadCountingStore {
  rowsRead = 0;
  subscribedFrom: (bigint | undefined)[] = [];
  /** The streams read whole (readStream), in order: a push reads its plan's. */
  streamsRead: string[] = [];
  constructor(readonly inner: SqliteEventStore) {}
  asEventStore(): EventStore {
    return new Proxy(this.inner, {
      get: (target, name, receiver) => {
        if (name === 'readAll')
          return async (options?: ReadAllOptions): Promise<RecordedEvent[]> => {
            const rows = await target.readAll(options);
            this.rowsRead += rows.length;
            return rows;
          };
        if (name === 'readStream')
          return async (streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> => {
            this.streamsRead.push(streamId);
            return target.readStream(streamId, options);
          };
        if (name === 'subscribeToAll')
          return (options: SubscribeOptions) => {
            this.subscribedFrom.push(options.fromPosition);
            return target.subscribeToAll({
              ...options,
              onEvent: (event) => {
                this.rowsRead += 1;
                return options.onEvent(event);
              },
            });
          };
        const value = Reflect.get(target, name, receiver) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }
}

const note = (n: number) => ({ eventId: randomUUID(), type: 'Noted', data: { n }, metadata: {} });

async function append(store: EventStore, streamId: string, count: number): Promise<void> {
  await store.appendToStream(streamId, Array.from({ length: count }, (_, i) => note(i)), { expectedRevision: 'any' });
}

const cosignedSize = (planId: string) => record.latest(planLogOrigin(LOG_NAME, planId))?.size ?? 0;

/** Push what is pending until the witness holds each plan at its size (the subscription delivers in its own time). */
async function untilCosigned(publisher: CheckpointPublisher, sizes: Map<string, number>): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    await publisher.flush();
    if ([...sizes].every(([planId, size]) => cosignedSize(planId) === size)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`The witness holds ${JSON.stringify([...sizes.keys()].map((p) => [p, cosignedSize(p)]))}, not ${JSON.stringify([...sizes])}`);
}

describe('CheckpointPublisher.start', () => {
  it('pushes every plan once, reads only a few events of the log to find its end, and pushes what is appended after', async () => {
    const file = path.join(dir, 'ledger.sqlite');
    const inner = new SqliteEventStore({ path: file });
    const counting = new ReadCountingStore(inner);
    const store = counting.asEventStore();
    // Appended while no publisher ran: 3 plans and the access stream, 2,000 events in all.
    await append(inner, planStreamName('alpha'), 700);
    await append(inner, 'access', 100);
    await append(inner, planStreamName('beta'), 600);
    await append(inner, planStreamName('gamma'), 600);
    const end = (await inner.readStream(planStreamName('gamma'), { direction: 'backwards', maxCount: 1 }))[0]!.position;

    const publisher = new CheckpointPublisher(store, async () => ledgerKey, { logName: LOG_NAME, witnesses: [{ name: 'witness.start.test/w1', vkey, url: server.url }], cosignaturesPath: path.join(dir, 'cosignatures.sqlite'), debounceMs: 5 });
    try {
      publisher.start();
      await untilCosigned(publisher, new Map([['alpha', 700], ['beta', 600], ['gamma', 600]]));
      expect(counting.subscribedFrom).toEqual([end]);
      // Galloping and bisecting over 2,000 positions: a few dozen one-event reads, not the log.
      expect(counting.rowsRead).toBeLessThan(60);

      // After the start: a plan grows, a new plan begins; both reach the witness.
      const before = counting.rowsRead;
      await append(inner, planStreamName('beta'), 5);
      await append(inner, planStreamName('delta'), 3);
      await untilCosigned(publisher, new Map([['alpha', 700], ['beta', 605], ['gamma', 600], ['delta', 3]]));
      expect(counting.rowsRead - before).toBe(8);
    } finally {
      await publisher.stop();
      await inner.close();
    }
  });

  it('on a restart pushes only the plans the witness does not hold at their size: a plan already cosigned is not read', async () => {
    const file = path.join(dir, 'restart.sqlite');
    const cosignaturesPath = path.join(dir, 'cosignatures-restart.sqlite');
    const inner = new SqliteEventStore({ path: file });
    const witnesses = [{ name: 'witness.start.test/w1', vkey, url: server.url }];
    try {
      for (const [plan, count] of [['r-alpha', 30], ['r-beta', 20], ['r-gamma', 10]] as const) await append(inner, planStreamName(plan), count);
      const first = new CheckpointPublisher(inner, async () => ledgerKey, { logName: LOG_NAME, witnesses, cosignaturesPath, debounceMs: 5 });
      try {
        first.start();
        await untilCosigned(first, new Map([['r-alpha', 30], ['r-beta', 20], ['r-gamma', 10]]));
      } finally {
        await first.stop();
      }

      // While no publisher runs (the API down, `ledger import` writing): one plan grows, one begins.
      await append(inner, planStreamName('r-beta'), 4);
      await append(inner, planStreamName('r-delta'), 2);

      const counting = new ReadCountingStore(inner);
      const second = new CheckpointPublisher(counting.asEventStore(), async () => ledgerKey, { logName: LOG_NAME, witnesses, cosignaturesPath, debounceMs: 5 });
      try {
        second.start();
        await untilCosigned(second, new Map([['r-alpha', 30], ['r-beta', 24], ['r-gamma', 10], ['r-delta', 2]]));
        // Only the two plans the witness lacked were read (to be pushed); alpha and gamma not at all.
        expect([...counting.streamsRead].sort()).toEqual([planStreamName('r-beta'), planStreamName('r-delta')].sort());

        // What is appended after the start still reaches the witness, alpha's included.
        await append(inner, planStreamName('r-alpha'), 1);
        await untilCosigned(second, new Map([['r-alpha', 31], ['r-beta', 24], ['r-gamma', 10], ['r-delta', 2]]));
      } finally {
        await second.stop();
      }
    } finally {
      await inner.close();
    }
  });

  it('starts on an empty log, following it from its start, and pushes the first plan appended', async () => {
    const inner = new SqliteEventStore({ path: path.join(dir, 'empty.sqlite') });
    const counting = new ReadCountingStore(inner);
    const publisher = new CheckpointPublisher(counting.asEventStore(), async () => ledgerKey, { logName: LOG_NAME, witnesses: [{ name: 'witness.start.test/w1', vkey, url: server.url }], cosignaturesPath: path.join(dir, 'cosignatures-empty.sqlite'), debounceMs: 5 });
    try {
      publisher.start();
      await publisher.flush();
      expect(counting.subscribedFrom).toEqual([undefined]);
      await append(inner, planStreamName('first'), 2);
      await untilCosigned(publisher, new Map([['first', 2]]));
    } finally {
      await publisher.stop();
      await inner.close();
    }
  });

  it('stops cleanly when stopped before its start has finished, and pushes nothing after', async () => {
    const inner = new SqliteEventStore({ path: path.join(dir, 'stopped.sqlite') });
    await append(inner, planStreamName('never'), 3);
    const counting = new ReadCountingStore(inner);
    const publisher = new CheckpointPublisher(counting.asEventStore(), async () => ledgerKey, { logName: LOG_NAME, witnesses: [{ name: 'witness.start.test/w1', vkey, url: server.url }], cosignaturesPath: path.join(dir, 'cosignatures-stopped.sqlite'), debounceMs: 5 });
    publisher.start();
    await publisher.stop();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(counting.subscribedFrom).toEqual([]);
    expect(cosignedSize('never')).toBe(0);
    await inner.close();
  });
});
