import { Logger, type OnApplicationShutdown, type OnModuleInit, type Provider } from '@nestjs/common';
import { AccessControl, PlanCommandService, PlanRepository, ReminderRun, smtpMailer, type LedgerConfig, type ReminderMailer } from '#application';
import type { EventStore } from '#event-store';
import { EVENT_STORE, LEDGER_CONFIG } from '../ledger.tokens.js';

/**
 * Sends reminders every LEDGER_REMINDER_INTERVAL_MINUTES while the app runs, when SMTP is configured; without
 * SMTP, or with the interval 0, it never starts a timer. A run's failures are recorded by the run itself
 * (ReminderFailed) and tried again at the next tick; a run that throws is logged, never fatal to the app.
 */
export class ReminderScheduler implements OnModuleInit, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private readonly logger = new Logger('Reminders');

  constructor(
    readonly run: ReminderRun,
    private readonly intervalMs: number,
    private readonly mailer: ReminderMailer | undefined,
  ) {}

  onModuleInit(): void {
    if (!this.mailer || this.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.mailer?.close();
  }

  private async tick(): Promise<void> {
    try {
      const report = await this.run.runOnce();
      if (report.failed.length > 0) this.logger.warn(`${report.failed.length} reminder(s) could not be delivered; they will be tried again`);
    } catch (error) {
      this.logger.error(`The reminder run failed: ${(error as Error).message}`);
    }
  }
}

export const REMINDER_PROVIDERS: Provider[] = [
  {
    provide: ReminderScheduler,
    useFactory: (config: LedgerConfig, store: EventStore, plans: PlanRepository, service: PlanCommandService, access: AccessControl) => {
      const mailer = config.smtp ? smtpMailer(config.smtp) : undefined;
      const logger = new Logger('Reminders');
      const run = new ReminderRun({ store, plans, service, access, ...(mailer ? { mailer } : {}), publicUrl: config.publicUrl, rules: config.ragRules, warn: (m) => logger.warn(m) });
      return new ReminderScheduler(run, config.reminderIntervalMs, mailer);
    },
    inject: [LEDGER_CONFIG, EVENT_STORE, PlanRepository, PlanCommandService, AccessControl],
  },
];
