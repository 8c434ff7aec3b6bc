import type { EventStore } from '#event-store';
import { asRecorded, decide, PlanFold, planIdOfStream, planStreamName, type CommandMetadata, type DecisionContext, type NewPlanEvent, type PlanCommand, type PlanState } from '#domain';
import { CommandHandler, type GatherDeadline, type Joining } from './command-handler.js';
import type { PlanRepository } from './plan-repository.js';
import { PlanBatch } from './plan-batch.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.js';

export interface CommandResult {
  planId: string;
  /** Stream revision after the append: send it back as If-Match to write on top of exactly this state. */
  revision: number;
  /** Global position of the last event of the append that carried this change: read models that reached it include it. */
  position: bigint;
  eventIds: string[];
  events: NewPlanEvent[];
  /**
   * The plan after the command, for the caller to show (e.g. the new action's warnings): it includes the
   * command's events, and may include those appended with them (a group) or just after.
   */
  state: PlanState;
}

export interface BatchOptions {
  /** Write only if the plan is still at this revision (HTTP If-Match); otherwise PlanChangedError, nothing appended. */
  expectedRevision?: number;
  /** Decide everything, append nothing: the preview. */
  dryRun?: boolean;
  /** Whether the plan as loaded may take the batch at all (a new plan must not exist yet, …); throws if not. */
  check?(state: PlanState): void;
}

export interface BatchResult<Outcome> {
  outcome: Outcome;
  /** The batch as decided on the last attempt: its running state and size. */
  batch: PlanBatch;
  /** The plan's revision after the append (for a dry run or an empty batch: the revision it was decided on). */
  revision: number;
  /** Global position of the last event appended; -1n when nothing was. */
  position: bigint;
}

const FILES_PAGE = 1_000;

/**
 * The plans' side of the one command handler: a command, or a batch of them (an import), decided on the
 * plan's stream and appended in one all-or-nothing append; on a concurrent change decided again (see
 * CommandHandler), unless the caller pinned a revision.
 */
export class PlanCommandService {
  private readonly handler: CommandHandler;

  constructor(
    private readonly store: EventStore,
    private readonly plans: PlanRepository,
    private readonly context: DecisionContext,
    retry: RetryPolicy = DEFAULT_RETRY_POLICY,
    gatherMs?: GatherDeadline,
  ) {
    this.handler = new CommandHandler(store, retry, gatherMs);
  }
  /** Resolves when none of this service's commands is in hand (see CommandHandler.idle). */
  idle(): Promise<void> {
    return this.handler.idle();
  }


  /**
   * How commands queued on one plan are decided one after another in one turn: each on the plan as the ones
   * before it left it, their events folded in as the store will record them (asRecorded, as a PlanBatch does).
   * One object, so the handler groups only this service's single commands (an import has its turn alone).
   */
  private readonly joins: Joining<PlanState> = {
    start: (state) => {
      const fold = new PlanFold(state);
      return {
        get state() {
          return fold.state;
        },
        apply: (writes) => {
          const revision = fold.state.revision;
          const now = this.context.now().toISOString();
          fold.apply(writes.map(({ event, meta }, i) => asRecorded(event as NewPlanEvent, meta, revision + 1 + i, now)));
        },
      };
    },
  };

  /** Which plan each imported file's SHA-256 went into, from the provenance of events read so far. */
  private readonly filesByHash = new Map<string, string>();
  private filesReadTo: bigint | undefined;

  /**
   * The plan that holds entries imported from a file with this SHA-256 (the first such plan), read from the
   * events' provenance. Reads only the log appended since the last call, so other processes' imports count.
   */
  async planHoldingFile(fileSha256: string): Promise<{ planId: string; title: string } | undefined> {
    for (let pages = 0; ; pages++) {
      // Pages of 1,000, the loop given back between them: 5,000 at once (after a large import) held it for 100 ms.
      if (pages > 0) await new Promise((resolve) => setImmediate(resolve));
      const page = await this.store.readAll({ ...(this.filesReadTo !== undefined ? { fromPosition: this.filesReadTo } : {}), maxCount: FILES_PAGE });
      for (const event of page) {
        const hash = (event.metadata.provenance as { fileSha256?: unknown } | undefined)?.fileSha256;
        const planId = planIdOfStream(event.streamId);
        if (typeof hash === 'string' && planId !== null && !this.filesByHash.has(hash)) this.filesByHash.set(hash, planId);
      }
      if (page.length > 0) this.filesReadTo = page.at(-1)!.position;
      if (page.length < FILES_PAGE) break;
    }
    const planId = this.filesByHash.get(fileSha256);
    if (planId === undefined) return undefined;
    return { planId, title: (await this.plans.load(planId)).title };
  }

  /**
   * Decide a batch of commands on the plan (`decide` runs them on the batch it is given) and append them in
   * one go. On a concurrent change `decide` runs again, on a fresh batch over the new state.
   */
  async runBatch<Outcome>(planId: string, decide: (batch: PlanBatch) => Outcome | Promise<Outcome>, options: BatchOptions = {}): Promise<BatchResult<Outcome>> {
    const handled = await this.handler.handle({
      stream: planStreamName(planId),
      subject: 'the plan',
      load: async () => {
        const state = await this.plans.load(planId);
        options.check?.(state);
        return state;
      },
      decide: async (state) => {
        const batch = new PlanBatch(state, this.context);
        const outcome = await decide(batch);
        return { writes: batch.writes, outcome: { outcome, batch } };
      },
      ...(options.expectedRevision !== undefined ? { expectedRevision: options.expectedRevision } : {}),
      ...(options.dryRun ? { dryRun: true } : {}),
    });
    return { ...handled.outcome, revision: handled.revision, position: handled.position };
  }

  async execute(planId: string, requested: PlanCommand, meta: CommandMetadata, options: { expectedRevision?: number } = {}): Promise<CommandResult> {
    // The stream is named after the plan, so a new plan's id is the one the caller chose for it.
    const command: PlanCommand = requested.type === 'CreatePlan' ? { ...requested, planId } : requested;
    const handled = await this.handler.handle({
      stream: planStreamName(planId),
      subject: 'the plan',
      load: () => this.plans.load(planId),
      decide: (state) => {
        // The deciding person is the approval rules' to know (no one accepts their own update).
        const events = decide(command, state, { now: () => this.context.now(), newId: () => this.context.newId(), actor: meta.actor });
        return { writes: events.map((event) => ({ event, meta })), outcome: events };
      },
      joins: this.joins,
      ...(options.expectedRevision !== undefined ? { expectedRevision: options.expectedRevision } : {}),
    });
    const events = handled.outcome;
    // The commands of one group read the plan after it once between them (atLeast shares the load).
    const state = await this.plans.atLeast(planId, handled.revision);
    return { planId, revision: handled.revision, position: handled.position, eventIds: events.map((e) => e.eventId), events, state };
  }
}
