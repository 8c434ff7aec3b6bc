import { WrongExpectedRevisionError, type EventStore } from '#event-store';
import { decide, DomainError, planIdOfStream, planStreamName, type DecisionContext, type NewPlanEvent, type PlanCommand, type PlanState } from '#domain';
import { toEventToAppend, type CommandMetadata } from './plan-events-io.js';
import type { PlanRepository } from './plan-repository.js';
import { PlanBatch } from './plan-batch.js';

export interface CommandResult {
  planId: string;
  /** Stream revision after the append: send it back as If-Match to write on top of exactly this state. */
  revision: number;
  /** Global position of the last event appended: read models that reached it include this change. */
  position: bigint;
  eventIds: string[];
  events: NewPlanEvent[];
  /** The state after the command, for the caller to show (e.g. the new action's warnings). */
  state: PlanState;
}

/** The plan has moved on since the revision the caller said it was writing on top of. */
export class PlanChangedError extends Error {
  readonly code = 'PLAN_CHANGED';
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`The plan has changed since revision ${expected} (it is now at revision ${actual}); reload it and try again`);
  }
}

/** A concurrent change made the command invalid; it was not applied. */
export class ConflictError extends Error {
  readonly code = 'CONFLICT';
  constructor(
    message: string,
    override readonly cause: DomainError,
  ) {
    super(message);
  }
}

const MAX_ATTEMPTS = 50;
const FILES_PAGE = 1_000;

/**
 * The command side: load → decide → append with the expected revision. On a concurrency conflict the
 * command is decided again against the new state (if the caller did not pin a revision): accepted if
 * still valid, otherwise a ConflictError that says why. Every write appends all its events or none.
 */
export class PlanCommandService {
  constructor(
    private readonly store: EventStore,
    private readonly plans: PlanRepository,
    private readonly context: DecisionContext,
  ) {}

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

  /** Start a batch of commands on the plan as it stands now (see PlanBatch). */
  async beginBatch(planId: string): Promise<PlanBatch> {
    return new PlanBatch(this.store, planId, await this.plans.load(planId), this.context);
  }

  async execute(planId: string, requested: PlanCommand, meta: CommandMetadata, options: { expectedRevision?: number } = {}): Promise<CommandResult> {
    // The stream is named after the plan, so a new plan's id is the one the caller chose for it.
    const command: PlanCommand = requested.type === 'CreatePlan' ? { ...requested, planId } : requested;
    for (let attempt = 1; ; attempt++) {
      const state = await this.plans.load(planId);
      if (options.expectedRevision !== undefined && options.expectedRevision !== state.revision) {
        throw new PlanChangedError(options.expectedRevision, state.revision);
      }
      let events: NewPlanEvent[];
      try {
        events = decide(command, state, this.context);
      } catch (error) {
        if (attempt > 1 && error instanceof DomainError) {
          throw new ConflictError(`Someone else changed the plan at the same time, and your change no longer applies: ${error.message}`, error);
        }
        throw error;
      }
      try {
        const result = await this.store.appendToStream(
          planStreamName(planId),
          events.map((event) => toEventToAppend(event, meta)),
          { expectedRevision: state.revision < 0 ? 'no_stream' : BigInt(state.revision) },
        );
        const after = await this.plans.load(planId);
        return { planId, revision: Number(result.nextExpectedRevision), position: result.position, eventIds: events.map((e) => e.eventId), events, state: after };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        if (options.expectedRevision !== undefined) throw new PlanChangedError(options.expectedRevision, Number(error.actual === 'no_stream' ? -1 : error.actual));
        if (attempt >= MAX_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, attempt * 5)));
      }
    }
  }
}
