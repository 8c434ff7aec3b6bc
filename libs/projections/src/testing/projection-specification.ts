import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from '@jest/globals';
import { validateLedgerEvent, toEventToAppend } from '#application';
import { planStreamName, type CommandMetadata, type NewPlanEvent } from '#domain';
import { SqliteEventStore } from '#event-store';
import { PlanProjector } from '../plan-projector.js';
import { openReadModelDatabase } from '../read-model-database.js';
import { readModelRows } from './read-model-rows.js';

/** One event of a projection specification's history: on this plan, recorded at this instant, by whom. */
export interface GivenPlanEvent {
  planId: string;
  event: NewPlanEvent;
  recordedAt: string;
  meta: CommandMetadata;
}

export const GIVEN_BY: CommandMetadata = { actor: { id: 'rachel', displayName: 'Rachel Deakin' }, correlationId: 'c-1' };

/** A plan's events as a specification's history, recorded a minute apart from `from`, by `meta`'s actor. */
export function onPlan(planId: string, events: readonly NewPlanEvent[], from = '2012-10-01T09:00:00.000Z', meta: CommandMetadata = GIVEN_BY): GivenPlanEvent[] {
  return events.map((event, i) => ({ planId, event, recordedAt: new Date(Date.parse(from) + i * 60_000).toISOString(), meta }));
}

export interface ProjectedRows {
  /** The rows `sql` reads from the read models are exactly these, in this order. */
  then(sql: string, expected: readonly Record<string, unknown>[]): Promise<void>;
}

/**
 * Given events → then these read-model rows, as in Emmett's SQLiteProjectionSpec. The events are appended
 * to a real SQLite store (checked by the ledger's validator, with the store's clock set to each event's
 * recordedAt), the real projector catches up into a fresh read-model file, and a query's rows are compared
 * with deep equality; a rebuild into another file must then write every row the live projection wrote. Everything is thrown away afterwards.
 */
export const planProjection = {
  given(events: readonly GivenPlanEvent[]): ProjectedRows {
    return {
      async then(sql, expected) {
        const dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-projection-spec-'));
        let clock = '';
        const store = new SqliteEventStore({ path: path.join(dir, 'ledger.sqlite'), clock: () => new Date(clock), validator: validateLedgerEvent });
        const db = openReadModelDatabase(path.join(dir, 'read-models.sqlite'));
        try {
          const revisions = new Map<string, bigint>();
          for (const { planId, event, recordedAt, meta } of events) {
            clock = recordedAt;
            const stream = planStreamName(planId);
            const revision = revisions.get(stream);
            const result = await store.appendToStream(stream, [toEventToAppend(event, meta)], { expectedRevision: revision ?? 'no_stream' });
            revisions.set(stream, result.nextExpectedRevision);
          }
          const projector = new PlanProjector(store, db, () => undefined);
          await projector.start();
          await projector.stop();
          expect(db.prepare(sql).all()).toEqual(expected);
          // A rebuild (which reads the events its own, faster way) writes the live projection's rows, row for row.
          const rebuiltFile = path.join(dir, 'rebuilt.sqlite');
          const rebuilt = openReadModelDatabase(rebuiltFile);
          try {
            await new PlanProjector(store, rebuilt, () => undefined).rebuild();
          } finally {
            rebuilt.close();
          }
          expect(readModelRows(rebuiltFile)).toEqual(readModelRows(path.join(dir, 'read-models.sqlite')));
        } finally {
          db.close();
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  },
};
