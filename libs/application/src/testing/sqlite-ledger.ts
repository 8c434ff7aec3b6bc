import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { SqliteEventStore } from '#event-store';
// What a test reads back from the store, for tests in rooms that may not import it.
export type { RecordedEvent } from '#event-store';
import { validateLedgerEvent } from '../ledger-event-validator.js';
import { PlanCommandService } from '../plan-command-service.js';
import { PlanRepository } from '../plan-repository.js';

/** A real ledger on a temp SQLite file, for integration tests: the store, the command side, and a way to throw it away. */
export interface SqliteLedger {
  dir: string;
  store: SqliteEventStore;
  plans: PlanRepository;
  service: PlanCommandService;
  close(): Promise<void>;
}

export function openSqliteLedger(prefix = 'ledger-test-'): SqliteLedger {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const store = new SqliteEventStore({ path: path.join(dir, 'ledger.sqlite'), validator: validateLedgerEvent });
  const plans = new PlanRepository(store);
  const service = new PlanCommandService(store, plans, { now: () => new Date(), newId: () => uuidv7() });
  return {
    dir,
    store,
    plans,
    service,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
