import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import { AccessControl, checkStreamIntegrity, PlanRepair } from '#application';
import { foldPlan, PLAN_STREAM_PREFIX, planIdOfStream, readablePlanEvents } from '#domain';
import type { EventStore } from '#event-store';
import { readQuarantinedPlans } from '#projections';
import { operator } from './access-commands.js';

/**
 * `ledger doctor`: is anything wrong with the ledger? Every stream's hash chain, every plan folded from its own
 * events (as the projector would), and the plans the projector has quarantined in the read-model file.
 * Exit 0 when all is well, 1 when anything is wrong, each problem on its own line with what to do.
 */
export async function doctor(store: EventStore, readModelPath: string, out: (line: string) => void): Promise<number> {
  let problems = 0;
  const streams = await store.listStreams('');
  for (const streamId of streams) {
    const chain = await checkStreamIntegrity(store, streamId);
    if (!chain.ok) {
      out(`${streamId}: CHAIN BROKEN at revision ${chain.brokenAtRevision}: ${chain.problem}`);
      problems++;
    }
  }
  out(`Hash chains: ${streams.length - problems} of ${streams.length} streams intact.`);
  const planStreams = streams.filter((s) => s.startsWith(PLAN_STREAM_PREFIX));
  let unfoldable = 0;
  for (const streamId of planStreams) {
    try {
      foldPlan(readablePlanEvents(await store.readStream(streamId)));
    } catch (error) {
      out(`Plan ${planIdOfStream(streamId)}: CANNOT BE FOLDED: ${(error as Error).message.split('\n')[0]}`);
      unfoldable++;
    }
  }
  out(`Plans: ${planStreams.length - unfoldable} of ${planStreams.length} fold cleanly.`);
  problems += unfoldable;
  const quarantined = existsSync(readModelPath) ? readQuarantined(readModelPath) : [];
  for (const plan of quarantined) {
    out(`Plan ${plan.planId}: QUARANTINED at revision ${plan.revision} (event ${plan.eventId}) since ${plan.quarantinedAt}: ${plan.reason}`);
    out(`  repair: ledger repair void-event --plan ${plan.planId} --event ${plan.eventId} --reason "<why>"`);
  }
  out(`Quarantined plans: ${quarantined.length}.`);
  problems += quarantined.length;
  // The access stream is folded as sign-in folds it: an event it cannot read is skipped there, and listed here.
  const access = await new AccessControl(store, { now: () => new Date(), newId: uuidv7 }).state();
  for (const unreadable of access.unreadable.values()) {
    out(`Access stream: UNREADABLE event at revision ${unreadable.revision} (event ${unreadable.eventId}, recorded ${unreadable.recordedAt}), skipped by sign-in: ${unreadable.reason}`);
    out(`  repair: ledger repair void-event --access --event ${unreadable.eventId} --reason "<why>"`);
  }
  out(`Unreadable access events: ${access.unreadable.size}.`);
  problems += access.unreadable.size;
  return problems === 0 ? 0 : 1;
}

function readQuarantined(file: string) {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return readQuarantinedPlans(db);
  } finally {
    db.close();
  }
}

/**
 * `ledger repair void-event --plan P --event E --reason "…"`: the audited repair of a quarantined plan;
 * `ledger repair void-event --access --event E --reason "…"`: of an unreadable event of the access stream.
 */
export async function repairVoidEvent(store: EventStore, values: { plan?: string; access?: boolean; event?: string; reason?: string }, out: (line: string) => void): Promise<number> {
  if ((values.plan === undefined) === (values.access !== true) || !values.event || !values.reason?.trim()) {
    out('repair void-event needs --plan <planId> (or --access) --event <eventId> --reason "<why>"');
    return 2;
  }
  if (values.access === true) {
    await new AccessControl(store, { now: () => new Date(), newId: uuidv7 }).voidUnreadableEvent(values.event, values.reason, operator());
    out(`Voided entry ${values.event} of the access stream. Sign-in already skipped it; ledger doctor no longer lists it. Nothing was deleted.`);
    return 0;
  }
  const repaired = await new PlanRepair(store, uuidv7).voidEvent({ planId: values.plan!, eventId: values.event, reason: values.reason }, operator());
  out(`Voided entry ${values.event} of plan ${values.plan}: recorded as ${repaired.eventId} at revision ${repaired.revision}. Every fold now skips it; nothing was deleted.`);
  return 0;
}
