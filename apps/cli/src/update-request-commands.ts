import { v7 as uuidv7 } from 'uuid';
import { AccessControl, PlanCommandService, PlanRepository, ReminderRun, smtpMailer, type LedgerConfig } from '#application';
import { formatUkDate, IsoDate, own, IsoInstant, PLAN_STREAM_PREFIX, planIdOfStream, planStreamName, readablePlanEvents, requireRound, type PlanState } from '#domain';
import type { EventStore } from '#event-store';
import { replayPlanAsAt, updateRequestList, updateRoundView } from '#projections';
import { operator, UsageError } from './access-commands.js';

/**
 * `ledger update-requests`, `ledger rounds open|close|show`, `ledger reminders send`: the same rules and the same
 * command handler as the API, on the store the configuration names. The CLI acts as the operator.
 */
type Values = Record<string, string | boolean | undefined>;
const str = (values: Values, name: string): string | undefined => (typeof values[name] === 'string' ? (values[name] as string) : undefined);

export const UPDATE_REQUEST_OPTIONS = { 'as-at': { type: 'string' }, time: { type: 'string' }, plan: { type: 'string' }, lead: { type: 'string' }, escalated: { type: 'boolean' } } as const;

function asAtOf(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (IsoDate.safeParse(text).success) return `${text}T23:59:59.999Z`;
  if (IsoInstant.safeParse(text).success) return new Date(text).toISOString();
  throw new UsageError(`--as-at must be a date (YYYY-MM-DD) or an instant, not "${text}"`);
}

async function planAt(store: EventStore, planId: string, asAt: string | undefined, time: 'recorded' | 'effective'): Promise<PlanState | undefined> {
  const raw = await store.readStream(planStreamName(planId));
  if (raw.length === 0) return undefined;
  const events = readablePlanEvents(raw.map((e) => ({ ...e, data: e.data as Record<string, unknown>, metadata: e.metadata as Record<string, unknown> })));
  const state = replayPlanAsAt(events, { asAt: asAt ?? new Date().toISOString(), time });
  return state.exists ? state : undefined;
}

export async function updateRequests(store: EventStore, config: LedgerConfig, values: Values, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const asAt = asAtOf(str(values, 'as-at'));
  const timeText = str(values, 'time') ?? 'recorded';
  if (timeText !== 'recorded' && timeText !== 'effective') throw new UsageError(`--time must be recorded or effective, not "${timeText}"`);
  const planId = str(values, 'plan');
  const ids = planId !== undefined ? [planId] : (await store.listStreams(PLAN_STREAM_PREFIX)).map(planIdOfStream).filter((id): id is string => id !== null);
  const plans: PlanState[] = [];
  for (const id of ids) {
    const plan = await planAt(store, id, asAt, timeText);
    if (plan) plans.push(plan);
    else if (planId !== undefined) {
      err(`There is no plan ${planId}${asAt ? ` at ${str(values, 'as-at')}` : ''}.`);
      return 1;
    }
  }
  const lead = str(values, 'lead');
  const list = updateRequestList(plans, asAt ?? new Date().toISOString(), timeText, { ...(lead !== undefined ? { lead } : {}), ...(values.escalated === true ? { escalated: true } : {}) }, config.ragRules);
  if (values.json === true) {
    out(JSON.stringify(list, null, 2));
    return 0;
  }
  if (list.requests.length === 0) out('No action is due an update.');
  for (const group of list.byLead) {
    out(group.lead);
    for (const r of group.requests) out(`  ${formatUkDate(r.dueOn).padEnd(12)} ${r.escalated ? 'ESCALATED ' : ''}action ${r.ref} (${r.planTitle}): ${r.reason}`);
  }
  return 0;
}

function service(store: EventStore): PlanCommandService {
  return new PlanCommandService(store, new PlanRepository(store), { now: () => new Date(), newId: () => uuidv7() });
}

export const ROUND_OPEN_OPTIONS = { plan: { type: 'string' }, title: { type: 'string' }, 'due-by': { type: 'string' }, reason: { type: 'string' } } as const;

