import { asRecorded, decide, PlanFold, type CommandMetadata, type DecisionContext, type NewPlanEvent, type PlanCommand, type PlanState } from '#domain';
import type { DecidedWrite } from './command-handler.js';

/**
 * Several commands decided one after another against a running state, for ONE append: all of them or none
 * (an import is all or nothing). Each command sees the effects of the ones before it, so a later command can
 * name the action an earlier one added. It appends nothing itself: PlanCommandService.runBatch hands its
 * writes to the command handler.
 */
export class PlanBatch {
  private readonly pending: DecidedWrite[] = [];
  private readonly running: PlanFold;

  constructor(
    readonly base: PlanState,
    private readonly context: DecisionContext,
  ) {
    this.running = new PlanFold(base);
  }

  /** The plan as it would be if the batch were committed now. */
  get state(): PlanState {
    return this.running.state;
  }

  get size(): number {
    return this.pending.length;
  }

  /** Everything decided so far, in order, with each command's metadata. */
  get writes(): readonly DecidedWrite[] {
    return this.pending;
  }

  /** Decide one command against the running state; throws the domain's error if it cannot be accepted. */
  run(command: PlanCommand, meta: CommandMetadata): NewPlanEvent[] {
    const running = this.running.state;
    const events = decide(command, running, { now: () => this.context.now(), newId: () => this.context.newId(), actor: meta.actor });
    const now = this.context.now().toISOString();
    this.running.apply(events.map((event, i) => asRecorded(event, meta, running.revision + 1 + i, now)));
    for (const event of events) this.pending.push({ event, meta });
    return events;
  }
}
