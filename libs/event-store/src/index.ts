// The event-store port and its adapters (SQLite file, EventStoreDB): append-only, hash-chained streams and an ordered global log.
// It must never change or delete a recorded event, nor know anything about plans, HTTP or projections.
import type { EventStore, EventValidator } from './event-store.js';
import { EventStoreDbEventStore } from './eventstoredb-event-store.js';
import { SqliteEventStore } from './sqlite-event-store.js';

export * from './event-store.js';
export { chainLinkOf } from './chain-link.js';
export { lastPositionOf } from './last-position.js';
export { openPrivateDatabase, preparePrivateDatabaseFile } from './private-database-file.js';
export { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite-event-store.js';
export { EventStoreDbEventStore, type EventStoreDbEventStoreOptions } from './eventstoredb-event-store.js';

export type EventStoreConfig = { kind: 'sqlite'; path: string } | { kind: 'eventstoredb'; connectionString: string };

/** `validator`: what the streams' owner requires of every event (the ledger passes its schemas; see EventValidator). */
export function openEventStore(config: EventStoreConfig, options: { validator?: EventValidator } = {}): EventStore {
  switch (config.kind) {
    case 'sqlite':
      return new SqliteEventStore({ path: config.path, ...options });
    case 'eventstoredb':
      return new EventStoreDbEventStore({ connectionString: config.connectionString, ...options });
    default: {
      const unknownKind: never = config;
      throw new Error(`Unknown event store kind: ${JSON.stringify(unknownKind)}`);
    }
  }
}