export async function roundsOpen(store: EventStore, values: Values, out: (line: string) => void, json: boolean): Promise<number> {
  const planId = str(values, 'plan');
  const title = str(values, 'title');
  const dueBy = str(values, 'due-by');
  if (!planId || !title || !dueBy) throw new UsageError('rounds open needs --plan <planId> --title "<title>" --due-by <YYYY-MM-DD>');
  if (!IsoDate.safeParse(dueBy).success) throw new UsageError(`--due-by must be a date (YYYY-MM-DD), not "${dueBy}"`);
  const reason = str(values, 'reason');
  const result = await service(store).execute(planId, { type: 'OpenUpdateRound', title, dueBy, ...(reason ? { reason } : {}) }, { actor: operator(), correlationId: `cli-${uuidv7()}` });
  const data = result.events[0]!.data as { roundId: string; requests: unknown[] };
  out(json ? JSON.stringify({ planId, roundId: data.roundId, requests: data.requests.length }) : `Opened round ${data.roundId}: ${data.requests.length} actions asked for an update by ${formatUkDate(dueBy)}.`);
  return 0;
}

export async function roundsClose(store: EventStore, roundId: string, values: Values, out: (line: string) => void, json: boolean): Promise<number> {
  const planId = str(values, 'plan');
  if (!planId) throw new UsageError('rounds close needs --plan <planId>');
  const reason = str(values, 'reason');
  const result = await service(store).execute(planId, { type: 'CloseUpdateRound', roundId, ...(reason ? { reason } : {}) }, { actor: operator(), correlationId: `cli-${uuidv7()}` });
  const data = result.events[0]!.data as { received: string[]; missing: { actionId: string }[] };
  const state = result.state;
  if (json) out(JSON.stringify({ planId, roundId, ...data }));
  else {
    out(`Closed round ${roundId}: ${data.received.length} received, ${data.missing.length} not received.`);
    for (const m of data.missing) out(`  not received: action ${own(state.actions, m.actionId)?.ref ?? m.actionId}`);
  }
  return 0;
}

export async function roundsShow(store: EventStore, roundId: string, values: Values, out: (line: string) => void, err: (line: string) => void, json: boolean): Promise<number> {
  const planId = str(values, 'plan');
  if (!planId) throw new UsageError('rounds show needs --plan <planId>');
  const plan = await planAt(store, planId, undefined, 'recorded');
  if (!plan) {
    err(`There is no plan ${planId}.`);
    return 1;
  }
  const view = updateRoundView(plan, requireRound(plan, roundId), new Date().toISOString());
  if (json) out(JSON.stringify(view, null, 2));
  else {
    out(`${view.title}: ${view.status}, due by ${formatUkDate(view.dueBy)}; opened by ${view.openedBy.displayName}; ${view.requests.length} asked, ${view.received.length} received, ${view.missing.length} not received.`);
    for (const m of view.missing) out(`  not received: action ${m.ref ?? m.actionId} (${m.leads.join(', ') || 'no lead'})`);
  }
  return 0;
}

export async function remindersSend(store: EventStore, config: LedgerConfig, values: Values, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const asAtText = str(values, 'as-at');
  if (asAtText !== undefined) asAtOf(asAtText);
  if (!config.smtp) {
    out(values.json === true ? JSON.stringify({ attempted: false, sent: [], failed: [] }) : 'No mail server is configured (LEDGER_SMTP_URL or LEDGER_SMTP_HOST): nothing was sent.');
    return 0;
  }
  const mailer = smtpMailer(config.smtp);
  try {
    const run = new ReminderRun({ store, plans: new PlanRepository(store), service: service(store), access: new AccessControl(store, { now: () => new Date(), newId: () => uuidv7() }), mailer, publicUrl: config.publicUrl, rules: config.ragRules, warn: err });
    const report = await run.runOnce(asAtText);
    if (values.json === true) out(JSON.stringify(report));
    else {
      out(`Reminders for ${formatUkDate(report.day)}: ${report.sent.length} sent, ${report.failed.length} not delivered (to be tried again).`);
      for (const f of report.failed) out(`  not delivered to ${f.email}: ${f.error}`);
    }
    return report.failed.length > 0 ? 1 : 0;
  } finally {
    mailer.close();
  }
}
