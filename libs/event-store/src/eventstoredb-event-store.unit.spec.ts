import { EventStoreDbEventStore } from './eventstoredb-event-store.js';
import { describeEventStoreContract } from './testing/event-store-contract.js';
import { FakeEventStoreDbClient } from './testing/fake-eventstoredb-client.js';

// The adapter's own logic against an in-memory double of the client; the real server run is the .int spec.
describeEventStoreContract('EventStoreDbEventStore on an in-memory client double', async () => {
  const server = new FakeEventStoreDbClient();
  // Small pages, so catch-up and $all reads cross page boundaries and skip system events between pages.
  const store = new EventStoreDbEventStore({ client: server.asClient(), pageSize: 4 });
  return {
    store,
    openAnother: async () => new EventStoreDbEventStore({ client: server.asClient(), pageSize: 4 }),
    cleanup: () => store.close(),
  };
});
