import { v7 as uuidv7 } from 'uuid';
import { DEFAULT_RAG_RULES, formatUkDate, PLAN_STREAM_PREFIX, planIdOfStream, readAsAt, reminderDigests, type PlanState, type RagRuleSet, type ReminderDigest } from '#domain';
import type { EventStore } from '#event-store';
import type { AccessControl } from '../access/access-control.js';
import type { PlanCommandService } from '../plan-command-service.js';
import type { PlanRepository } from '../plan-repository.js';
import type { ReminderMailer, ReminderMessage } from './reminder-mailer.js';

/** Who the reminder events are recorded by: the ledger itself, not a person. */
export const REMINDER_ACTOR = { id: 'ledger-reminders', displayName: 'Ledger reminders' };

export interface ReminderRunReport {
  /** False when no mail server is configured: nothing was attempted. */
  attempted: boolean;
  day: string;
  sent: { userId: string; email: string; actions: number }[];
  failed: { userId: string; email: string; error: string }[];
}

export interface ReminderRunOptions {
  store: EventStore;
  plans: PlanRepository;
  service: PlanCommandService;
  access: AccessControl;
  /** Absent: no SMTP configured, and every run attempts nothing. */
  mailer?: ReminderMailer;
  /** The web service's base URL, for the links. */
  publicUrl: string;
  rules?: RagRuleSet;
  now?: () => Date;
  warn?: (message: string) => void;
}

/**
 * One run of the reminders: every plan read, each person's digest built by the domain's rule (reminderDigests),
 * sent, and the outcome recorded in each plan it covered, through the one command handler: ReminderSent, or
 * ReminderFailed with the server's words, so a failure is never silent and the next run tries again (only a
 * sent digest counts as the day's). Grants are read at the moment of sending.
 */
export class ReminderRun {
  private running?: Promise<ReminderRunReport>;

  constructor(private readonly options: ReminderRunOptions) {}

  /** Run once; a run already under way is waited for rather than started twice (one digest per person per day). */
  runOnce(asAt?: string): Promise<ReminderRunReport> {
    this.running ??= this.run(asAt).finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(asAtText?: string): Promise<ReminderRunReport> {
    const now = (this.options.now ?? (() => new Date()))().toISOString();
    const asAt = asAtText === undefined ? now : readAsAt(asAtText).instant;
    const report: ReminderRunReport = { attempted: false, day: asAt.slice(0, 10), sent: [], failed: [] };
    const mailer = this.options.mailer;
    if (!mailer) return report;
    report.attempted = true;
    const plans = await this.loadPlans();
    const digests = reminderDigests(plans, await this.options.access.state(), asAt, now, this.options.rules ?? DEFAULT_RAG_RULES);
    for (const digest of digests) {
      const reminderId = uuidv7();
      const actionIdsByPlan = digest.plans.map((p) => ({ planId: p.planId, actionIds: p.requests.map((r) => r.actionId) }));
      let error: string | undefined;
      try {
        await mailer.send(reminderMessage(digest, this.options.publicUrl));
      } catch (cause) {
        error = errorText(cause);
      }
      for (const { planId, actionIds } of actionIdsByPlan) {
        const base = { reminderId, userId: digest.userId, email: digest.email, day: digest.day, actionIds };
        try {
          await this.options.service.execute(planId, error === undefined ? { type: 'RecordReminderSent', ...base } : { type: 'RecordReminderFailed', ...base, error }, {
            actor: REMINDER_ACTOR,
            correlationId: `reminders-${reminderId}`,
          });
        } catch (cause) {
          this.options.warn?.(`The reminder ${reminderId} to ${digest.userId} could not be recorded in plan ${planId}: ${errorText(cause)}`);
        }
      }
      const actions = actionIdsByPlan.reduce((n, p) => n + p.actionIds.length, 0);
      if (error === undefined) report.sent.push({ userId: digest.userId, email: digest.email, actions });
      else report.failed.push({ userId: digest.userId, email: digest.email, error });
    }
    return report;
  }

  private async loadPlans(): Promise<PlanState[]> {
    const plans: PlanState[] = [];
    for (const stream of await this.options.store.listStreams(PLAN_STREAM_PREFIX)) {
      const planId = planIdOfStream(stream);
      if (!planId) continue;
      try {
        const plan = await this.options.plans.load(planId);
        if (plan.exists) plans.push(plan);
      } catch (cause) {
        // A plan that cannot be folded is quarantined elsewhere; its leads are reminded once it is repaired.
        this.options.warn?.(`Plan ${planId} could not be read for reminders: ${errorText(cause)}`);
      }
    }
    return plans;
  }
}

/** The digest as a mail: each plan, each action with its due date, reason and link. */
export function reminderMessage(digest: ReminderDigest, publicUrl: string): ReminderMessage {
  const count = digest.plans.reduce((n, p) => n + p.requests.length, 0);
  const lines = [`Dear ${digest.displayName},`, '', `${count === 1 ? 'This action you lead is' : `These ${count} actions you lead are`} due a progress update.`, ''];
  for (const plan of digest.plans) {
    lines.push(plan.title, '');
    for (const request of plan.requests) {
      lines.push(`Action ${request.ref}: ${clip(request.description)}`);
      lines.push(`  Due by ${formatUkDate(request.dueOn)}. ${request.reason}`);
      lines.push(`  ${publicUrl}/web/plans/${encodeURIComponent(plan.planId)}/actions/${encodeURIComponent(request.actionId)}`, '');
    }
  }
  lines.push('You receive at most one of these a day. Record the update on the action\'s page in the ledger.');
  return { to: digest.email, subject: `Progress updates due: ${count} ${count === 1 ? 'action' : 'actions'} (${formatUkDate(digest.day)})`, text: lines.join('\n') };
}

function clip(text: string, max = 160): string {
  const plain = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return plain.length > max ? `${plain.slice(0, max - 1)}…` : plain;
}

function errorText(cause: unknown): string {
  return (cause instanceof Error ? cause.message : String(cause)).slice(0, 2_000) || 'unknown error';
}
