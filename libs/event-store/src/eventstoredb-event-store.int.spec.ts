import { describe } from '@jest/globals';
import { EventStoreDBClient } from '@eventstore/db-client';
import { EventStoreDbEventStore } from './eventstoredb-event-store.js';
import { describeEventStoreContract } from './testing/event-store-contract.js';

const connectionString = process.env.EVENTSTORE_CONNECTION_STRING;

/** One cheap read with a short deadline: is there a server to test against? */
async function isReachable(connection: string): Promise<boolean> {
  const client = EventStoreDBClient.connectionString(connection);
  try {
    for await (const _ of client.readAll({ maxCount: 1, deadline: 3000 })) break;
    return true;
  } catch {
    return false;
  } finally {
    await client.dispose().catch(() => undefined);
  }
}

const reachable = connectionString !== undefined && (await isReachable(connectionString));

if (!reachable) {
  console.warn(
    connectionString === undefined
      ? 'Skipping the EventStoreDB adapter contract: EVENTSTORE_CONNECTION_STRING is not set. To run it: ' +
          '`docker compose up -d eventstore` then `EVENTSTORE_CONNECTION_STRING=esdb://localhost:2113?tls=false` before the test command.'
      : `Skipping the EventStoreDB adapter contract: no EventStoreDB answered at EVENTSTORE_CONNECTION_STRING=${connectionString}. ` +
          'Start one with `docker compose up -d eventstore` (esdb://localhost:2113?tls=false).',
  );
}

(reachable ? describe : describe.skip)('EventStoreDB adapter (needs EVENTSTORE_CONNECTION_STRING)', () => {
  describeEventStoreContract('EventStoreDbEventStore', async () => {
    const connection = connectionString!;
    const store = new EventStoreDbEventStore({ connectionString: connection });
    return {
      store,
      openAnother: async () => new EventStoreDbEventStore({ connectionString: connection }),
      // Streams are unique per test and left in place: EventStoreDB is append-only too.
      cleanup: () => store.close(),
    };
  });
});
